package io.courier.shm.internal;

import static io.courier.shm.SyncLayout.FLAGS;
import static io.courier.shm.SyncLayout.MAGIC;
import static io.courier.shm.SyncLayout.SEMAPHORE_COUNT;
import static io.courier.shm.SyncLayout.SEMAPHORE_MAGIC;
import static io.courier.shm.SyncLayout.SEMAPHORE_SIZE;
import static io.courier.shm.SyncLayout.SEMAPHORE_WAITERS;
import static io.courier.shm.SyncLayout.SEM_VALUE_MAX;

import io.courier.kernel.Errno;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.KernelException;
import io.courier.shm.ShmSemaphore;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;

/** A counting semaphore in shared memory: a count moved with compare-and-set. Layout: {@link io.courier.shm.SyncLayout}. */
final class SemaphoreImpl implements ShmSemaphore {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment seg;
    private final long count;
    private final long waiters;
    private final WaitLot.Key key;

    private SemaphoreImpl(MappingImpl mapping, long at) {
        this.seg = mapping.segment();
        this.count = at + SEMAPHORE_COUNT;
        this.waiters = at + SEMAPHORE_WAITERS;
        this.key = mapping.key(at);
    }

    static SemaphoreImpl init(MappingImpl mapping, long at, int value) {
        mapping.checkSync(at, SEMAPHORE_SIZE);
        if (value < 0) {
            throw new KernelException(Errno.EINVAL, "negative semaphore value " + value);
        }
        MemorySegment seg = mapping.segment();
        try {
            INT.set(seg, at + FLAGS, 0);
            INT.set(seg, at + SEMAPHORE_COUNT, value);
            INT.set(seg, at + SEMAPHORE_WAITERS, 0);
            INT.setRelease(seg, at + MAGIC, SEMAPHORE_MAGIC);
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
        return new SemaphoreImpl(mapping, at);
    }

    static SemaphoreImpl attach(MappingImpl mapping, long at) {
        mapping.checkSync(at, SEMAPHORE_SIZE);
        try {
            if ((int) INT.getAcquire(mapping.segment(), at + MAGIC) != SEMAPHORE_MAGIC) {
                throw new KernelException(Errno.EINVAL, "no semaphore (layout version 1) at " + at);
            }
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
        return new SemaphoreImpl(mapping, at);
    }

    @Override
    public void await() {
        await(IdleStrategy.NO_DEADLINE);
    }

    @Override
    public void await(Duration timeout) {
        await(IdleStrategy.deadlineIn(MutexImpl.timeoutNanos(timeout)));
    }

    private void await(long deadline) {
        try {
            if (tryDecrement()) {
                return;
            }
            int round = 0;
            boolean counted = false;
            try {
                while (!tryDecrement()) {
                    if (IdleStrategy.passed(deadline)) {
                        throw new KernelException(Errno.ETIMEDOUT, "the semaphore stayed at zero");
                    }
                    if (Thread.interrupted()) {
                        throw new KernelException(Errno.EINTR, "interrupted while waiting on the semaphore");
                    }
                    if (!counted && round >= WaitLot.IDLE.parkRound()) {
                        // Count ourselves, then look again: a post after this sees us and wakes us.
                        INT.getAndAdd(seg, waiters, 1);
                        WaitLot.enter(key);
                        counted = true;
                    } else {
                        WaitLot.IDLE.idle(round++, deadline);
                    }
                }
            } finally {
                if (counted) {
                    WaitLot.leave(key);
                    INT.getAndAdd(seg, waiters, -1);
                }
            }
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }

    @Override
    public boolean tryAwait() {
        try {
            return tryDecrement();
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }

    private boolean tryDecrement() {
        for (;;) {
            int c = (int) INT.getVolatile(seg, count);
            if (c <= 0) {
                return false;
            }
            if (INT.compareAndSet(seg, count, c, c - 1)) {
                return true;
            }
        }
    }

    @Override
    public void post() {
        try {
            for (;;) {
                int c = (int) INT.getVolatile(seg, count);
                if (c == SEM_VALUE_MAX) {
                    throw new KernelException(Errno.EOVERFLOW, "the semaphore is at SEM_VALUE_MAX");
                }
                if (INT.compareAndSet(seg, count, c, c + 1)) {
                    break;
                }
            }
            if ((int) INT.getVolatile(seg, waiters) != 0) {
                WaitLot.wakeAll(key);
            }
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }

    @Override
    public int value() {
        try {
            return (int) INT.getVolatile(seg, count);
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }
}
