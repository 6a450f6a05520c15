package io.courier.shm.internal;

import static io.courier.shm.SyncLayout.FLAGS;
import static io.courier.shm.SyncLayout.MAGIC;
import static io.courier.shm.SyncLayout.MUTEX_COUNT;
import static io.courier.shm.SyncLayout.MUTEX_MAGIC;
import static io.courier.shm.SyncLayout.MUTEX_OWNER;
import static io.courier.shm.SyncLayout.MUTEX_SIZE;
import static io.courier.shm.SyncLayout.MUTEX_STATE;
import static io.courier.shm.SyncLayout.MUTEX_WAITERS;
import static io.courier.shm.SyncLayout.OWNER_DEAD;
import static io.courier.shm.SyncLayout.OWNER_FREE;
import static io.courier.shm.SyncLayout.OWNER_NOTRECOVERABLE;
import static io.courier.shm.SyncLayout.STATE_CONSISTENT;
import static io.courier.shm.SyncLayout.STATE_INCONSISTENT;

import io.courier.kernel.Errno;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.KernelException;
import io.courier.kernel.SigEvent;
import io.courier.shm.Mapping;
import io.courier.shm.ShmMutex;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;

/**
 * A mutex in shared memory: an owner word taken with compare-and-set, waiting through the
 * {@link WaitLot#IDLE}, and owner-death detection through {@link Owners}. Layout:
 * {@link io.courier.shm.SyncLayout}.
 */
final class MutexImpl implements ShmMutex {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    /** How often a waiter asks whether the holder still lives. */
    private static final long LIVENESS_CHECK_NANOS = 1_000_000;
    private static final int KNOWN_FLAGS = ROBUST | RECURSIVE;

    final MappingImpl mapping;
    private final MemorySegment seg;
    private final long at;
    private final long owner;
    final WaitLot.Key key;
    final boolean robust;
    private final boolean recursive;
    /** The last thread that used this mutex and its owner id: saves the thread-local lookup. */
    private Caller last;

    /** A thread and its owner id for this mutex's process; immutable, so a racy read is safe. */
    private record Caller(Thread thread, long id) {
    }

    private MutexImpl(MappingImpl mapping, long at, int flags) {
        this.mapping = mapping;
        this.seg = mapping.segment();
        this.at = at;
        this.owner = at + MUTEX_OWNER;
        this.key = mapping.key(at);
        this.robust = (flags & ROBUST) != 0;
        this.recursive = (flags & RECURSIVE) != 0;
    }

