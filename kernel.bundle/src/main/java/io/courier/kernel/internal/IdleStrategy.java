package io.courier.kernel.internal;

import java.util.concurrent.locks.LockSupport;

/**
 * How a blocked kernel call waits: spin briefly (a partner on another core usually answers
 * within a microsecond), then yield, then park. One small type so benchmarks can swap it.
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

    /**
     * Spin, then yield, then park. A park is never unbounded: it lasts at most 1 ms at first,
     * doubling with each park of the same wait up to {@link #MAX_PARK_NANOS}, and the caller
     * checks its condition again. A wake-up that is lost (the JDK has had such bugs for virtual
     * threads, one seen here on 25.0.3) then costs a short delay instead of a hang, and a
     * thread blocked for long wakes a few times a second at most.
     */
    record Backoff(int spins, int yields) implements IdleStrategy {
        /** The longest single park. */
        static final long MAX_PARK_NANOS = 256_000_000L;
        private static final long FIRST_PARK_NANOS = 1_000_000L;

        @Override
        public void idle(int round, long deadline) {
            if (round < spins) {
                Thread.onSpinWait();
            } else if (round < spins + yields) {
                Thread.yield();
            } else {
                int parks = round - spins - yields;
                long bound = parks >= 8 ? MAX_PARK_NANOS : FIRST_PARK_NANOS << parks;
                if (deadline != Long.MAX_VALUE) {
                    bound = Math.min(bound, deadline - System.nanoTime());
                }
                if (bound > 0) {
                    LockSupport.parkNanos(this, bound);
                }
            }
        }
    }
}
