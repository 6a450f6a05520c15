package io.courier.kernel;

import java.util.concurrent.locks.LockSupport;

/**
 * How a thread waits for another thread's next move: spin briefly (a partner on another core
 * usually answers within a microsecond), then yield (a virtual thread hands its carrier over),
 * then park. One small type for every such wait in Courier (the kernel's blocked calls, the
 * shared-memory mutexes, condition variables and semaphores) and for the benchmarks' peers, so a
 * benchmark can swap it and every wait reads the same.
 *
 * <p>A wait calls {@link #idle} between two checks of its condition, with {@code round} counting
 * the calls of that wait from 0; it returns when it is time to check again and may return early.
 * From {@link #parkRound()} on, {@code idle} may park: a waiter that a partner wakes with
 * {@link LockSupport#unpark} announces itself before it checks its condition in such a round, so
 * that a partner that completes the wait and then finds the announcement wakes it, and a partner
 * that finds none need not touch it at all.
 */
public interface IdleStrategy {
    /** The {@code deadline} of a wait without one. */
    long NO_DEADLINE = Long.MAX_VALUE;

    /**
     * The kernel's default: 200 spins, 500 yields, then a park until the waiter is unparked or its
     * deadline comes.
     */
    IdleStrategy BACKOFF = new Backoff(200, 500);
    /** Park at once: for systems with many more blocked threads than cores. */
    IdleStrategy PARK = new Backoff(0, 0);

    /**
     * Waits a little; {@code round} counts the calls of one wait, from 0. Returns when it is
     * time to check the condition again; may return early.
     *
     * @param deadline {@link System#nanoTime()} deadline, or {@link #NO_DEADLINE}
     */
    void idle(int round, long deadline);

    /** The first round in which {@link #idle} parks; a waiter announces itself from then on. */
    int parkRound();

    /**
     * The first round in which {@link #idle} yields rather than spins; {@link #parkRound()} when it
     * never yields. The kernel lets only as many waits yield at once as there are cores: a wait
     * that reaches this round while that many yield goes on at its park round.
     */
    default int yieldRound() {
        return parkRound();
    }

    /** The deadline {@code nanos} from now, or {@link #NO_DEADLINE} when it lies beyond what a long holds. */
    static long deadlineIn(long nanos) {
        long now = System.nanoTime();
        return nanos >= NO_DEADLINE - now ? NO_DEADLINE : now + nanos;
    }

    /** Whether {@code deadline} ({@link System#nanoTime()}, or {@link #NO_DEADLINE}) has passed. */
    static boolean passed(long deadline) {
        return deadline != NO_DEADLINE && System.nanoTime() - deadline >= 0;
    }

    /**
     * Spin {@code spins} rounds, yield {@code yields} rounds, then park.
     *
     * <p>With {@code maxParkNanos} 0, a park lasts until the waiter is unparked (or its deadline):
     * untimed without a deadline, so a virtual thread costs no timer. That suits waits whose
     * partner always unparks them; the kernel's reaper wakes, a few times a second, any parked
     * thread whose wait is already over, so a lost wake-up (the JDK has had such bugs for
     * virtual threads) costs a short delay, never a hang.
     *
     * <p>Otherwise parks are timed: the first lasts {@code minParkNanos}, each next one twice as
     * long, up to {@code maxParkNanos}, and never past the deadline. That suits waits whose
     * partner may be unable to unpark them (another JVM writing shared memory): the longest park
     * bounds how late such a waiter notices.
     *
     * @param spins rounds of {@link Thread#onSpinWait()}
     * @param yields rounds of {@link Thread#yield()} after the spins
     * @param minParkNanos the first timed park
     * @param maxParkNanos the longest timed park; 0 for parks that last until an unpark
     */
    record Backoff(int spins, int yields, long minParkNanos, long maxParkNanos) implements IdleStrategy {
        /** The longest doubling of {@code minParkNanos}: far past any sensible {@code maxParkNanos}. */
        private static final int MAX_DOUBLINGS = 30;

        /** Validates the rounds and park times. */
        public Backoff {
            if (spins < 0 || yields < 0 || minParkNanos < 0 || maxParkNanos < 0
                    || (maxParkNanos > 0 && (minParkNanos == 0 || minParkNanos > maxParkNanos))) {
                throw new KernelException(Errno.EINVAL, "bad backoff " + spins + "/" + yields + "/"
                        + minParkNanos + "/" + maxParkNanos);
            }
        }

        /** Spin, yield, then park until unparked or the deadline. */
        public Backoff(int spins, int yields) {
            this(spins, yields, 0, 0);
        }

        @Override
        public void idle(int round, long deadline) {
            if (round < spins) {
                Thread.onSpinWait();
            } else if (round < spins + yields) {
                Thread.yield();
            } else if (maxParkNanos == 0) {
                if (deadline == NO_DEADLINE) {
                    LockSupport.park(this);
                } else {
                    long left = deadline - System.nanoTime();
                    if (left > 0) {
                        LockSupport.parkNanos(this, left);
                    }
                }
            } else {
                long nanos = Math.min(minParkNanos << Math.min(round - spins - yields, MAX_DOUBLINGS), maxParkNanos);
                if (deadline != NO_DEADLINE) {
                    nanos = Math.min(nanos, deadline - System.nanoTime());
                }
                if (nanos > 0) {
                    LockSupport.parkNanos(this, nanos);
                }
            }
        }

        @Override
        public int parkRound() {
            return spins + yields;
        }

        @Override
        public int yieldRound() {
            return spins;
        }
    }
}
