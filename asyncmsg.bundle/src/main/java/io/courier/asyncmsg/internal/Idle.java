package io.courier.asyncmsg.internal;

import java.util.concurrent.locks.LockSupport;

/**
 * How the library's waits idle (STYLE 9): spin briefly (the other side usually answers within
 * a microsecond), then yield, then park. One small type so that benchmarks can swap it.
 *
 * @param spins rounds of {@link Thread#onSpinWait()}
 * @param yields rounds of {@link Thread#yield()} after the spins
 * @param maxParkNanos the longest single park once spinning and yielding are over
 */
record Idle(int spins, int yields, long maxParkNanos) {
    /** For threads that wait for another thread's next move: receivers, flushers, the put lock. */
    static final Idle WAIT = new Idle(1_000, 50, 1_000_000);
    /** For the library's own threads, which should give the CPU back quickly; a park is bounded so that a lost wake-up costs a delay, never a hang. */
    static final Idle AGENT = new Idle(200, 20, 100_000_000L);

    /** Spins or yields for round {@code round}; true when the rounds are used up and it is time to park. */
    boolean idle(int round) {
        if (round < spins) {
            Thread.onSpinWait();
            return false;
        }
        if (round < spins + yields) {
            Thread.yield();
            return false;
        }
        return true;
    }

    /** Parks at most until {@code deadline} ({@link System#nanoTime()}; {@code Long.MAX_VALUE} for none). */
    void park(Object blocker, long deadline) {
        long left = deadline == Long.MAX_VALUE ? maxParkNanos : Math.min(maxParkNanos, deadline - System.nanoTime());
        if (left == Long.MAX_VALUE) {
            LockSupport.park(blocker);
        } else if (left > 0) {
            LockSupport.parkNanos(blocker, left);
        }
    }
}
