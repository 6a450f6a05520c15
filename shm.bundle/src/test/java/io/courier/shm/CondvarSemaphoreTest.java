package io.courier.shm;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** SPEC S5: process-shared condition variables and semaphores, and the atomic_* helpers. */
class CondvarSemaphoreTest extends ShmTestSupport {
    private static final long MUTEX = 0;
    private static final long COND = 32;
    private static final long SEM = 48;
    private static final long DATA = 128;

    @Test
    void s5ABroadcastWakesWaitersInOtherProcesses() throws Exception {
        Mapping m = create(shm("producer"), "/cv", 4096);
        ShmMutex mutex = m.initMutex(MUTEX, 0);
        ShmCondvar cv = m.initCondvar(COND);
        List<Future<Long>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Mapping w = open(shm("consumer" + i), "/cv", 4096);
            ShmMutex wm = w.mutex(MUTEX);
            ShmCondvar wc = w.condvar(COND);
            waiters.add(async(() -> {
                wm.lock();
                try {
                    while (w.segment().get(JAVA_LONG, DATA) == 0) {
                        assertEquals(Errno.EOK, wc.await(wm));
                    }
                    return w.segment().get(JAVA_LONG, DATA);
                } finally {
                    wm.unlock();
                }
            }));
        }
        Thread.sleep(30);
        mutex.lock();
        m.segment().set(JAVA_LONG, DATA, 42);
        mutex.unlock();
        cv.broadcast();
        for (Future<Long> f : waiters) {
            assertEquals(42L, await(f));
        }
    }

    @Test
    void s5ATimedWaitReturnsEtimedoutWithTheMutexHeldAgain() {
        Mapping m = create(shm("a"), "/cvt", 4096);
        ShmMutex mutex = m.initMutex(MUTEX, 0);
        ShmCondvar cv = m.initCondvar(COND);
        mutex.lock();
        assertEquals(Errno.ETIMEDOUT, cv.await(mutex, Duration.ofMillis(30)));
        fails(Errno.EDEADLK, mutex::lock);
        mutex.unlock();
        fails(Errno.EPERM, () -> cv.await(mutex));
    }

    @Test
    void s5ASignalBetweenUnlockAndWaitIsNotLost() throws Exception {
        Mapping m = create(shm("a"), "/ping", 4096);
        ShmMutex mutex = m.initMutex(MUTEX, 0);
        ShmCondvar cv = m.initCondvar(COND);
        Mapping b = open(shm("b"), "/ping", 4096);
        ShmMutex bm = b.mutex(MUTEX);
        ShmCondvar bc = b.condvar(COND);
        int rounds = 2_000;
        Future<Void> pong = async(() -> {
            for (int i = 1; i <= rounds; i++) {
                bm.lock();
                while (b.segment().get(JAVA_LONG, DATA) != 2L * i - 1) {
                    bc.await(bm);
                }
                b.segment().set(JAVA_LONG, DATA, 2L * i);
                bc.signal();
                bm.unlock();
            }
            return null;
        });
        for (int i = 1; i <= rounds; i++) {
            mutex.lock();
            m.segment().set(JAVA_LONG, DATA, 2L * i - 1);
            cv.signal();
            while (m.segment().get(JAVA_LONG, DATA) != 2L * i) {
                cv.await(mutex);
            }
            mutex.unlock();
        }
        await(pong);
    }

    @Test
    void s5AWaitReturnsEownerdeadWhenTheMutexHolderDiedMeanwhile() throws Exception {
        Mapping m = create(shm("a"), "/cvdead", 4096);
        ShmMutex mutex = m.initMutex(MUTEX, ShmMutex.ROBUST);
        ShmCondvar cv = m.initCondvar(COND);
        Kernel holder = mk.process("holder");
        Mapping hm = open(SharedMemory.of(holder), "/cvdead", 4096);
        Future<Errno> wait = async(() -> {
            mutex.lock();
            return cv.await(mutex, Duration.ofSeconds(5));
        });
        eventually("the waiter waits", () -> m.segment().get(java.lang.foreign.ValueLayout.JAVA_INT,
                COND + SyncLayout.CONDVAR_WAITERS) == 1);
        ShmMutex viaHolder = hm.mutex(MUTEX);
        await(async(() -> viaHolder.lock()));
        hm.condvar(COND).broadcast();
        holder.exit();
        assertEquals(Errno.EOWNERDEAD, await(wait));
    }

    @Test
    void s5SemaphoresCountAcrossProcesses() throws Exception {
        Mapping m = create(shm("poster"), "/sem", 4096);
        ShmSemaphore sem = m.initSemaphore(SEM, 1);
        ShmSemaphore other = open(shm("waiter"), "/sem", 4096).semaphore(SEM);
        assertTrue(other.tryAwait());
        assertFalse(other.tryAwait(), "QNX's EAGAIN");
        Future<Void> waiting = async(() -> {
            other.await();
            return null;
        });
        Thread.sleep(20);
        sem.post();
        await(waiting);
        assertEquals(0, sem.value());
        fails(Errno.ETIMEDOUT, () -> other.await(Duration.ofMillis(20)));
        sem.post();
        sem.post();
        assertEquals(2, other.value());
    }

    @Test
    void s5SemaphoreLimitsAndAttachChecks() {
        Mapping m = create(shm("a"), "/semx", 4096);
        fails(Errno.EINVAL, () -> m.initSemaphore(SEM, -1));
        fails(Errno.EINVAL, () -> m.semaphore(SEM));
        fails(Errno.EINVAL, () -> m.condvar(COND));
        ShmSemaphore full = m.initSemaphore(SEM, SyncLayout.SEM_VALUE_MAX);
        fails(Errno.EOVERFLOW, full::post);
    }

    @Test
    void s5SemaphoreHandOffBetweenProcessesManyTimes() throws Exception {
        Mapping m = create(shm("a"), "/handoff", 4096);
        ShmSemaphore ping = m.initSemaphore(0, 0);
        ShmSemaphore pong = m.initSemaphore(16, 0);
        Mapping b = open(shm("b"), "/handoff", 4096);
        int rounds = 5_000;
        Future<Void> other = async(() -> {
            ShmSemaphore bping = b.semaphore(0);
            ShmSemaphore bpong = b.semaphore(16);
            for (int i = 0; i < rounds; i++) {
                bping.await();
                bpong.post();
            }
            return null;
        });
        for (int i = 0; i < rounds; i++) {
            ping.post();
            pong.await(WAIT);
        }
        await(other);
    }

    @Test
    void s5AtomicsFollowQnxsAtomicFunctions() {
        Mapping m = create(shm("a"), "/atomics", 4096);
        var seg = m.segment();
        ShmAtomics.atomicAdd(seg, 0, 5);
        assertEquals(5, ShmAtomics.atomicAddValue(seg, 0, 2));
        assertEquals(7, ShmAtomics.atomicSubValue(seg, 0, 3));
        ShmAtomics.atomicSub(seg, 0, 4);
        assertEquals(0, ShmAtomics.getAcquire(seg, 0));
        assertEquals(0, ShmAtomics.atomicSetValue(seg, 4, 0b1010));
        ShmAtomics.atomicSet(seg, 4, 0b0001);
        assertEquals(0b1011, ShmAtomics.atomicClrValue(seg, 4, 0b0010));
        ShmAtomics.atomicClr(seg, 4, 0b1000);
        assertEquals(0b0001, ShmAtomics.atomicToggleValue(seg, 4, 0b0011));
        ShmAtomics.atomicToggle(seg, 4, 0b0010);
        assertEquals(0, ShmAtomics.getAcquire(seg, 4));
        ShmAtomics.setRelease(seg, 8, 3);
        assertTrue(ShmAtomics.compareAndSet(seg, 8, 3, 4));
        assertFalse(ShmAtomics.compareAndSet(seg, 8, 3, 5));
        ShmAtomics.setLongRelease(seg, 16, 1L << 40);
        assertEquals(1L << 40, ShmAtomics.getAndAddLong(seg, 16, 1));
        assertTrue(ShmAtomics.compareAndSetLong(seg, 16, (1L << 40) + 1, 9));
        assertEquals(9, ShmAtomics.getLongAcquire(seg, 16));
        fails(Errno.EINVAL, () -> ShmAtomics.atomicAdd(seg, 2, 1));
        fails(Errno.EFAULT, () -> ShmAtomics.atomicAdd(seg, 4096, 1));
        fails(Errno.EFAULT, () -> ShmAtomics.atomicAdd(seg, -4, 1));
        fails(Errno.EINVAL, () -> ShmAtomics.atomicAdd(java.lang.foreign.MemorySegment.ofArray(new byte[8]), 0, 1));
    }

    @Test
    void s5AtomicIncrementsFromSeveralProcessesAddUp() throws Exception {
        create(shm("a"), "/atomic-count", 4096);
        List<Future<Void>> done = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            Mapping w = open(shm("w" + p), "/atomic-count", 4096);
            done.add(async(() -> {
                for (int i = 0; i < 50_000; i++) {
                    ShmAtomics.atomicAdd(w.segment(), 0, 1);
                }
                return null;
            }));
        }
        for (Future<Void> f : done) {
            await(f);
        }
        assertEquals(200_000, ShmAtomics.getAcquire(open(shm("r"), "/atomic-count", 4096).segment(), 0));
    }
}
