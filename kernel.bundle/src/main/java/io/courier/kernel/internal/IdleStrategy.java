package io.courier.kernel.internal;

import java.util.concurrent.locks.LockSupport;

/**
 * How a blocked kernel call waits: spin briefly (a partner on another core usually answers
 * within a microsecond), then yield, then park. One small type so benchmarks can swap it.
 */
public interface IdleStrategy {
    /** Spin, yield, then park: the default. */
    IdleStrategy BACKOFF = new Backoff(2_000, 20);
    /** Park at once: for systems with many more blocked threads than cores. */
    IdleStrategy PARK = new Backoff(0, 0);

    /**
     * Waits a little; {@code round} counts the calls of one wait, from 0. Returns when it is
     * time to check the condition again; may return early.
     *
     * @param deadline {@link System#nanoTime()} deadline, or {@code Long.MAX_VALUE} for none
     */
    void idle(int round, long deadline);

    /** Spin, then yield, then park. */
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
    }
}
