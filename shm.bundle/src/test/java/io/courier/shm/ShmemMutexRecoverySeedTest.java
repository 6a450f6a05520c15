package io.courier.shm;

import static io.courier.shm.SharedMemory.MAP_SHARED;
import static io.courier.shm.SharedMemory.O_CREAT;
import static io.courier.shm.SharedMemory.O_EXCL;
import static io.courier.shm.SharedMemory.O_RDWR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Pulse;
import io.courier.kernel.SigEvent;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The seed's dead-mutex exercise ({@code shmem_mutex_recovery.c}, SPEC S5): a mutex in shared
 * memory, an event asked for when it goes dead, and a child that locks it and exits. The child
 * is a real second JVM (the seed forks), which exits holding the mutex; this JVM learns of the
 * death through the holder's liveness record (its operating-system pid in the owner word).
 */
@Timeout(120)
class ShmemMutexRecoverySeedTest extends ShmTestSupport {
    private static final int CODE_DEAD = 3;

    /** The seed's mutex_lock_with_recovery(): a lock that revives a DEAD mutex. */
    static Errno lockWithRecovery(ShmMutex mutex) {
        try {
            return mutex.lock();
        } catch (KernelException e) {
            if (e.errno() != Errno.EINVAL) {
                throw e;
            }
            try {
                mutex.revive();
                return Errno.EOK;
            } catch (KernelException notDead) {
                // Someone else revived it first: lock as usual.
                return mutex.lock();
            }
        }
    }

    @Test
    void s5TheEventArrivesWhenAChildJvmExitsHoldingTheMutexAndReviveRecoversIt() throws Exception {
        Kernel parent = mk.process("shmem_mutex_recovery");
        SharedMemory shm = SharedMemory.of(parent);
        // A channel to get revive events on.
        int chid = parent.channelCreate(ChannelFlags.PRIVATE);
        int coid = parent.connectAttach(0, parent.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        String name = "/object" + parent.pid();
        int fd = shm.shmOpen(name, O_RDWR | O_CREAT | O_EXCL, 0600);
        shm.ftruncate(fd, 4096);
        Mapping m = shm.mmap(4096, RW, MAP_SHARED, fd, 0);
        shm.close(fd);
        ShmMutex mutex = m.initMutex(0, 0);
        mutex.event(SigEvent.pulse(coid, 10, CODE_DEAD, 0));

        String out = ChildJvm.finish(ChildJvm.start(SharedMemory.directory(mk), "lock-and-exit", name, "0"));
        assertTrue(out.contains("LOCKED EOK"), out);

        Pulse p = parent.msgReceivePulse(chid, Duration.ofSeconds(30));
        assertEquals(CODE_DEAD, p.code(), "the mutex went DEAD");
        SharedMemory other = shm("other");
        ShmMutex viaOther = open(other, name, 4096).mutex(0);
        fails(Errno.EINVAL, viaOther::lock);
        mutex.revive();
        // Recovered: make sure the data it protects is sane, then carry on.
        mutex.unlock();
        assertEquals(Errno.EOK, lockWithRecovery(viaOther));
        viaOther.unlock();
        fails(Errno.EINVAL, mutex::revive);
        assertEquals(Errno.EOK, mutex.tryLock(), "sane: we have the lock");
        mutex.unlock();
        shm.shmUnlink(name);
    }

    @Test
    void s5ARobustMutexLockedByAChildJvmThatExitedGivesEownerdeadToTheParent() throws Exception {
        SharedMemory shm = shm("parent");
        Mapping m = create(shm, "/robust-child", 4096);
        ShmMutex mutex = m.initMutex(64, ShmMutex.ROBUST);

        String out = ChildJvm.finish(ChildJvm.start(SharedMemory.directory(mk), "lock-and-exit", "/robust-child",
                "64"));
        assertTrue(out.contains("LOCKED EOK"), out);

        assertEquals(Errno.EOWNERDEAD, mutex.lock(Duration.ofSeconds(30)));
        mutex.consistent();
        mutex.unlock();
        assertEquals(Errno.EOK, mutex.lock(), "consistent again");
        mutex.unlock();
    }

    @Test
    void s5AParentWaitingOnTheMutexLearnsOfTheChildsDeathWhileItWaits() throws Exception {
        SharedMemory shm = shm("parent");
        Mapping m = create(shm, "/waiting", 4096);
        ShmMutex mutex = m.initMutex(0, ShmMutex.ROBUST);
        Process child = ChildJvm.start(SharedMemory.directory(mk), "lock-and-exit", "/waiting", "0");
        try {
            // Wait for the child to hold it (its pid in the owner word), then block on it while it exits.
            eventually("the child holds the mutex", () -> m.segment().get(java.lang.foreign.ValueLayout.JAVA_LONG,
                    SyncLayout.MUTEX_OWNER) >>> 32 == child.pid());
            assertEquals(Errno.EOWNERDEAD, mutex.lock(Duration.ofSeconds(30)));
            ChildJvm.finish(child);
        } finally {
            child.destroyForcibly();
        }
        mutex.consistent();
        mutex.unlock();
    }
}
