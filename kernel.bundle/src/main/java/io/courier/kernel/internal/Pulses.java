package io.courier.kernel.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Pulse;
import io.courier.kernel.PulseCode;
import io.courier.kernel.PulseLayout;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.LockSupport;

/**
 * Pulses: {@code MsgSendPulse()} and its pointer form, and where every pulse is queued or handed
 * to a waiting receiver: a user's, an event's ({@link EventDelivery}) and the kernel's own
 * (DISCONNECT, UNBLOCK, COIDDEATH, THREADDEATH), which may pass the queue's limit. A queued pulse
 * is a {@link PulseItem} in its {@link Channel}'s queue; {@link #write} lays one out in a
 * receiver's buffer as {@link PulseLayout} says.
 *
 * <p>SPEC K8 (pulses: codes, values, the privilege across processes, EFAULT and the pulse lost
 * when the buffer is too small), K9 (queued by priority then age with messages), K10 (a queued
 * pulse boosts the server), K12 (kernel pulses are never lost).
 */
final class Pulses {
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
        Proc server = conn.channel.owner;
        if (server != p && !p.mayNotify(server)) {
            throw new KernelException(Errno.EPERM, "process " + p.pid + " may not send pulses to process " + server.pid);
        }
        if (!post(conn.channel, new PulseItem(prio, code, value, conn.sconn.scoid, pointer))) {
            throw new KernelException(Errno.EBADF, "channel of connection " + coid + " is gone");
        }
        if (Trace.ENABLED) {
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
     * Queues a pulse, or hands it to a waiting receiver. Returns false when the channel is gone.
     *
     * @throws KernelException EAGAIN when the channel's pulse queue is full
     */
    static boolean post(Channel ch, PulseItem pulse) {
        return post(ch, pulse, true);
    }

    /**
     * Queues a kernel pulse (DISCONNECT, UNBLOCK, COIDDEATH, THREADDEATH) past the queue's limit:
     * losing one would leave a scoid or a blocked client behind, and process death must finish
     * whatever the server's queue holds. Returns false when the channel is gone.
     */
    static boolean postKernel(Channel ch, PulseItem pulse) {
        return post(ch, pulse, false);
    }

    private static boolean post(Channel ch, PulseItem pulse, boolean limited) {
        KThread r;
        ch.acquire();
        try {
            if (ch.destroyed) {
                return false;
            }
            r = ch.pulseReceivers.poll();
            if (r == null) {
                r = ch.pollReceiver();
            }
            if (r == null) {
                if (limited && ch.pulses.size() >= Channel.MAX_PULSES) {
                    throw new KernelException(Errno.EAGAIN, "pulse queue of " + ch + " is full");
                }
                pulse.seq = ch.seq++;
                ch.pulses.add(pulse);
                Threads.boost(ch, pulse.priority);
                return true;
            }
            // Hand over under the lock: a pulse is small.
            if (r.pulseOnly) {
                r.recvPulse = pulse;
                r.recvResult = 0;
            } else if (Iov.length(r.rdst) < Pulse.SIZE) {
                r.recvError = Errno.EFAULT;
            } else {
                write(r.rdst, pulse);
                r.recvResult = 0;
            }
            if (ch.inherits()) {
                r.effPriority = pulse.priority;
            }
        } finally {
            ch.lock.unlock();
        }
        r.recvPhase(KThread.RECV_DONE);
        LockSupport.unpark(r.thread);
        return true;
    }

    /** Writes {@code pulse} into a receiver's buffers as {@link Pulse#SIZE} bytes, advancing them. */
    static void write(ByteBuffer[] dst, PulseItem pulse) {
        ByteBuffer tmp = ByteBuffer.allocate(Pulse.SIZE);
        PulseLayout.write(tmp, pulse.code, pulse.value, pulse.scoid);
        int n = Iov.copy(new ByteBuffer[] {tmp}, 0, dst, 0, Pulse.SIZE);
        Iov.advance(dst, n);
    }
}
