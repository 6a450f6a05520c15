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
 * A channel: a small state and queues of blocked threads (SPEC K1, STYLE 5). Senders wait in
 * priority-then-age order, pulses in a lock-free ring ({@link PulseRing}) and, once a receiver
 * or an overflow moved them, in FIFOs per priority ({@link PulseLists}) ordered against the
 * senders by age; receivers wait first come, first served. Everything here is guarded by
 * {@link #lock}, but for the ring (see {@link Pulses}), the count of receivers about to park, and
 * one thing more: a receiver that finds nothing to receive
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
    private static final VarHandle RING;
    private static final VarHandle SLEEPERS;
    private static final VarHandle QUEUED_PULSES;
    private static final VarHandle BATCH;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            WAITING = l.findVarHandle(SlotField.class, "waiting", KThread.class);
            RING = l.findVarHandle(Channel.class, "ring", PulseRing.class);
            SLEEPERS = l.findVarHandle(Channel.class, "sleepers", int.class);
            QUEUED_PULSES = l.findVarHandle(Channel.class, "pulsesQueued", int.class);
            BATCH = l.findVarHandle(Channel.class, "batch", PulseBatch.class);
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
    /** Past this many in {@link #pulseLists}, every pulse is counted under the lock against {@link #MAX_PULSES}. */
    private static final int NEAR_LIMIT = MAX_PULSES - PulseRing.CAPACITY;
    /** Pulses taken before the count senders read comes down ({@link #pulsesChanged}). */
    private static final int PUBLISH_STEP = 64;

    final int chid;
    final Proc owner;
    final int flags;
    final ReentrantLock lock = new ReentrantLock();
    final PriorityQueue<Pending> senders = new PriorityQueue<>(Pending.ORDER);
    /**
     * Where user and event pulses arrive without the lock; made with the channel's first pulse
     * and kept. Read with a volatile load by senders; set once by compare-and-set.
     */
    private PulseRing ring;
    /** Queued pulses by priority, drained from {@link #ring}; made on first use, under the lock. */
    private PulseLists pulseLists;
    /**
     * The oldest pulses, set aside for receives without the lock ({@link PulseBatch}); made on
     * first use under the lock and kept. Read with a volatile load by receivers and by message
     * senders about to claim a receiver without the lock.
     */
    private PulseBatch batch;
    /**
     * {@link #pulseLists} holds so many that the ring could take a pulse past {@link #MAX_PULSES}:
     * senders count first ({@link #pulsesQueued}). Written under the lock when it changes.
     */
    private volatile boolean pulsesNearLimit;
    /**
     * How many {@link #pulseLists} holds, published only while {@link #pulsesNearLimit} (a
     * release store per change then): a receiver that keeps up writes no line a sender reads.
     */
    private int pulsesQueued;
    /** Receivers of messages and pulses waiting after the one in {@link #waiting}, oldest first. */
    private final ArrayDeque<KThread> receivers = new ArrayDeque<>();
    /**
     * Holds the receiver that last came to an empty channel ({@link #addReceiver}): when it
     * waits there ({@code RECV_WAITING}), it is older than every receiver in {@link #receivers},
     * and a sender claims it by a compare-and-set on its signal line, with or without the lock.
     * Written under the lock, and only when another receiver takes the place.
     */
    private final Slot slot = new Slot();
    /** As {@link #slot}, for receivers of pulses only (msgReceivePulse), which senders of messages never take. */
    private final Slot pulseSlot = new Slot();
    /** Receivers of pulses only waiting after the one in {@link #pulseSlot}, oldest first. */
    private final ArrayDeque<KThread> pulseReceivers = new ArrayDeque<>();
    /**
     * How many receivers of this channel are in the park phase of their wait: a pulse sender
     * that finds none wakes nobody (a receiver still spinning looks at the ring by itself). A
     * receiver counts itself before its last look at the ring and parks after it; a sender looks
     * here after claiming its place in the ring (Dekker: both volatile).
     */
    private int sleepers;
    /** Server connections by client process. */
    final Map<Proc, ServerConn> sconns = new HashMap<>();
    /** The sequence of the next queued sender ({@link #queueSeq}); also the age stamp of pulses drained now. */
    private long seq;
    volatile boolean destroyed;
    /**
     * Null for a channel of this JVM. For a channel of a process in another JVM of the node (a
     * stand-in, set before the channel is shared): the endpoint that moves its messages.
     */
    NodePeers.Remote remote;
    /** The thread that last received a message here (deadlock detection, priority boosts). */
    volatile KThread lastServer;
    /**
     * Set once a client in another JVM or node sent here: from then on a receiver waiting here
     * watches the links from the other JVMs and nodes while it spins ({@link NodePeers#watchBegin}).
     */
    volatile boolean nodeClients;
    /**
     * Set once a client on another node sent here: from then on a receiver waiting here does not
     * yield ({@link NodePeers#NET_YIELD}); it spins, then parks until woken.
     */
    volatile boolean netClients;

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
        return r != null && r.recvPhase() == KThread.RECV_WAITING
                && r.casRecvPhase(KThread.RECV_WAITING, KThread.RECV_CLAIMED) ? r : null;
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
                // Volatile: a pulse sender reads the slot, then whether its holder parks (Dekker).
                WAITING.setVolatile(slot, t);
            }
            t.recvPhase(KThread.RECV_WAITING);
        } else {
            t.recvPhase(KThread.RECV_QUEUED);
            receivers.add(t);
        }
    }

    /** A waiting receiver leaves (timeout, signal); false when a sender claimed it first. Under the lock. */
    boolean removeReceiver(KThread t) {
        if (t.casRecvPhase(KThread.RECV_WAITING, KThread.RECV_IDLE)) {
            return true;
        }
        return receivers.remove(t);
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
        r = claimWaitingFor(pulseSlot);
        WAITING.setRelease(pulseSlot, (KThread) null);
        if (r != null) {
            all.add(r);
        }
        for (KThread q : pulseReceivers) {
            q.recvPhase(KThread.RECV_CLAIMED);
            all.add(q);
        }
        pulseReceivers.clear();
        return all;
    }

    /** A receiver of this channel enters the park phase of its wait (a volatile add, before its last look at the ring). */
    void addSleeper() {
        SLEEPERS.getAndAdd(this, 1);
    }

    /** A receiver that counted itself ({@link #addSleeper}) ends its wait. */
    void removeSleeper() {
        SLEEPERS.getAndAdd(this, -1);
    }

    /** Whether a receiver may be parked: a volatile read, after the sender claimed its place in the ring. */
    boolean hasSleepers() {
        return (int) SLEEPERS.getVolatile(this) != 0;
    }

    // ------------------------------------------------------------------ receivers of pulses only

    /** As {@link #addReceiver}, for a receiver of pulses only. Under the lock. */
    void addPulseReceiver(KThread t) {
        KThread holder = (KThread) WAITING.getAcquire(pulseSlot);
        if (pulseReceivers.isEmpty() && (holder == t || holder == null || holder.recvPhase() != KThread.RECV_WAITING)) {
            if (holder != t) {
                // Volatile: a pulse sender reads the slot, then whether its holder parks (Dekker).
                WAITING.setVolatile(pulseSlot, t);
            }
            t.recvPhase(KThread.RECV_WAITING);
        } else {
            t.recvPhase(KThread.RECV_QUEUED);
            pulseReceivers.add(t);
        }
    }

    /** As {@link #removeReceiver}, for a receiver of pulses only. Under the lock. */
    boolean removePulseReceiver(KThread t) {
        if (t.casRecvPhase(KThread.RECV_WAITING, KThread.RECV_IDLE)) {
            return true;
        }
        return pulseReceivers.remove(t);
    }

    /**
     * A receiver that may have parked with a pulse to take, claimed: a slot's holder that
     * announced its park. No lock. A holder still spinning looks at the ring by itself.
     */
    KThread claimParked() {
        KThread r = claimParkedIn(pulseSlot);
        return r != null ? r : claimParkedIn(slot);
    }

    private static KThread claimParkedIn(Slot s) {
        KThread r = (KThread) WAITING.getVolatile(s);
        return r != null && r.isParked() && r.casRecvPhase(KThread.RECV_WAITING, KThread.RECV_CLAIMED) ? r : null;
    }

    private static KThread claimWaitingFor(Slot s) {
        KThread r = (KThread) WAITING.getAcquire(s);
        return r != null && r.recvPhase() == KThread.RECV_WAITING
                && r.casRecvPhase(KThread.RECV_WAITING, KThread.RECV_CLAIMED) ? r : null;
    }

    /**
     * Any receiver waiting, claimed, to come back for a pulse: of pulses only first (they take
     * nothing else), then of messages. Under the lock.
     */
    KThread pollAnyReceiver() {
        KThread r = claimWaitingFor(pulseSlot);
        if (r == null && (r = pulseReceivers.poll()) != null) {
            r.recvPhase(KThread.RECV_CLAIMED);
        }
        return r != null ? r : pollReceiver();
    }

    // ------------------------------------------------------------------ pulses

    /** The ring pulses arrive in, or null before the channel's first pulse. Volatile. */
    PulseRing ring() {
        return (PulseRing) RING.getVolatile(this);
    }

    /** The ring, made now if the channel had no pulse yet. Under the lock. */
    PulseRing ensureRing() {
        PulseRing r = ring;
        if (r == null) {
            r = new PulseRing();
            // Release: the ring's initial slots are written before a sender sees it.
            RING.setRelease(this, r);
        }
        return r;
    }

    /**
     * The queued pulses by priority, with the batch closed and every published pulse of the ring
     * moved in; under the lock.
     */
    PulseLists pulses() {
        PulseLists q = movedPulses();
        if (q == null) {
            q = pulseLists = new PulseLists();
        }
        PulseRing r = ring;
        if (r != null) {
            int before = q.count();
            r.drainTo(q, seq);
            if (q.count() != before) {
                // The ring's pulses now count in the FIFOs: senders must see them there.
                pulsesChanged(q);
            }
        }
        return q;
    }

    /** The batch of pulses set aside for receives without the lock, or null before the first. Volatile. */
    PulseBatch batch() {
        return (PulseBatch) BATCH.getVolatile(this);
    }

    /** The batch, made now if there was none. Under the lock. */
    PulseBatch ensureBatch() {
        PulseBatch b = batch;
        if (b == null) {
            b = new PulseBatch();
            // Release: the batch's arrays are made before a receiver sees it.
            BATCH.setRelease(this, b);
        }
        return b;
    }

    /**
     * Whether pulses may wait in the open batch: a message sender then takes the lock rather than
     * claim a waiting receiver (K9). Any thread.
     */
    boolean batchOpen() {
        PulseBatch b = batch();
        return b != null && b.open();
    }

    /**
     * The pulses moved out of the ring so far, without moving more, with the batch closed (what
     * it held back at the front of its FIFO); null before any. Under the lock.
     */
    PulseLists movedPulses() {
        PulseBatch b = batch;
        if (b != null && b.open()) {
            PulseLists q = pulseLists;
            if (q == null) {
                q = pulseLists = new PulseLists();
            }
            b.close(q);
        }
        return pulseLists;
    }

    /** The age stamp of a pulse queued now: the sequence the next queued sender takes. Under the lock. */
    long pulseStamp() {
        return seq;
    }

    /**
     * The sequence of a sender queued now (SPEC K9): first every pulse published before it is
     * drained, with a stamp that puts it ahead of this sender. Under the lock.
     */
    long queueSeq() {
        PulseRing r = ring;
        if (r != null) {
            pulses();
        }
        return seq++;
    }

    /** Whether a pulse is queued or published in the ring. Under the lock. */
    boolean pulsesWaiting() {
        PulseLists q = pulsesIfAny();
        return q != null && q.count() > 0;
    }

    /** As {@link #pulses()}, or null when the channel never had a pulse (message-only channels stay small). */
    PulseLists pulsesIfAny() {
        return pulseLists == null && ring == null ? null : pulses();
    }

    /**
     * After {@link #pulseLists} changed: whether senders must count, and the count. Under the
     * lock. The count senders read is never below the true one: it is published at once when it
     * grows, and when it shrinks only once it is {@link #PUBLISH_STEP} behind, so a receiver that
     * takes pulse after pulse near the limit writes the line senders read once in so many; a
     * sender that finds no room by it counts exactly under the lock ({@link Pulses#post}).
     */
    void pulsesChanged(PulseLists q) {
        PulseBatch b = batch;
        int n = q.count() + (b == null ? 0 : b.size());
        boolean near = n >= NEAR_LIMIT;
        if (near) {
            int published = pulsesQueued;
            if (n > published || published - n >= PUBLISH_STEP) {
                // Release: read by senders without the lock; only near the limit.
                QUEUED_PULSES.setRelease(this, n);
            }
        }
        if (near != pulsesNearLimit) {
            pulsesNearLimit = near;
        }
    }

    /**
     * Whether a pulse may go into the ring without passing {@link #MAX_PULSES}: far from it, or
     * with room for it counting the ring. Senders offering at the same moment may each pass it
     * by one; a sender alone never does. False may be wrong by up to {@link #PUBLISH_STEP}
     * pulses taken: the sender then counts under the lock.
     */
    boolean pulseRoom(PulseRing r) {
        return !pulsesNearLimit || (int) QUEUED_PULSES.getAcquire(this) + r.size() < MAX_PULSES;
    }

    /** Pulses queued now (pidin, tests): under the lock. */
    int pulseCount() {
        PulseLists q = pulsesIfAny();
        PulseRing r = ring;
        return (q == null ? 0 : q.count()) + (r == null ? 0 : r.size());
    }

    /** Whether a receiver waits on this channel, of messages or of pulses. Under the lock. */
    boolean receiverWaiting() {
        return !receivers.isEmpty() || !pulseReceivers.isEmpty() || waitsIn(slot) || waitsIn(pulseSlot);
    }

    private static boolean waitsIn(Slot s) {
        KThread r = (KThread) WAITING.getAcquire(s);
        return r != null && r.recvPhase() == KThread.RECV_WAITING;
    }

    /** Drops every queued pulse (the channel's destruction); under the lock. */
    void clearPulses() {
        PulseBatch b = batch;
        if (b != null) {
            b.close(null);
        }
        PulseRing r = ring;
        if (r != null) {
            r.clear();
        }
        if (pulseLists != null) {
            pulseLists.clear();
        }
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
