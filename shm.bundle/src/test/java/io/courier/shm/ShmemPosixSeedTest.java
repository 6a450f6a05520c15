package io.courier.shm;

import static io.courier.shm.SharedMemory.MAP_SHARED;
import static io.courier.shm.SharedMemory.O_CREAT;
import static io.courier.shm.SharedMemory.O_EXCL;
import static io.courier.shm.SharedMemory.O_RDWR;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The seed's POSIX exercise ({@code shmem_posix_creator} / {@code shmem_posix_user}): a
 * one-to-many "global" configuration object guarded by a process-shared mutex, with a condvar
 * and a data version to tell users of updates (SPEC S1, S2, S3, S5). Then the exercise's
 * question, "what happens if you kill them and restart them? How would you fix the problem?",
 * answered by running it.
 */
class ShmemPosixSeedTest extends ShmTestSupport {
    /** {@code shmem_posix.h}: the structure overlaid on the object. */
    static final class Layout {
        static final long MUTEX = 0;
        static final long COND = 32;
        static final long INIT_FLAG = 48;
        static final long DATA_VERSION = 56;
        static final long TEXT = 64;
        static final int MAX_TEXT_LEN = 100;
        static final long SIZE = TEXT + MAX_TEXT_LEN;

        private Layout() {
        }
    }

    /** {@code shmem_posix_creator.c}; {@code fixed} adds the answers to the exercise's question. */
    static final class Creator {
        final SharedMemory shm;
        final String name;
        final boolean fixed;
        Mapping m;
        ShmMutex mutex;
        ShmCondvar cond;

        Creator(SharedMemory shm, String name, boolean fixed) {
            this.shm = shm;
            this.name = name;
            this.fixed = fixed;
        }

        void setUp() {
            if (fixed) {
                // Fix 1: a name left by a killed creator is stale; remove it before creating.
                try {
                    shm.shmUnlink(name);
                } catch (KernelException e) {
                    if (e.errno() != Errno.ENOENT) {
                        throw e;
                    }
                }
            }
            int fd;
            try {
                fd = shm.shmOpen(name, O_RDWR | O_CREAT | O_EXCL, 0660);
            } catch (KernelException e) {
                // The seed's unlink_and_exit().
                shm.shmUnlink(name);
                throw e;
            }
            shm.ftruncate(fd, Layout.SIZE);
            m = shm.mmap(Layout.SIZE, RW, MAP_SHARED, fd, 0);
            shm.close(fd);
            // Fix 2: a robust mutex, so a creator killed while holding it does not block users for good.
            mutex = m.initMutex(Layout.MUTEX, fixed ? ShmMutex.ROBUST : 0);
            cond = m.initCondvar(Layout.COND);
            ShmAtomics.setRelease(m.segment(), Layout.INIT_FLAG, 1);
        }

        void update() {
            if (mutex.lock() == Errno.EOWNERDEAD) {
                mutex.consistent();
            }
            MemorySegment seg = m.segment();
            long version = seg.get(JAVA_LONG, Layout.DATA_VERSION) + 1;
            seg.set(JAVA_LONG, Layout.DATA_VERSION, version);
            writeText(seg, "data update: " + version);
            mutex.unlock();
            cond.broadcast();
        }
    }

    /** {@code shmem_posix_user.c}; {@code fixed} re-opens the name when the creator was replaced. */
    static final class User {
        final SharedMemory shm;
        final String name;
        final boolean fixed;
        Mapping m;
        long ino;
        long lastVersion;
        final List<String> seen = new ArrayList<>();

        User(SharedMemory shm, String name, boolean fixed) {
            this.shm = shm;
            this.name = name;
            this.fixed = fixed;
        }

        /** get_shared_memory_pointer(): open, map and wait for init_flag, with bounded retries. */
        void attach(int retries) throws InterruptedException {
            for (int tries = 0;; tries++) {
                try {
                    int fd = shm.shmOpen(name, O_RDWR, 0);
                    try {
                        ino = shm.fstat(fd).ino();
                        m = shm.mmap(Layout.SIZE, RW, MAP_SHARED, fd, 0);
                    } finally {
                        shm.close(fd);
                    }
                    break;
                } catch (KernelException e) {
                    // ENOENT: no creator yet; ENXIO: opened between its shm_open and ftruncate.
                    if ((e.errno() != Errno.ENOENT && e.errno() != Errno.ENXIO) || tries >= retries) {
                        throw e;
                    }
                    Thread.sleep(5);
                }
            }
            for (int tries = 0; ShmAtomics.getAcquire(m.segment(), Layout.INIT_FLAG) == 0; tries++) {
                if (tries >= retries) {
                    throw new AssertionError("init flag never set");
                }
                Thread.sleep(5);
            }
            lastVersion = 0;
        }

