package io.courier.kernel.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Pulse;
import io.courier.kernel.PulseCode;
import io.courier.kernel.PulseLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.locks.LockSupport;

/**
 * Pulses: {@code MsgSendPulse()} and its pointer form, and where every pulse is queued: a
 * user's, an event's ({@link EventDelivery}) and the kernel's own (DISCONNECT, UNBLOCK,
 * COIDDEATH, THREADDEATH), which may pass the queue's limit.
 *
 * <p>A user's or an event's pulse goes into its channel's {@link PulseRing} without the lock and
 * without an object: one compare-and-set and five stores. The receivers, holding the channel's
 * lock, move what arrived into {@link PulseLists} (a FIFO per priority) and take the first of
 * pulses and SEND-blocked messages by priority, then age. A waiting receiver watches the ring
 * while it spins and comes back by itself when a pulse is published; a sender wakes one only if
 * a receiver of the channel entered its park phase ({@link Channel#hasSleepers}): a slot's holder
 * without the lock, else one queued behind it. A woken receiver comes back and takes the pulse as
 * any receiver does. A receiver under the lock takes the first pulse from the FIFOs without
 * moving the ring when the ring's bound ({@link PulseRing#top}) says it holds none above it, or
 * from the ring's head when the FIFOs are empty; and when nothing can come before them it sets
 * the next pulses of that priority aside ({@link PulseBatch}) for the receives that follow to
 * take without the lock. A pulse that finds the ring full, the
 * channel near its limit ({@link Channel#MAX_PULSES}: EAGAIN past it) or a kernel pulse is queued
 * under the lock, after whatever the ring held. {@link #write} lays a pulse out in a receiver's
 * buffer as {@link PulseLayout} says, without allocating.
 *
 * <p>SPEC K8 (pulses: codes, values, the privilege across processes, EFAULT and the pulse lost
 * when the buffer is too small), K9 (queued by priority then age with messages), K10 (a queued
 * pulse boosts the server), K12 (kernel pulses are never lost).
 */
final class Pulses {
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
    private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    /** The code's byte at offset 4 of the int at {@link PulseLayout#CODE}, in native order. */
    private static final int CODE_SHIFT = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 0 : 24;

    private Pulses() {
    }

    static void send(Proc p, int coid, int priority, int code, long value, Object pointer) {
        KThread t = p.self();
        int prio = priority == -1 ? t.effPriority : priority;
        if (prio < Kernel.PRIORITY_MIN || prio > Kernel.PRIORITY_MAX) {
            throw new KernelException(Errno.EINVAL, "priority " + priority + " is outside 1..255 (or -1)");
        }
        if (code < PulseCode.MIN || code > PulseCode.MAXAVAIL) {
            throw new KernelException(Errno.EINVAL, "pulse code " + code + " is outside -128..127");
        }
        Connection conn = Connections.live(p, coid);
        if (conn.channel.remote != null) {
            // A process of another JVM of the node: its kernel queues the pulse and says how it went.
            if (pointer != null) {
                throw new KernelException(Errno.EINVAL, "a pulse carrying an object cannot go to another JVM");
            }
            conn.channel.remote.pulse(p, t, prio, code, value);
            return;
        }
        Proc server = conn.channel.owner;
        if (server != p && !p.mayNotify(server)) {
            throw new KernelException(Errno.EPERM, "process " + p.pid + " may not send pulses to process " + server.pid);
        }
        if (!post(conn.channel, prio, code, value, conn.sconn.scoid, pointer)) {
            throw new KernelException(Errno.EBADF, "channel of connection " + coid + " is gone");
        }
        if (Trace.ENABLED && Trace.pulseRecorded()) {
            Trace.PulseSent e = new Trace.PulseSent();
            if (e.shouldCommit()) {
                e.pid = p.pid;
                e.serverPid = server.pid;
                e.chid = conn.channel.chid;
                e.code = code;
                e.value = value;
                e.priority = prio;
                e.commit();
            }
        }
    }

