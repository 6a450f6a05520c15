package io.courier.kernel.internal;

import io.courier.kernel.ChannelFlags;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A channel: a small state and queues of blocked threads (SPEC K1, STYLE 5). Senders and
 * pulses wait in priority-then-age order; receivers wait first come, first served. Everything
 * here is guarded by {@link #lock}, but for one thing: a receiver that finds nothing to receive
 * and no other receiver waiting waits in the channel's slot, where a sender claims it with a
 * compare-and-set on the receiver's own signal line and no lock. The usual server, one thread
 * back in msgReceive before its client sends again, stays in the slot and is handed each message
 * without the client touching the lock, the queue or any line of the channel but to read it.
 * The calls on channels are {@link Channels}'.
 *
 * <p>SPEC K1, K9 (queue order), K11 (several receivers).
 */
final class Channel {
    private static final VarHandle WAITING;

    static {
        try {
            WAITING = MethodHandles.lookup().findVarHandle(SlotField.class, "waiting", KThread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Padding before the slot. */
    abstract static class SlotPadBefore {
        long p01, p02, p03, p04, p05, p06, p07, p08;
        int p09;
        short p10;
        byte p11;
    }

    /** The slot, alone on its cache line: read by every sender, written when another receiver takes it. */
    abstract static class SlotField extends SlotPadBefore {
        KThread waiting;
    }

    /** The slot with the padding after it. */
    static final class Slot extends SlotField {
        long q01, q02, q03, q04, q05, q06, q07, q08;
    }

    /** Pulses a channel queues at most before msgSendPulse fails with EAGAIN. */
    static final int MAX_PULSES = 1 << 16;

    final int chid;
    final Proc owner;
    final int flags;
    final ReentrantLock lock = new ReentrantLock();
    final PriorityQueue<Pending> senders = new PriorityQueue<>(Pending.ORDER);
    final PriorityQueue<Pending> pulses = new PriorityQueue<>(Pending.ORDER);
    /** Receivers of messages and pulses waiting after the one in {@link #waiting}, oldest first. */
    private final ArrayDeque<KThread> receivers = new ArrayDeque<>();
    /**
     * Holds the receiver that last came to an empty channel ({@link #addReceiver}): when it
     * waits there ({@code RECV_WAITING}), it is older than every receiver in {@link #receivers},
     * and a sender claims it by a compare-and-set on its signal line, with or without the lock.
     * Written under the lock, and only when another receiver takes the place.
     */
    private final Slot slot = new Slot();
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

    /**
     * Claims the receiver waiting in the slot, if any; no lock needed. The slot's line is only
     * read: the claim is a compare-and-set on the receiver's signal line, which the hand-off
     * writes next.
     */
    KThread claimWaiting() {
        KThread r = (KThread) WAITING.getAcquire(slot);
        return r != null && r.casRecvPhase(KThread.RECV_WAITING, KThread.RECV_CLAIMED) ? r : null;
    }

    /** The oldest waiting receiver of messages, claimed; null when none waits. Under the lock. */
    KThread pollReceiver() {
        KThread r = claimWaiting();
        if (r == null && (r = receivers.poll()) != null) {
            r.recvPhase(KThread.RECV_CLAIMED);
        }
        return r;
    }

    /**
     * A receiver starts waiting, after every field it needs was written. Under the lock. The
     * slot keeps the receiver that last came to an empty channel, waiting or not: a server that
     * comes back for the next message finds itself there and waits claimable without the lock,
     * unless older receivers wait in the queue (first come, first served) or another waits in
     * the slot. A receiver found busy in the slot gives its place to the newcomer.
     */
    void addReceiver(KThread t) {
        KThread holder = (KThread) WAITING.getAcquire(slot);
        if (receivers.isEmpty() && (holder == t || holder == null || holder.recvPhase() != KThread.RECV_WAITING)) {
            if (holder != t) {
                WAITING.setRelease(slot, t);
            }
            t.recvPhase(KThread.RECV_WAITING);
        } else {
            t.recvPhase(KThread.RECV_QUEUED);
            receivers.add(t);
        }
    }

    /** A waiting receiver leaves (timeout, signal); false when a sender claimed it first. Under the lock. */
    boolean removeReceiver(KThread t) {
        return t.casRecvPhase(KThread.RECV_WAITING, KThread.RECV_IDLE) || receivers.remove(t);
    }

    /** Every waiting receiver of messages, claimed (the channel's destruction). Under the lock. */
    List<KThread> drainReceivers() {
        List<KThread> all = new ArrayList<>(receivers.size() + 1);
        KThread r = claimWaiting();
        WAITING.setRelease(slot, (KThread) null);
        if (r != null) {
            all.add(r);
        }
        for (KThread q : receivers) {
            q.recvPhase(KThread.RECV_CLAIMED);
            all.add(q);
        }
        receivers.clear();
        return all;
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
