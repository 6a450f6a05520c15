package io.courier.shm.internal;

import static io.courier.shm.SyncLayout.CONDVAR_MAGIC;
import static io.courier.shm.SyncLayout.CONDVAR_SEQ;
import static io.courier.shm.SyncLayout.CONDVAR_SIZE;
import static io.courier.shm.SyncLayout.CONDVAR_WAITERS;
import static io.courier.shm.SyncLayout.FLAGS;
import static io.courier.shm.SyncLayout.MAGIC;

import io.courier.kernel.Errno;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.KernelException;
import io.courier.shm.ShmCondvar;
import io.courier.shm.ShmMutex;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;

/**
 * A condition variable in shared memory: a sequence word that every signal moves. A waiter reads
 * it while holding the mutex, unlocks, and waits for it to move; a signal made after the
 * waiter's read (which the mutex orders after any change of the condition) is never lost.
 * Signals wake every waiter (POSIX allows spurious wake-ups). Layout:
 * {@link io.courier.shm.SyncLayout}.
 */
final class CondvarImpl implements ShmCondvar {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment seg;
    private final long seq;
    private final long waiters;
    private final WaitLot.Key key;

    private CondvarImpl(MappingImpl mapping, long at) {
        this.seg = mapping.segment();
        this.seq = at + CONDVAR_SEQ;
        this.waiters = at + CONDVAR_WAITERS;
        this.key = mapping.key(at);
    }

    static CondvarImpl init(MappingImpl mapping, long at) {
        mapping.checkSync(at, CONDVAR_SIZE);
        MemorySegment seg = mapping.segment();
        try {
            INT.set(seg, at + FLAGS, 0);
            INT.set(seg, at + CONDVAR_SEQ, 0);
            INT.set(seg, at + CONDVAR_WAITERS, 0);
            INT.setRelease(seg, at + MAGIC, CONDVAR_MAGIC);
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
        return new CondvarImpl(mapping, at);
    }

    static CondvarImpl attach(MappingImpl mapping, long at) {
        mapping.checkSync(at, CONDVAR_SIZE);
        try {
            int magic = (int) INT.getAcquire(mapping.segment(), at + MAGIC);
            if (magic != CONDVAR_MAGIC) {
                throw new KernelException(Errno.EINVAL, "no condition variable (layout version 1) at " + at);
            }
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
        return new CondvarImpl(mapping, at);
    }

    @Override
    public Errno await(ShmMutex mutex) {
        return await(mutex, IdleStrategy.NO_DEADLINE);
    }

    @Override
    public Errno await(ShmMutex mutex, Duration timeout) {
        return await(mutex, IdleStrategy.deadlineIn(MutexImpl.timeoutNanos(timeout)));
    }

    private Errno await(ShmMutex mutex, long deadline) {
        if (!(mutex instanceof MutexImpl m) || !m.heldByCaller()) {
            throw new KernelException(Errno.EPERM, "the caller must hold the mutex");
        }
        boolean timedOut = false;
        boolean interrupted = false;
        try {
            int seen = (int) INT.getVolatile(seg, seq);
            INT.getAndAdd(seg, waiters, 1);
            WaitLot.enter(key);
            try {
                m.unlock();
                int round = 0;
                while ((int) INT.getVolatile(seg, seq) == seen) {
                    if (IdleStrategy.passed(deadline)) {
                        timedOut = true;
                        break;
                    }
                    if (Thread.interrupted()) {
                        interrupted = true;
                        break;
                    }
                    WaitLot.IDLE.idle(round++, deadline);
                }
            } finally {
                WaitLot.leave(key);
                INT.getAndAdd(seg, waiters, -1);
            }
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
        Errno relocked = m.lock();
        if (interrupted) {
            throw new KernelException(Errno.EINTR, "interrupted while waiting (the mutex is held again)");
        }
        return relocked == Errno.EOK && timedOut ? Errno.ETIMEDOUT : relocked;
    }

    @Override
    public void signal() {
        broadcast();
    }

    @Override
    public void broadcast() {
        try {
            INT.getAndAdd(seg, seq, 1);
            if ((int) INT.getVolatile(seg, waiters) != 0) {
                WaitLot.wakeAll(key);
            }
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }
}
