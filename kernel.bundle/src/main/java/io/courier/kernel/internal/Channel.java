package io.courier.kernel.internal;

import io.courier.kernel.ChannelFlags;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A channel: a small state and queues of blocked threads (SPEC K1, STYLE 5). Senders and
 * pulses wait in priority-then-age order; receivers wait first come, first served. Everything
 * here is guarded by {@link #lock}.
 */
final class Channel {
    /** Pulses a channel queues at most before msgSendPulse fails with EAGAIN. */
    static final int MAX_PULSES = 1 << 16;

    final int chid;
    final Proc owner;
    final int flags;
    final ReentrantLock lock = new ReentrantLock();
    final PriorityQueue<Pending> senders = new PriorityQueue<>(Pending.ORDER);
    final PriorityQueue<Pending> pulses = new PriorityQueue<>(Pending.ORDER);
    final ArrayDeque<KThread> receivers = new ArrayDeque<>();
    final ArrayDeque<KThread> pulseReceivers = new ArrayDeque<>();
    /** Server connections by client process. */
    final Map<Proc, ServerConn> sconns = new HashMap<>();
    long seq;
    volatile boolean destroyed;
    /** The thread that last received a message here (deadlock detection, priority boosts). */
    volatile KThread lastServer;

    Channel(int chid, Proc owner, int flags) {
        this.chid = chid;
        this.owner = owner;
        this.flags = flags;
    }

    /** Tries to take the lock this many times, spinning, before queueing for it. */
    private static final int LOCK_SPINS = 256;

    /**
     * Takes {@link #lock}. The sections it guards are a few queue operations, so a contended
     * lock is retried spinning first: a client and its server reach for it at nearly the same
     * moment on every round trip, and parking one of them would cost more than the wait.
     */
    void acquire() {
        if (lock.tryLock()) {
            return;
        }
        for (int i = 0; i < LOCK_SPINS; i++) {
            Thread.onSpinWait();
            if (lock.tryLock()) {
                return;
            }
        }
        lock.lock();
    }

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    boolean inherits() {
        return !has(ChannelFlags.FIXED_PRIORITY);
    }

    @Override
    public String toString() {
        return "Channel[" + owner.pid() + "/" + chid + "]";
    }
}