    static MutexImpl init(MappingImpl mapping, long at, int flags) {
        mapping.checkSync(at, MUTEX_SIZE);
        if ((flags & ~KNOWN_FLAGS) != 0) {
            throw new KernelException(Errno.EINVAL, "unknown mutex flags 0x" + Integer.toHexString(flags));
        }
        MemorySegment seg = mapping.segment();
        try {
            if ((int) INT.getAcquire(seg, at + MAGIC) == MUTEX_MAGIC) {
                long holder = (long) LONG.getVolatile(seg, at + MUTEX_OWNER);
                if (Owners.isHolder(holder) && !Owners.isDead(holder, true)) {
                    throw new KernelException(Errno.EBUSY, "the mutex is held");
                }
            }
            INT.set(seg, at + FLAGS, flags);
            LONG.set(seg, at + MUTEX_OWNER, OWNER_FREE);
            INT.set(seg, at + MUTEX_STATE, STATE_CONSISTENT);
            INT.set(seg, at + MUTEX_COUNT, 0);
            INT.set(seg, at + MUTEX_WAITERS, 0);
            // Release: whoever sees the magic sees the fields above.
            INT.setRelease(seg, at + MAGIC, MUTEX_MAGIC);
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
        return new MutexImpl(mapping, at, flags);
    }

    static MutexImpl attach(MappingImpl mapping, long at) {
        mapping.checkSync(at, MUTEX_SIZE);
        MemorySegment seg = mapping.segment();
        try {
            int magic = (int) INT.getAcquire(seg, at + MAGIC);
            if (magic != MUTEX_MAGIC) {
                throw new KernelException(Errno.EINVAL, "no mutex (layout version 1) at " + at + ": magic 0x"
                        + Integer.toHexString(magic));
            }
            return new MutexImpl(mapping, at, (int) INT.get(seg, at + FLAGS));
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }

    @Override
    public Errno lock() {
        return acquire(IdleStrategy.NO_DEADLINE, true);
    }

    @Override
    public Errno lock(Duration timeout) {
        return acquire(IdleStrategy.deadlineIn(timeoutNanos(timeout)), true);
    }

    @Override
    public Errno tryLock() {
        return acquire(IdleStrategy.NO_DEADLINE, false);
    }

    private Errno acquire(long deadline, boolean wait) {
        try {
            long me = me();
            long cur = (long) LONG.compareAndExchange(seg, owner, OWNER_FREE, me);
            if (cur == OWNER_FREE) {
                if (recursive) {
                    INT.set(seg, at + MUTEX_COUNT, 1);
                }
                return Errno.EOK;
            }
            return contended(cur, me, deadline, wait);
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }

    private Errno contended(long seen, long me, long deadline, boolean wait) {
        long cur = seen;
        if (cur == me) {
            if (recursive) {
                int count = (int) INT.get(seg, at + MUTEX_COUNT);
                if (count == Integer.MAX_VALUE) {
                    throw new KernelException(Errno.EAGAIN, "recursion count overflow");
                }
                INT.set(seg, at + MUTEX_COUNT, count + 1);
                return Errno.EOK;
            }
            if (!wait) {
                return Errno.EBUSY;
            }
            throw new KernelException(Errno.EDEADLK, "the calling thread holds this mutex");
        }
        int round = 0;
        long nextCheck = wait ? System.nanoTime() + LIVENESS_CHECK_NANOS / 16 : System.nanoTime();
        boolean counted = false;
        try {
            for (;;) {
                if (cur == OWNER_FREE) {
                    cur = (long) LONG.compareAndExchange(seg, owner, OWNER_FREE, me);
                    if (cur == OWNER_FREE) {
                        if (recursive) {
                            INT.set(seg, at + MUTEX_COUNT, 1);
                        }
                        return Errno.EOK;
                    }
                    continue;
                }
                if (cur == OWNER_NOTRECOVERABLE) {
                    throw new KernelException(Errno.ENOTRECOVERABLE, "the mutex was unlocked without being made"
                            + " consistent after its holder died");
                }
                if (cur == OWNER_DEAD) {
                    throw new KernelException(Errno.EINVAL, "the mutex is DEAD: its holder died; revive() it");
                }
                if (System.nanoTime() - nextCheck >= 0) {
                    nextCheck = System.nanoTime() + LIVENESS_CHECK_NANOS;
                    if (Owners.isDead(cur, robust)) {
                        if (takeOver(cur, me)) {
                            return Errno.EOWNERDEAD;
                        }
                        cur = (long) LONG.getVolatile(seg, owner);
                        continue;
                    }
                }
                if (!wait) {
                    return Errno.EBUSY;
                }
                if (IdleStrategy.passed(deadline)) {
                    throw new KernelException(Errno.ETIMEDOUT, "the mutex stayed locked");
                }
                if (Thread.interrupted()) {
                    throw new KernelException(Errno.EINTR, "interrupted while waiting for the mutex");
                }
                if (!counted && round >= WaitLot.IDLE.parkRound()) {
                    // Count ourselves, then look again: an unlock after this sees us and wakes us.
                    INT.getAndAdd(seg, at + MUTEX_WAITERS, 1);
                    WaitLot.enter(key);
                    counted = true;
                } else {
                    WaitLot.IDLE.idle(round++, deadline);
                }
                cur = (long) LONG.getVolatile(seg, owner);
            }
        } finally {
            if (counted) {
                WaitLot.leave(key);
                INT.getAndAdd(seg, at + MUTEX_WAITERS, -1);
            }
        }
    }

    /**
     * The holder {@code dead} is dead: a robust mutex passes to the caller (true: EOWNERDEAD); any
     * other goes DEAD (EINVAL). False when another thread got there first.
     */
    private boolean takeOver(long dead, long me) {
        if (robust) {
            if (!LONG.compareAndSet(seg, owner, dead, me)) {
                return false;
            }
            INT.set(seg, at + MUTEX_STATE, STATE_INCONSISTENT);
            INT.set(seg, at + MUTEX_COUNT, 1);
            DeadMutexWatch.wentDead(this, dead);
            return true;
        }
        if (LONG.compareAndSet(seg, owner, dead, OWNER_DEAD)) {
            DeadMutexWatch.wentDead(this, dead);
            WaitLot.wakeAll(key);
        }
        throw new KernelException(Errno.EINVAL, "the mutex is DEAD: its holder died; revive() it");
    }

    /** Marks a non-robust mutex held by {@code dead} DEAD; returns whether this call did. */
    boolean markDead(long dead) {
        if (robust) {
            return false;
        }
        boolean marked = LONG.compareAndSet(seg, owner, dead, OWNER_DEAD);
        if (marked) {
            WaitLot.wakeAll(key);
        }
        return marked;
    }

    /** The owner word (for the dead-mutex watch). */
    long ownerWord() {
        return (long) LONG.getVolatile(seg, owner);
    }

    @Override
    public void unlock() {
        try {
            long me = me();
            // Plain read: only this thread can have written its own id, and it sees its own writes.
            if ((long) LONG.get(seg, owner) != me) {
                throw new KernelException(Errno.EPERM, "the calling thread does not hold this mutex");
            }
            if (recursive) {
                int count = (int) INT.get(seg, at + MUTEX_COUNT);
                if (count > 1) {
                    INT.set(seg, at + MUTEX_COUNT, count - 1);
                    return;
                }
            }
            long next = OWNER_FREE;
            if (robust && (int) INT.get(seg, at + MUTEX_STATE) == STATE_INCONSISTENT) {
                INT.set(seg, at + MUTEX_STATE, STATE_CONSISTENT);
                next = OWNER_NOTRECOVERABLE;
            }
            // Volatile, not release: the store must be ordered before the waiters load below
            // (a locker counts itself, then re-reads the owner).
            LONG.setVolatile(seg, owner, next);
            if ((int) INT.getVolatile(seg, at + MUTEX_WAITERS) != 0) {
                WaitLot.wakeAll(key);
            }
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }

    /** The calling thread's owner id. */
    private long me() {
        Thread t = Thread.currentThread();
        Caller c = last;
        if (c != null && c.thread == t) {
            return c.id;
        }
        long id = mapping.process.owner().id();
        last = new Caller(t, id);
        return id;
    }

    /** Whether the calling thread holds the mutex. */
    boolean heldByCaller() {
        try {
            return (long) LONG.getVolatile(seg, owner) == me();
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }

    @Override
    public void consistent() {
        try {
            if (!robust) {
                throw new KernelException(Errno.EINVAL, "the mutex is not robust");
            }
            if (!heldByCaller() || (int) INT.get(seg, at + MUTEX_STATE) != STATE_INCONSISTENT) {
                throw new KernelException(Errno.EINVAL, "the caller does not hold an inconsistent mutex");
            }
            INT.set(seg, at + MUTEX_STATE, STATE_CONSISTENT);
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }

    @Override
    public void revive() {
        try {
            long me = me();
            for (;;) {
                long cur = (long) LONG.getVolatile(seg, owner);
                boolean dead = cur == OWNER_DEAD;
                if (!dead && !(cur != me && Owners.isDead(cur, robust))) {
                    throw new KernelException(Errno.EINVAL, "the mutex is not dead");
                }
                if (LONG.compareAndSet(seg, owner, cur, me)) {
                    INT.set(seg, at + MUTEX_STATE, STATE_CONSISTENT);
                    INT.set(seg, at + MUTEX_COUNT, 1);
                    if (!dead) {
                        DeadMutexWatch.wentDead(this, cur);
                    }
                    return;
                }
            }
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }

    @Override
    public void event(SigEvent event) {
        if (event == null) {
            DeadMutexWatch.withdraw(this);
            return;
        }
        // The kernel checks the event now, so that a bad one fails here and not at the death.
        mapping.process.kernel.msgVerifyEvent(0, event);
        DeadMutexWatch.register(this, event);
    }

    @Override
    public Mapping mapping() {
        return mapping;
    }

    @Override
    public long offset() {
        return at;
    }

    /** A timeout in nanoseconds, saturated; EINVAL for none. */
    static long timeoutNanos(Duration d) {
        if (d == null) {
            throw new KernelException(Errno.EINVAL, "no timeout");
        }
        try {
            return Math.max(0, d.toNanos());
        } catch (ArithmeticException e) {
            return d.isNegative() ? 0 : Long.MAX_VALUE;
        }
    }

    @Override
    public String toString() {
        return "ShmMutex[" + mapping + " @" + at + (robust ? ", robust" : "") + (recursive ? ", recursive" : "")
                + "]";
    }
}
