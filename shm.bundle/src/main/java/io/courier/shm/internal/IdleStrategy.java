package io.courier.shm.internal;

import java.util.concurrent.locks.LockSupport;

/**
 * How a shared-memory waiter waits: spins briefly, then yields, then parks for growing times.
 * There is no futex: an unlock, post or signal in this JVM unparks waiters at once through the
 * {@link WaitLot}; one in another JVM is noticed at the end of the current park, so the longest
 * park bounds the cross-JVM wake-up latency. One instance per wait, not shared.
 */
final class IdleStrategy {
    /** Spins before the first yield. */
    static final int SPINS = 64;
    /** Yields before the first park. */
    static final int YIELDS = 8;
    /** The first park. */
    static final long MIN_PARK_NANOS = 2_000;
    /** The longest park: the worst cross-JVM wake-up latency. */
    static final long MAX_PARK_NANOS = 1_000_000;
    /** A deadline that never comes. */
    static final long NO_DEADLINE = Long.MAX_VALUE;

    private int idles;
    private long park = MIN_PARK_NANOS;

    /** Whether the waiter is still spinning or yielding: not worth counting itself as a waiter yet. */
    boolean spinning() {
        return idles < SPINS + YIELDS;
    }

    /** Waits a little, never past {@code deadline} ({@link System#nanoTime()}, or {@link #NO_DEADLINE}). */
    void idle(long deadline) {
        int n = idles++;
        if (n < SPINS) {
            Thread.onSpinWait();
        } else if (n < SPINS + YIELDS) {
            Thread.yield();
        } else {
            long nanos = park;
            if (deadline != NO_DEADLINE) {
                nanos = Math.min(nanos, Math.max(0, deadline - System.nanoTime()));
            }
            LockSupport.parkNanos(this, nanos);
            park = Math.min(park * 2, MAX_PARK_NANOS);
        }
    }

    /** The deadline {@code nanos} from now, or {@link #NO_DEADLINE}. */
    static long deadline(long nanos) {
        long now = System.nanoTime();
        return nanos >= NO_DEADLINE - now ? NO_DEADLINE : now + nanos;
    }

    /** Whether {@code deadline} has passed. */
    static boolean passed(long deadline) {
        return deadline != NO_DEADLINE && System.nanoTime() - deadline >= 0;
    }
}