        /** One turn of the main loop: waits (bounded) for a new version and copies it. */
        Errno awaitUpdate(Duration timeout) throws InterruptedException {
            for (;;) {
                ShmMutex mutex = m.mutex(Layout.MUTEX);
                ShmCondvar cond = m.condvar(Layout.COND);
                Errno result = mutex.lock();
                if (result == Errno.EOWNERDEAD) {
                    repair(mutex);
                }
                boolean timedOut = false;
                try {
                    while (m.segment().get(JAVA_LONG, Layout.DATA_VERSION) == lastVersion) {
                        Errno r = cond.await(mutex, timeout);
                        if (r == Errno.EOWNERDEAD) {
                            result = r;
                            repair(mutex);
                        } else if (r == Errno.ETIMEDOUT) {
                            timedOut = true;
                            break;
                        }
                    }
                    if (!timedOut) {
                        lastVersion = m.segment().get(JAVA_LONG, Layout.DATA_VERSION);
                        seen.add(readText(m.segment()));
                        return result;
                    }
                } finally {
                    mutex.unlock();
                }
                if (!fixed || !replaced()) {
                    return Errno.ETIMEDOUT;
                }
                shm.munmap(m);
                attach(100);
            }
        }

        /**
         * The creator died mid-update. It writes the version, then the text: a text behind the
         * version is repaired by writing it again.
         */
        private void repair(ShmMutex mutex) {
            long v = m.segment().get(JAVA_LONG, Layout.DATA_VERSION);
            writeText(m.segment(), "data update: " + v);
            mutex.consistent();
        }

        /** Fix 3: whether the name now refers to another object than the one mapped. */
        boolean replaced() {
            try {
                int fd = shm.shmOpen(name, O_RDWR, 0);
                long now = shm.fstat(fd).ino();
                shm.close(fd);
                return now != ino;
            } catch (KernelException e) {
                return false;
            }
        }
    }

    static void writeText(MemorySegment seg, String text) {
        byte[] b = (text + "\0").getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(MemorySegment.ofArray(b), 0, seg, Layout.TEXT, Math.min(b.length, Layout.MAX_TEXT_LEN));
    }

    static String readText(MemorySegment seg) {
        return seg.asSlice(Layout.TEXT, Layout.MAX_TEXT_LEN).getString(0, StandardCharsets.US_ASCII);
    }