    /**
     * Queues a user's or an event's pulse. Returns false when the channel is gone.
     *
     * @throws KernelException EAGAIN when the channel's pulse queue is full
     */
    static boolean post(Channel ch, int priority, int code, long value, int scoid, Object pointer) {
        if (ch.destroyed) {
            return false;
        }
        PulseRing ring = ch.ring();
        if (ring == null) {
            return postLocked(ch, priority, code, value, scoid, pointer, true);
        }
        if (!ch.pulseRoom(ring)) {
            // Near the limit by the count the receivers published: counted exactly under the lock.
            return postLocked(ch, priority, code, value, scoid, pointer, true);
        }
        if (!ring.offer(PulseRing.meta(priority, code, scoid), value, pointer)) {
            return postLocked(ch, priority, code, value, scoid, pointer, true);
        }
        boost(ch, priority);
        if (ch.hasSleepers()) {
            KThread r = ch.claimParked();
            if (r != null) {
                comeBack(r);
            } else {
                wakeQueued(ch);
            }
        }
        return true;
    }

    /**
     * Queues a kernel pulse (DISCONNECT, UNBLOCK, COIDDEATH, THREADDEATH) past the queue's limit:
     * losing one would leave a scoid or a blocked client behind, and process death must finish
     * whatever the server's queue holds. Returns false when the channel is gone.
     */
    static boolean postKernel(Channel ch, PulseItem pulse) {
        return postLocked(ch, pulse.priority, pulse.code, pulse.value, pulse.scoid, pulse.pointer, false);
    }

    /** A pulse queued under the lock, after every pulse the ring holds; then a waiting receiver is woken. */
    private static boolean postLocked(Channel ch, int priority, int code, long value, int scoid, Object pointer,
            boolean limited) {
        KThread r;
        ch.acquire();
        try {
            if (ch.destroyed) {
                return false;
            }
            PulseLists q = ch.pulses();
            if (limited) {
                // The channel's first user pulse makes the ring for the next ones.
                ch.ensureRing();
                if (q.count() >= Channel.MAX_PULSES) {
                    throw full(ch);
                }
            }
            q.add(PulseRing.meta(priority, code, scoid), value, ch.pulseStamp(), pointer);
            ch.pulsesChanged(q);
            Threads.boost(ch, priority);
            r = ch.pollAnyReceiver();
        } finally {
            ch.lock.unlock();
        }
        if (r != null) {
            comeBack(r);
        }
        return true;
    }

    /** EAGAIN without a stack trace: a sender that runs ahead of its receiver meets it often and retries. */
    private static KernelException full(Channel ch) {
        return KernelException.refusal(Errno.EAGAIN, "pulse queue of " + ch + " is full");
    }

    /**
     * As a receiver takes a pulse from {@code q} (under the lock, before the take): if more are
     * queued, claims a waiting receiver to come back for them. Waiting receivers watch the ring,
     * not the FIFOs a drain moved pulses into, and a sender wakes at most one receiver per pulse
     * (maybe one that was about to take a pulse anyway): passing the wake on leaves no pulse
     * behind while receivers wait.
     */
    static KThread passOn(Channel ch, PulseLists q) {
        PulseRing ring = ch.ring();
        return q.count() > 1 || (ring != null && ring.hasPublished()) ? ch.pollAnyReceiver() : null;
    }

    /**
     * As {@link #passOn}, after a receiver took the ring's head ({@link #takeHead}): claims a
     * waiting receiver if a pulse is left. Under the lock.
     */
    static KThread passOnAfterHead(Channel ch, PulseLists q, PulseRing ring) {
        return (q != null && q.count() > 0) || ring.hasPublished() ? ch.pollAnyReceiver() : null;
    }

    /** Ends the wait of {@code r}, which {@link #passOn} claimed; null for none. */
    static void wake(KThread r) {
        if (r != null) {
            comeBack(r);
        }
    }

