package io.courier.shm;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** SPEC S5: a process-shared mutex in a mapping: exclusion across processes, errors, timed and try locks. */
class MutexTest extends ShmTestSupport {
    private static final long COUNTER = 64;

    @Test
    void s5TheMutexExcludesThreadsOfSeveralProcessesEachWithItsOwnMapping() throws Exception {
        SharedMemory creator = shm("creator");
        create(creator, "/counter", 4096).initMutex(0, 0);
        int processes = 4;
        int threadsEach = 2;
        int rounds = 20_000;
        List<Future<Void>> done = new ArrayList<>();
        for (int p = 0; p < processes; p++) {
            SharedMemory s = shm("worker" + p);
            Mapping m = open(s, "/counter", 4096);
            ShmMutex mutex = m.mutex(0);
            for (int t = 0; t < threadsEach; t++) {
                done.add(async(() -> {
                    for (int i = 0; i < rounds; i++) {
                        assertEquals(Errno.EOK, mutex.lock());
                        // A plain read-modify-write: only exclusion keeps it exact.
                        long v = m.segment().get(JAVA_LONG, COUNTER);
                        m.segment().set(JAVA_LONG, COUNTER, v + 1);
                        mutex.unlock();
                    }
                    return null;
                }));
            }
        }
        for (Future<Void> f : done) {
            await(f);
        }
        assertEquals((long) processes * threadsEach * rounds,
                open(creator, "/counter", 4096).segment().get(JAVA_LONG, COUNTER));
    }

    @Test
    void s5RelockingANonRecursiveMutexIsEdeadlkAndTryLockIsEbusy() {
        ShmMutex m = create(shm("a"), "/m", 4096).initMutex(0, 0);
        assertEquals(Errno.EOK, m.lock());
        fails(Errno.EDEADLK, m::lock);
        assertEquals(Errno.EBUSY, m.tryLock());
        m.unlock();
        fails(Errno.EPERM, m::unlock);
    }

    @Test
    void s5ARecursiveMutexCountsLocks() throws Exception {
        SharedMemory a = shm("a");
        ShmMutex m = create(a, "/rec", 4096).initMutex(0, ShmMutex.RECURSIVE);
        ShmMutex other = open(shm("b"), "/rec", 4096).mutex(0);
        m.lock();
        m.lock();
        assertEquals(Errno.EOK, m.tryLock());
        m.unlock();
        m.unlock();
        assertEquals(Errno.EBUSY, await(async(other::tryLock)), "still held once");
        m.unlock();
        assertEquals(Errno.EOK, await(async(other::tryLock)));
    }

    @Test
    void s5UnlockByAThreadThatDoesNotHoldItIsEperm() throws Exception {
        SharedMemory a = shm("a");
        ShmMutex m = create(a, "/perm", 4096).initMutex(0, 0);
        m.lock();
        fails(Errno.EPERM, () -> await(async(() -> {
            m.unlock();
            return null;
        })));
        ShmMutex viaB = open(shm("b"), "/perm", 4096).mutex(0);
        fails(Errno.EPERM, viaB::unlock);
        m.unlock();
    }

    @Test
    void s5ATimedLockGivesUpWithEtimedout() throws Exception {
        ShmMutex m = create(shm("a"), "/timed", 4096).initMutex(0, 0);
        ShmMutex viaB = open(shm("b"), "/timed", 4096).mutex(0);
        m.lock();
        long t0 = System.nanoTime();
        fails(Errno.ETIMEDOUT, () -> await(async(() -> viaB.lock(Duration.ofMillis(50)))));
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(50));
        m.unlock();
        assertEquals(Errno.EOK, await(async(() -> viaB.lock(Duration.ofMillis(50)))));
        fails(Errno.EINVAL, () -> m.lock(null));
    }

    @Test
    void s5AWaiterIsWokenByTheUnlockOfAnotherProcess() throws Exception {
        ShmMutex m = create(shm("a"), "/wake", 4096).initMutex(0, 0);
        ShmMutex viaB = open(shm("b"), "/wake", 4096).mutex(0);
        m.lock();
        CountDownLatch trying = new CountDownLatch(1);
        Future<Errno> waiter = async(() -> {
            trying.countDown();
            Errno r = viaB.lock();
            viaB.unlock();
            return r;
        });
        assertTrue(trying.await(10, TimeUnit.SECONDS));
        Thread.sleep(20);
        m.unlock();
        assertEquals(Errno.EOK, await(waiter));
    }

    @Test
    void s5AnInterruptedWaiterLeavesWithEintr() throws Exception {
        ShmMutex m = create(shm("a"), "/intr", 4096).initMutex(0, 0);
        m.lock();
        Thread[] waiter = new Thread[1];
        Future<Errno> f = async(() -> {
            waiter[0] = Thread.currentThread();
            return m.mapping().mutex(0).lock();
        });
        eventually("the waiter runs", () -> waiter[0] != null);
        Thread.sleep(20);
        waiter[0].interrupt();
        fails(Errno.EINTR, () -> await(f));
    }

    @Test
    void s5AttachingNeedsAnInitialisedMutexOfThisLayoutVersionAtAnAlignedOffset() {
        Mapping m = create(shm("a"), "/attach", 4096);
        fails(Errno.EINVAL, () -> m.mutex(0));
        fails(Errno.EINVAL, () -> m.initMutex(4, 0));
        fails(Errno.EINVAL, () -> m.initMutex(4096 - 16, 0));
        fails(Errno.EINVAL, () -> m.initMutex(-8, 0));
        fails(Errno.EINVAL, () -> m.initMutex(0, 0x80));
        m.segment().set(java.lang.foreign.ValueLayout.JAVA_INT, 0, SyncLayout.MUTEX_MAGIC + 1);
        fails(Errno.EINVAL, () -> m.mutex(0));
        m.initMutex(0, ShmMutex.ROBUST);
        m.mutex(0).lock();
        fails(Errno.EBUSY, () -> m.initMutex(0, 0));
    }

    @Test
    void s5TheMutexWordsFollowTheLayout() {
        Mapping m = create(shm("a"), "/layout", 4096);
        ShmMutex mutex = m.initMutex(8, ShmMutex.ROBUST);
        assertEquals(SyncLayout.MUTEX_MAGIC, m.segment().get(java.lang.foreign.ValueLayout.JAVA_INT, 8));
        assertEquals(ShmMutex.ROBUST, m.segment().get(java.lang.foreign.ValueLayout.JAVA_INT, 8 + SyncLayout.FLAGS));
        mutex.lock();
        long owner = m.segment().get(JAVA_LONG, 8 + SyncLayout.MUTEX_OWNER);
        assertEquals(ProcessHandle.current().pid(), owner >>> 32, "the holder's JVM pid is the liveness record");
        mutex.unlock();
        assertEquals(SyncLayout.OWNER_FREE, m.segment().get(JAVA_LONG, 8 + SyncLayout.MUTEX_OWNER));
    }

    @Test
    void s5UsingAMutexOfAnUnmappedMappingIsEfault() {
        SharedMemory a = shm("a");
        Mapping m = create(a, "/efault", 4096);
        ShmMutex mutex = m.initMutex(0, 0);
        a.munmap(m);
        fails(Errno.EFAULT, mutex::lock);
        fails(Errno.EFAULT, () -> m.mutex(0));
    }
}
