package io.courier.kernel.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.KernelException;
import io.courier.kernel.ThreadState;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * When a blocked kernel call gives up: {@code TimerTimeout()} and the timeout arguments (a
 * deadline per blocking state), the reasons a waiting thread leaves its call (its death, a
 * signal or UNBLOCK event, an interrupt, its deadline), and the brief pause of a thread whose
 * partner is a few stores from done. How a wait idles is {@link IdleStrategy}; the waits
 * themselves are the calls' own ({@link MsgSend}, {@link MsgReceive}, {@link SignalDelivery}).
 *
 * <p>SPEC K13 (kernel timeouts on SEND, REPLY and RECEIVE, unblocking by signal or interrupt).
 */
final class Blocking {
    /** The deadline of a wait without one. */
    static final long NO_DEADLINE = IdleStrategy.NO_DEADLINE;

    private static final int PAUSE_SPINS = 100;
    /**
     * How many waits may be in their yield phase at once: the cores. A thread that yields hands
     * its core to another runnable thread; beyond one yielding wait per core, yields only churn
     * the scheduler (100,000 clients blocking at once would yield 500 times each), so a wait that
     * finds this many yielding parks at once.
     */
    static final int MAX_YIELDERS = Math.max(1, Runtime.getRuntime().availableProcessors());
    private static final AtomicInteger YIELDERS = new AtomicInteger();

    private Blocking() {
    }

    static void timerTimeout(Proc p, Set<ThreadState> states, Duration timeout) {
        KThread t = p.self();
        if (states == null || timeout == null) {
            t.timeoutStates = null;
            return;
        }
        if (timeout.isNegative()) {
            throw new KernelException(Errno.EINVAL, "negative timeout");
        }
        t.timeoutStates = Set.copyOf(states);
        t.timeoutNanos = System.nanoTime() + saturatedNanos(timeout);
    }

    /**
     * The {@link System#nanoTime()} deadline of a call blocking in {@code state}: its own timeout,
     * else the one {@code TimerTimeout()} armed for that state, else {@link #NO_DEADLINE}.
     */
    static long deadline(KThread t, Duration timeout, ThreadState state) {
        if (timeout != null) {
            if (timeout.isNegative()) {
                throw new KernelException(Errno.EINVAL, "negative timeout");
            }
            return System.nanoTime() + saturatedNanos(timeout);
        }
        Set<ThreadState> armed = t.timeoutStates;
        return armed != null && armed.contains(state) ? t.timeoutNanos : NO_DEADLINE;
    }

    private static long saturatedNanos(Duration d) {
        try {
            return Math.min(d.toNanos(), Long.MAX_VALUE / 4);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }

    /**
     * Why a blocked thread should leave its call now: its death, a signal or UNBLOCK event, an
     * interrupt, or its deadline; null to stay.
     */
    static Errno leaveReason(KThread t, long deadline) {
        if (t.dead || t.proc.life != Proc.Life.ALIVE) {
            return Errno.ESRCH;
        }
        Errno unblock = t.takeUnblock();
        if (unblock != null) {
            return unblock;
        }
        if (Thread.interrupted()) {
            return Errno.EINTR;
        }
        if (deadline != NO_DEADLINE && System.nanoTime() - deadline >= 0) {
            return Errno.ETIMEDOUT;
        }
        return null;
    }

    /**
     * One round of a wait: {@code idle}'s spin, yield or park for {@code round}, and the next
     * round. A wait that reaches its yield phase while {@link #MAX_YIELDERS} waits yield skips to
     * its park round without idling, so that it announces itself and checks once more before it
     * parks; a wait leaves the yield phase at its park round or its end ({@link KThread#endWait}).
     */
    static int idle(KThread t, IdleStrategy idle, int round, long deadline) {
        int parkRound = idle.parkRound();
        if (round < parkRound) {
            if (round == idle.yieldRound() && !t.yielding) {
                if (!enterYield()) {
                    return parkRound;
                }
                t.yielding = true;
            }
        } else if (t.yielding) {
            leaveYield(t);
        }
        idle.idle(round, deadline);
        return round + 1;
    }

    private static boolean enterYield() {
        for (int n = YIELDERS.get(); n < MAX_YIELDERS; n = YIELDERS.get()) {
            if (YIELDERS.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    /** {@code t}'s wait leaves its yield phase. */
    static void leaveYield(KThread t) {
        t.yielding = false;
        YIELDERS.getAndDecrement();
    }

    /** How many waits are in their yield phase now. */
    static int yielders() {
        return YIELDERS.get();
    }

    /**
     * Waits a moment for a state another thread is about to leave (a client BUSY with its
     * receiver): spins, then yields, since that thread may need this very carrier or core.
     */
    static void pause(int round) {
        if (round < PAUSE_SPINS) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }
}