    /** Wakes a receiver, under the lock (one queued behind a slot), to come back for the pulse. */
    private static void wakeQueued(Channel ch) {
        KThread r;
        ch.acquire();
        try {
            r = ch.pollAnyReceiver();
        } finally {
            ch.lock.unlock();
        }
        if (r != null) {
            comeBack(r);
        }
    }

    /**
     * Ends the wait of a claimed receiver with nothing handed over: it receives again, and takes
     * the pulse (or whatever came first) itself.
     */
    static void comeBack(KThread r) {
        r.recvPhaseVolatile(KThread.RECV_DONE);
        LockSupport.unpark(r.thread);
    }

    /**
     * Priority inheritance for a pulse queued without the lock (SPEC K10): only when the thread
     * that last received a message on the channel runs below the pulse, so a server that keeps up
     * costs a read.
     */
    private static void boost(Channel ch, int priority) {
        KThread s = ch.lastServer;
        if (s != null && s.effPriority < priority && ch.inherits()) {
            Threads.boost(ch, priority);
        }
    }

    /**
     * Takes the first pulse of priority {@code prio} from {@code q} (under the lock) into a
     * receiver: written into {@code dst} as {@link Pulse#SIZE} bytes, or, for msgReceivePulse
     * ({@code dst} null), returned as a {@link Pulse}. The receiver takes its priority (K10).
     *
     * @throws KernelException EFAULT when {@code dst} is too small: the pulse is lost (K8)
     */
    static Pulse take(KThread t, Channel ch, PulseLists q, int prio, ByteBuffer[] dst) {
        long meta = q.meta(prio);
        long value = q.value(prio);
        Object pointer = q.pointer(prio);
        q.remove(prio);
        ch.pulsesChanged(q);
        return deliver(t, ch, meta, value, pointer, prio, dst);
    }

    /**
     * Gives receiver {@code t} the pulse of meta word {@code meta}: its priority inherited (K10),
     * then a {@link Pulse} ({@code dst} null) or its bytes written into {@code dst}.
     *
     * @throws KernelException EFAULT when {@code dst} is too small: the pulse is lost (K8)
     */
    private static Pulse deliver(KThread t, Channel ch, long meta, long value, Object pointer, int prio,
            ByteBuffer[] dst) {
        if (ch.inherits() && t.effPriority != prio) {
            t.effPriority = prio;
        }
        if (dst == null) {
            return new Pulse(PulseRing.code(meta), value, PulseRing.scoid(meta), prio, pointer);
        }
        write(dst, PulseRing.code(meta), value, PulseRing.scoid(meta));
        return null;
    }

    /**
     * As {@link #take}, for the pulse at the head of the channel's ring, published with meta word
     * {@code meta} and first by priority, then age, of all the channel's pulses: taken where it
     * is, without moving the others into the FIFOs (the one-priority fast path). Under the lock.
     *
     * @throws KernelException EFAULT when {@code dst} is too small: the pulse is lost (K8)
     */
    static Pulse takeHead(KThread t, Channel ch, PulseRing ring, long meta, ByteBuffer[] dst) {
        Object pointer = null;
        long value;
        if (PulseRing.bare(meta) == meta) {
            value = ring.poll(meta, null);
        } else {
            Object[] box = new Object[1];
            value = ring.poll(meta, box);
            pointer = box[0];
        }
        return deliver(t, ch, meta, value, pointer, PulseRing.priority(meta), dst);
    }

