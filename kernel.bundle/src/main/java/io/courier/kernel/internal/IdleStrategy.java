package io.courier.kernel.internal;

import java.util.concurrent.locks.LockSupport;

/**
 * How a blocked kernel call waits: spin briefly (a partner on another core usually answers
 * within a microsecond), then yield, then park. One small type so benchmarks can swap it.
 *
 * <p>A waiter that reaches {@link #parkRound()} announces itself ({@code KThread.parked}) before
 * it checks its condition again, so that a partner that completes the wait and then finds the
 * announcement wakes it, and a partner that finds none needs not touch it at all.
 */
public interface IdleStrategy {
    /** Spin briefly, yield longer (a virtual thread hands its carrier over), then park: the default. */
    IdleStrategy BACKOFF = new Backoff(200, 500);
    /** Park at once: for systems with many more blocked threads than cores. */
    IdleStrategy PARK = new Backoff(0, 0);

    /**
     * Waits a little; {@code round} counts the calls of one wait, from 0. Returns when it is
     * time to check the condition again; may return early.
     *
     * @param deadline {@link System#nanoTime()} deadline, or {@code Long.MAX_VALUE} for none
     */
    void idle(int round, long deadline);

    /** The first round in which {@link #idle} parks; a waiter announces itself from then on. */
    int parkRound();

    /**
     * Spin, then yield, then park. A park without a deadline is untimed, so a virtual thread
     * costs no timer. The kernel's reaper wakes, a few times a second, any parked thread whose wait is already over,
     * so that a lost wake-up (the JDK has had such bugs for virtual threads) costs a short delay,
     * never a hang. A park with a deadline lasts until the deadline at most.
     */
    record Backoff(int spins, int yields) implements IdleStrategy {
        @Override
        public void idle(int round, long deadline) {
            if (round < spins) {
                Thread.onSpinWait();
            } else if (round < spins + yields) {
                Thread.yield();
            } else if (deadline == Long.MAX_VALUE) {
                LockSupport.park(this);
            } else {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    LockSupport.parkNanos(this, left);
                }
            }
        }

        @Override
        public int parkRound() {
            return spins + yields;
        }
    }
}
