package io.courier.kernel.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.KernelException;
import io.courier.kernel.ThreadState;
import java.time.Duration;
import java.util.Set;

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