    /**
     * After a receiver under the lock took a pulse of priority {@code prio}, the first of the
     * channel's by priority then age: sets aside the next pulses of that priority for the
     * receives that follow to take without the lock ({@link PulseBatch}), when nothing can come
     * before them: no sender queued, no other receiver waiting, and none of the ring's pulses
     * above them. Oldest first: that priority's FIFO, then, once it is empty and no pulse of
     * another priority waits in the FIFOs, the ring's head while its pulses are of that priority.
     * Under the lock.
     */
    static void setAside(Channel ch, PulseLists q, PulseRing ring, int prio) {
        if (ring == null || !ch.senders.isEmpty() || ring.top() > prio || ch.receiverWaiting()) {
            return;
        }
        boolean fromLists = q != null && q.count() > 0;
        if (!fromLists && !ring.hasPublished()) {
            return;
        }
        PulseBatch b = ch.ensureBatch();
        if (fromLists) {
            while (b.room() > 0 && q.topPriority() == prio) {
                b.put(q.meta(prio), q.value(prio), q.stamp(prio), q.pointer(prio));
                q.remove(prio);
            }
            if (q.count() > 0) {
                b.open(prio);
                ch.pulsesChanged(q);
                return;
            }
        }
        Object[] box = null;
        long stamp = ch.pulseStamp();
        for (long meta; b.room() > 0 && (meta = ring.peek()) != 0 && PulseRing.priority(meta) == prio;) {
            Object pointer = null;
            long value;
            if (PulseRing.bare(meta) == meta) {
                value = ring.poll(meta, null);
            } else {
                if (box == null) {
                    box = new Object[1];
                }
                value = ring.poll(meta, box);
                pointer = box[0];
                box[0] = null;
            }
            b.put(PulseRing.bare(meta), value, stamp, pointer);
        }
        b.open(prio);
        if (q != null) {
            ch.pulsesChanged(q);
        }
    }

    /**
     * A receive without the lock: the next pulse of the channel's open batch, when no pulse
     * above it arrived since ({@link PulseRing#top}), written into {@code dst} or, for
     * msgReceivePulse ({@code dst} null), put in {@code t.recvPulse}; the receiver takes its
     * priority (K10). False when there is none to take so: the receive goes on under the lock.
     *
     * @throws KernelException EFAULT when {@code dst} is too small: the pulse is lost (K8)
     */
    static boolean takeAside(KThread t, Channel ch, ByteBuffer[] dst) {
        PulseBatch b = ch.batch();
        if (b == null) {
            return false;
        }
        long s = b.state();
        int i = PulseBatch.index(s);
        if (i < 0) {
            return false;
        }
        int prio = b.priority();
        // A pulse above the batch's in the ring: the lock decides (its sender raised the bound
        // before publishing it, and a send that is over is seen here).
        if (ch.ring().top() > prio || ch.destroyed) {
            return false;
        }
        long meta = b.metaAt(i);
        long value = b.valueAt(i);
        Object pointer = b.pointerAt(i);
        if (!b.claim(s)) {
            return false;
        }
        t.recvPulse = deliver(t, ch, meta, value, pointer, prio, dst);
        return true;
    }

    /**
     * Writes a pulse into a receiver's buffers as {@link Pulse#SIZE} bytes, advancing them; in
     * place when the first buffer holds it (no allocation).
     *
     * @throws KernelException EFAULT when the buffers hold fewer than {@link Pulse#SIZE} bytes
     */
    static void write(ByteBuffer[] dst, int code, long value, int scoid) {
        ByteBuffer b = dst.length == 0 ? null : dst[0];
        if (b != null && b.remaining() >= Pulse.SIZE) {
            int p = b.position();
            INT.set(b, p + PulseLayout.TYPE, 0);
            INT.set(b, p + PulseLayout.CODE, (code & 0xFF) << CODE_SHIFT);
            LONG.set(b, p + PulseLayout.VALUE, value);
            INT.set(b, p + PulseLayout.SCOID, scoid);
            INT.set(b, p + PulseLayout.SCOID + 4, 0);
            b.position(p + Pulse.SIZE);
            return;
        }
        if (Iov.length(dst) < Pulse.SIZE) {
            throw new KernelException(Errno.EFAULT, "receive buffer smaller than a pulse; the pulse is lost");
        }
        ByteBuffer tmp = ByteBuffer.allocate(Pulse.SIZE);
        PulseLayout.write(tmp, code, value, scoid);
        int n = Iov.copy(new ByteBuffer[] {tmp}, 0, dst, 0, Pulse.SIZE);
        Iov.advance(dst, n);
    }
}
