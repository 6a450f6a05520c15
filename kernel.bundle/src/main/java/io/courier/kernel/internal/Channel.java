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
 * and no other receiver waiting parks itself in {@link #waiting}, where a sender takes it with a
 * compare-and-set and no lock. The usual server, one thread back in msgReceive before its client
 * sends again, is then handed each message without the client touching the lock or the queue,
 * two cache lines fewer moving between the client's core and the server's on every round trip.
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

    /** The slot, alone on its cache line: the client and its server both write it every round trip. */
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
     * Holds the oldest waiting receiver of messages and pulses, when it came to an empty queue
     * (else null): it is older than every receiver in {@link #receivers}. Set under the lock;
     * taken by compare-and-set, with or without it.
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

    /** Takes the receiver waiting in the slot, if any; no lock needed. */
    KThread claimWaiting() {
        // One atomic exchange: a single transfer of the slot's line, where a read first and a
        // compare-and-set after would move it twice.
        return (KThread) WAITING.getAndSet(slot, (KThread) null);
    }

    /** The oldest waiting receiver of messages, taken; null when none waits. Under the lock. */
    KThread pollReceiver() {
        KThread r = claimWaiting();
        return r != null ? r : receivers.poll();
    }

    /**
     * A receiver starts waiting, after every field a sender reads was written. Under the lock.
     * The compare-and-set publishes it to senders that take it without the lock.
     */
    void addReceiver(KThread t) {
        if (!receivers.isEmpty() || !WAITING.compareAndSet(slot, (KThread) null, t)) {
            receivers.add(t);
        }
    }

    /** A waiting receiver leaves (timeout, signal); false when a sender took it first. Under the lock. */
    boolean removeReceiver(KThread t) {
        return WAITING.compareAndSet(slot, t, (KThread) null) || receivers.remove(t);
    }

    /** Every waiting receiver of messages, taken (the channel's destruction). Under the lock. */
    List<KThread> drainReceivers() {
        List<KThread> all = new ArrayList<>(receivers.size() + 1);
        KThread r = (KThread) WAITING.getAndSet(slot, (KThread) null);
        if (r != null) {
            all.add(r);
        }
        all.addAll(receivers);
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