    @Test
    void s5OneCreatorUpdatesTheConfigurationAndEveryUserFollowsIt() throws Exception {
        Creator creator = new Creator(shm("shmem_posix_creator"), "/wally", false);
        List<User> users = new ArrayList<>();
        List<Future<Void>> following = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            User u = new User(shm("shmem_posix_user" + i), "/wally", false);
            users.add(u);
            // Users may start before the creator: they retry the open.
            following.add(async(() -> {
                u.attach(1000);
                while (u.lastVersion < 40) {
                    assertEquals(Errno.EOK, u.awaitUpdate(WAIT));
                }
                return null;
            }));
        }
        creator.setUp();
        AtomicBoolean run = new AtomicBoolean(true);
        Future<Void> updating = async(() -> {
            while (run.get()) {
                creator.update();
                Thread.sleep(1);
            }
            return null;
        });
        for (Future<Void> f : following) {
            await(f);
        }
        run.set(false);
        await(updating);
        for (User u : users) {
            assertTrue(u.seen.size() >= 2, "saw updates: " + u.seen);
            long previous = 0;
            for (String text : u.seen) {
                long v = Long.parseLong(text.substring("data update: ".length()));
                assertTrue(v > previous, "versions only grow: " + u.seen);
                previous = v;
            }
        }
    }

    @Test
    void s3KilledAndRestartedTheNameOutlivesBothAndTheRestartedPairNoLongerMeetsUntilFixed() throws Exception {
        Kernel creatorProcess = mk.process("shmem_posix_creator");
        Creator creator = new Creator(SharedMemory.of(creatorProcess), "/wally", false);
        creator.setUp();
        Kernel userProcess = mk.process("shmem_posix_user");
        User user = new User(SharedMemory.of(userProcess), "/wally", false);
        user.attach(10);
        creator.update();
        assertEquals(Errno.EOK, user.awaitUpdate(WAIT));

        // Kill both.
        creatorProcess.exit();
        userProcess.exit();
        assertEquals(List.of("/wally"), SharedMemory.list(mk).stream().map(ShmStat::name).toList(),
                "nobody unlinked the name: it outlives both processes (S3)");

        // Restart the user first: it finds the stale object, initialised, and waits for updates
        // that never come.
        User staleUser = new User(shm("shmem_posix_user"), "/wally", false);
        staleUser.attach(10);
        assertEquals(Errno.EOK, staleUser.awaitUpdate(WAIT), "it sees the last version once");
        assertEquals(Errno.ETIMEDOUT, staleUser.awaitUpdate(Duration.ofMillis(50)));

        // Restart the creator as written: O_EXCL finds the old name, and its error path unlinks it.
        Creator restarted = new Creator(shm("shmem_posix_creator"), "/wally", false);
        assertEquals(Errno.EEXIST, org.junit.jupiter.api.Assertions.assertThrows(KernelException.class,
                restarted::setUp).errno());
        assertTrue(SharedMemory.list(mk).isEmpty(), "the failed creator removed the name");

        // Started once more it works, with a new object; the restarted user is still on the old one.
        Creator third = new Creator(shm("shmem_posix_creator"), "/wally", false);
        third.setUp();
        third.update();
        assertEquals(Errno.ETIMEDOUT, staleUser.awaitUpdate(Duration.ofMillis(50)),
                "the user waits on the unlinked object forever: the problem");

        // The fix on the user's side: when a wait times out and the name names another object,
        // re-open it. With the creator's fix (unlink a stale name first) a restart needs no help.
        User fixedUser = new User(shm("shmem_posix_user_fixed"), "/wally", true);
        fixedUser.attach(10);
        assertEquals(Errno.EOK, fixedUser.awaitUpdate(WAIT));
        long before = fixedUser.ino;
        mk.process(third.shm.kernel().pid()).orElseThrow().exit();
        Creator fixedCreator = new Creator(shm("shmem_posix_creator_fixed"), "/wally", true);
        fixedCreator.setUp();
        fixedCreator.update();
        fixedCreator.update();
        assertEquals(Errno.EOK, fixedUser.awaitUpdate(Duration.ofMillis(50)));
        assertNotEquals(before, fixedUser.ino, "it re-opened the name");
        assertEquals(inoOf("/wally"), fixedUser.ino);
        assertEquals("data update: 2", fixedUser.seen.get(fixedUser.seen.size() - 1), "it follows the new creator");
    }

    @Test
    void s5ACreatorKilledHoldingTheMutexBlocksThePlainUserButNotTheRobustOne() throws Exception {
        // As written: a plain process-shared mutex goes DEAD with its holder.
        Kernel creatorProcess = mk.process("shmem_posix_creator");
        Creator creator = new Creator(SharedMemory.of(creatorProcess), "/plain", false);
        creator.setUp();
        User user = new User(shm("shmem_posix_user"), "/plain", false);
        user.attach(10);
        creator.mutex.lock();
        creatorProcess.exit();
        fails(Errno.EINVAL, () -> user.awaitUpdate(WAIT));

        // Fixed: a robust mutex goes to the user with EOWNERDEAD; it repairs the text and goes on.
        Kernel fixedProcess = mk.process("shmem_posix_creator_fixed");
        Creator fixed = new Creator(SharedMemory.of(fixedProcess), "/robust", true);
        fixed.setUp();
        fixed.update();
        User robustUser = new User(shm("shmem_posix_user_fixed"), "/robust", true);
        robustUser.attach(10);
        assertEquals(Errno.EOK, robustUser.awaitUpdate(WAIT));
        fixed.mutex.lock();
        fixed.m.segment().set(JAVA_LONG, Layout.DATA_VERSION, 2);
        fixedProcess.exit();
        assertEquals(Errno.EOWNERDEAD, robustUser.awaitUpdate(WAIT));
        assertEquals("data update: 2", robustUser.seen.get(1), "the half-done update was repaired");
        Creator restarted = new Creator(shm("shmem_posix_creator_fixed"), "/robust", true);
        restarted.setUp();
        assertEquals(1, SharedMemory.list(mk).stream().filter(s -> s.name().equals("/robust")).count());
    }

    private long inoOf(String name) {
        SharedMemory s = shm("stat");
        int fd = s.shmOpen(name, O_RDWR, 0);
        try {
            return s.fstat(fd).ino();
        } finally {
            s.close(fd);
        }
    }
}
