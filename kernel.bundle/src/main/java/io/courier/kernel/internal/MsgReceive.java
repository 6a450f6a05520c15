package io.courier.kernel.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.KernelException;
import io.courier.kernel.MsgInfo;
import io.courier.kernel.Pulse;
import io.courier.kernel.ThreadState;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receive side of message passing: {@code MsgReceive()}, its IOV form and
 * {@code MsgReceivePulse()}. A receiver takes the first of the channel's queued senders and pulses
 * (priority, then age), or waits RECEIVE-blocked: in the channel's slot, where a sender claims it
 * without the lock, or in the channel's queue. A client taken either way has its message copied
 * by the receiver (one copy) and becomes REPLY-blocked.
 *
 * <p>SPEC K3 (receive, rcvid &gt; 0 or 0 for a pulse), K5 (IOVs), K7 (the MsgInfo of a message),
 * K8 (a pulse received, EFAULT when the buffer is too small), K9 (priority then age), K10 (the
 * receiver takes the message's priority), K11 (several receivers, each message to one), K13
 * (RECEIVE timeouts); msgReceive's exact errors.
 */
final class MsgReceive {
    private static final Logger LOG = LoggerFactory.getLogger(MsgReceive.class);

    private MsgReceive() {
    }

    static long msgReceive(Proc p, int chid, ByteBuffer rmsg, MsgInfo info, Duration timeout) {
        KThread t = p.self();
        if (rmsg == null) {
            throw new KernelException(Errno.EFAULT, "receive buffer is null");
        }
        if (rmsg.isReadOnly()) {
            throw new KernelException(Errno.EFAULT, "receive buffer is read-only");
        }
        return receive(p, t, chid, Iov.holding(t.oneRecv(), rmsg), info, false, timeout);
    }

    static long msgReceivev(Proc p, int chid, ByteBuffer[] riov, MsgInfo info, Duration timeout) {
        KThread t = p.self();
        return receive(p, t, chid, Iov.destination(riov, "receive IOV"), info, false, timeout);
    }

    static Pulse msgReceivePulse(Proc p, int chid, Duration timeout) {
        KThread t = p.self();
        receive(p, t, chid, null, null, true, timeout);
        Pulse pulse = t.recvPulse;
        t.recvPulse = null;
        return pulse;
    }

    private static long receive(Proc p, KThread t, int chid, ByteBuffer[] dst, MsgInfo info, boolean pulseOnly,
            Duration timeout) {
        if (!Trace.ENABLED || !Trace.receiveRecorded()) {
            return receiveNow(p, t, chid, dst, info, pulseOnly, timeout);
        }
        Trace.Receive e = new Trace.Receive();
        e.begin();
        try {
            long rcvid = receiveNow(p, t, chid, dst, info, pulseOnly, timeout);
            e.rcvid = rcvid;
            return rcvid;
        } catch (KernelException x) {
            e.error = x.errno().name();
            throw x;
        } finally {
            e.end();
            if (e.shouldCommit()) {
                e.pid = p.pid;
                e.tid = t.tid;
                e.chid = chid;
                e.commit();
            }
        }
    }

    /** What a receive that must look again returns inside this class: a pulse sender woke it, or a pulse came. */
    private static final long AGAIN = Long.MIN_VALUE;

    /** {@code dst} null: msgReceivePulse, whose pulse lands in {@link KThread#recvPulse}. */
    private static long receiveNow(Proc p, KThread t, int chid, ByteBuffer[] dst, MsgInfo info, boolean pulseOnly,
            Duration timeout) {
        t.own();
        Channel ch = p.channels.get(chid);
        if (ch == null || ch.destroyed) {
            throw new KernelException(Errno.ESRCH, "no channel " + chid + " in process " + p.pid);
        }
        long deadline = Blocking.deadline(t, timeout, ThreadState.RECEIVE);
        t.timeoutStates = null;
        // The next of the pulses a receive under the lock set aside, without the lock.
        if (Pulses.takeAside(t, ch, dst)) {
            return 0;
        }
        for (;;) {
            long rcvid = receiveOnce(p, t, ch, dst, info, pulseOnly, deadline);
            if (rcvid != AGAIN) {
                return rcvid;
            }
        }
    }

    /**
     * Takes the first of the channel's SEND-blocked clients and pulses (priority, then age), or
     * waits; returns {@link #AGAIN} when the wait ended with nothing handed over.
     */
    private static long receiveOnce(Proc p, KThread t, Channel ch, ByteBuffer[] dst, MsgInfo info, boolean pulseOnly,
            long deadline) {
        KThread c;
        KThread next = null;
        ch.acquire();
        try {
            if (ch.destroyed) {
                throw new KernelException(Errno.ESRCH, "channel " + ch.chid + " is gone");
            }
            // The first pulse by priority, then age: from the FIFOs when the ring holds none
            // above their first (the ring's are younger), from the ring's head when the FIFOs
            // are empty and the ring none above it, else after moving the ring into the FIFOs.
            PulseLists q = ch.movedPulses();
            PulseRing ring = ch.ring();
            int pp = q == null ? -1 : q.topPriority();
            long head = 0;
            if (ring != null) {
                int top = ring.top();
                if (pp < 0) {
                    head = ring.peek();
                    if (head != 0 && PulseRing.priority(head) >= top) {
                        pp = PulseRing.priority(head);
                    } else {
                        head = 0;
                        q = ch.pulses();
                        pp = q.topPriority();
                    }
                } else if (pp < top) {
                    q = ch.pulses();
                    pp = q.topPriority();
                }
            }
            c = pulseOnly ? null : (KThread) ch.senders.peek();
            // A pulse with stamp s is older than the message with sequence m when s <= m; a pulse
            // still in the ring is younger than every queued message (K9).
            if (c != null && (pp < 0 || c.priority > pp
                    || (c.priority == pp && (head != 0 || c.seq < q.stamp(pp))))) {
                ch.senders.poll();
                c.sendPhase(KThread.BUSY);
            } else if (head != 0) {
                try {
                    t.recvPulse = Pulses.takeHead(t, ch, ring, head, dst);
                } finally {
                    next = Pulses.passOnAfterHead(ch, q, ring);
                }
                if (next == null) {
                    Pulses.setAside(ch, q, ring, pp);
                }
                return 0;
            } else if (pp >= 0) {
                next = Pulses.passOn(ch, q);
                t.recvPulse = Pulses.take(t, ch, q, pp, dst);
                if (next == null) {
                    Pulses.setAside(ch, q, ring, pp);
                }
                return 0;
            } else {
                if (deadline != Blocking.NO_DEADLINE && deadline - System.nanoTime() <= 0) {
                    throw new KernelException(Errno.ETIMEDOUT, "msgReceive");
                }
                t.rdst = dst;
                t.rinfo = info;
                t.pulseOnly = pulseOnly;
                t.recvChannel = ch;
                t.recvError = null;
                t.show(ThreadState.RECEIVE, ch.chid);
                // Last: a sender may claim a receiver waiting in the channel's slot without the lock.
                if (pulseOnly) {
                    ch.addPulseReceiver(t);
                } else {
                    ch.addReceiver(t);
                }
            }
        } finally {
            ch.lock.unlock();
            Pulses.wake(next);
        }
        if (c != null) {
            c.servedBy(t);
            c.show(ThreadState.REPLY, p.pid);
            return receiveFrom(t, c, ch, dst, info);
        }
        return awaitReceive(p, t, ch, deadline);
    }

    /**
     * A waiting receiver leaves to take a pulse: from a slot without the lock, from a queue under
     * it; false when a sender claimed it first (it then waits for what it is handed).
     */
    private static boolean leaveForPulse(KThread t, Channel ch) {
        if (t.casRecvPhase(KThread.RECV_WAITING, KThread.RECV_IDLE)) {
            return true;
        }
        if (t.recvPhase() != KThread.RECV_QUEUED) {
            return false;
        }
        ch.acquire();
        try {
            return leave(t, ch);
        } finally {
            ch.lock.unlock();
        }
    }

    /** The receiver leaves its wait, under the lock; false when a sender claimed it first. */
    private static boolean leave(KThread t, Channel ch) {
        if (t.pulseOnly ? ch.removePulseReceiver(t) : ch.removeReceiver(t)) {
            t.recvPhase(KThread.RECV_IDLE);
            return true;
        }
        return false;
    }

    /**
     * A receiver took a client (SEND-blocked in the queue, or handed over while it waited):
     * copies its message (one copy) and makes it REPLY-blocked. A copy that fails (a buffer
     * changed under it) fails the receive with EFAULT and puts the client back, as if never
     * received.
     */
    private static long receiveFrom(KThread t, KThread c, Channel ch, ByteBuffer[] dst, MsgInfo info) {
        int n;
        try {
            n = Iov.copy(c.siov, 0, dst, 0, Integer.MAX_VALUE);
            Iov.advance(dst, n);
        } catch (RuntimeException e) {
            LOG.debug("copy into receiver failed", e);
            ch.acquire();
            try {
                c.seq = ch.queueSeq();
                ch.senders.add(c);
                c.servedBy(null);
                c.show(ThreadState.SEND, ch.owner.pid);
                c.sendPhase(KThread.SEND);
            } finally {
                ch.lock.unlock();
            }
            throw new KernelException(Errno.EFAULT, "receive buffer changed during the copy");
        }
        if (info != null) {
            fillInfo(info, c, n);
        }
        if (ch.inherits() && t.effPriority != c.priority) {
            t.effPriority = c.priority;
        }
        if (t.servingChannel != ch) {
            t.servingChannel = ch;
        }
        if (ch.lastServer != t) {
            ch.lastServer = t;
        }
        long rcvid = c.rcvid();
        c.sendPhase(KThread.REPLY);
        return rcvid;
    }

    /**
     * Undoes the hand-off of client {@code c}'s message to the calling thread when that thread
     * is a receiver that has yet to copy it: a receiver waiting on a channel with clients in
     * other JVMs or nodes takes the records of their rings itself, and a request it hands itself
     * stays uncopied until that look at the rings is over. The client's request to leave, met in
     * the same look ({@link NodePeers}), would otherwise wait for the copy, on itself. Returns
     * true when undone: the message is as good as still queued, the caller ends the call, and the
     * receiver, finding no client handed to it, receives again.
     */
    static boolean takeBack(KThread c) {
        KThread r = c.servedBy;
        // The phase first (acquire): the hand-off stored the client before it.
        if (r == null || r.thread != Thread.currentThread() || r.recvPhase() != KThread.RECV_DONE
                || r.recvClient != c || c.sendPhase() != KThread.BUSY) {
            return false;
        }
        r.recvClient = null;
        return true;
    }

    /** What {@code MsgInfo} says of client {@code c}'s message, of which {@code msglen} bytes were copied (K7). */
    static void fillInfo(MsgInfo info, KThread c, int msglen) {
        Connection conn = c.sendConn;
        info.set(c.proc.pid, c.tid, conn.channel.chid, conn.sconn.scoid, conn.coid, c.priority,
                c.unblockError != null ? MsgInfo.UNBLOCK_REQ : 0, msglen, c.slen, c.rlen);
        if (c.proc.node != null && c.proc.node.peer.nd != io.courier.kernel.Kernel.ND_LOCAL_NODE) {
            info.nd(c.proc.node.peer.nd); // A client of another node.
        }
    }

    private static long awaitReceive(Proc p, KThread t, Channel ch, long deadline) {
        IdleStrategy idle = p.mk.idle;
        int parkRound = idle.parkRound();
        boolean netClients = ch.netClients;
        // Clients on other nodes: spin, then park (NodePeers.NET_YIELD).
        int skipFrom = netClients && !NodePeers.NET_YIELD ? idle.yieldRound() : Integer.MAX_VALUE;
        int round = 0;
        boolean sleeper = false;
        boolean asleep = false;
        // A channel with clients in other JVMs or nodes: while spinning and yielding, this
        // receiver takes what their links bring itself, so their next message reaches it with
        // no consumer woken between. It stops watching before it parks, except the links of other
        // nodes (when it has had clients there), which then wake it when something comes.
        NodePeers.Peer[] watched = null;
        if (ch.nodeClients && parkRound > 0) {
            watched = p.mk.watchable; // the snapshot begun is the one ended
            NodePeers.watchBegin(watched);
        }
        try {
            for (;;) {
                if (watched != null && round >= parkRound && !asleep) {
                    if (netClients) {
                        // Clients on other nodes: their links wake this receiver when a message
                        // comes, and it takes it itself (the others are left to their consumers).
                        NodePeers.watchAsleep(watched, Thread.currentThread());
                        asleep = true;
                    } else {
                        NodePeers.watchEnd(watched);
                        watched = null;
                    }
                }
                t.announceParkFrom(round, parkRound);
                if (round >= parkRound && !sleeper) {
                    // From here on pulse senders wake this receiver; before, it watches the ring.
                    ch.addSleeper();
                    sleeper = true;
                }
                if (t.recvPhase() == KThread.RECV_DONE) {
                    break;
                }
                // A pulse in the ring: leave and take it. While spinning, the slot the next pulse
                // lands in (the senders' line is left alone); once counted as a sleeper, the ring's
                // tail, which pairs with the senders' look at the sleepers. A volatile read of the
                // ring each round: it may be made while this receiver waits.
                PulseRing ring = ch.ring();
                if (ring != null && (sleeper ? ring.maybeNonEmpty() : ring.hasPublished()) && leaveForPulse(t, ch)) {
                    return AGAIN;
                }
                Errno leave = Blocking.leaveReason(t, deadline);
                if (leave != null) {
                    ch.acquire();
                    try {
                        if (leave(t, ch)) {
                            throw new KernelException(leave, "msgReceive");
                        }
                    } finally {
                        ch.lock.unlock();
                    }
                    // Claimed by a sender: the hand-off is a few stores away; take it.
                    for (int r = 0; t.recvPhase() != KThread.RECV_DONE; r++) {
                        Blocking.pause(r);
                    }
                    if (leave == Errno.EINTR) {
                        Thread.currentThread().interrupt();
                    }
                    break;
                }
                if (watched != null) {
                    if (asleep) {
                        NodePeers.watchAsleepRound(watched);
                    } else {
                        NodePeers.watchRound(watched);
                    }
                    if (t.recvPhase() == KThread.RECV_DONE) {
                        continue;
                    }
                }
                if (round >= skipFrom && round < parkRound) {
                    round = parkRound; // announced and checked once more before the park
                    continue;
                }
                round = Blocking.idle(t, idle, round, deadline);
            }
            t.recvPhase(KThread.RECV_IDLE);
            KThread c = t.recvClient;
            if (c != null) {
                t.recvClient = null;
                return receiveFrom(t, c, ch, t.rdst, t.rinfo);
            }
            if (t.recvError != null) {
                throw new KernelException(t.recvError, "msgReceive");
            }
            // Woken by a pulse sender: receive again.
            return AGAIN;
        } finally {
            if (watched != null) {
                if (asleep) {
                    NodePeers.watchAsleepEnd(watched, Thread.currentThread());
                } else {
                    NodePeers.watchEnd(watched);
                }
            }
            if (sleeper) {
                ch.removeSleeper();
            }
            t.endWait();
            t.show(ThreadState.READY, -1);
            t.rdst = null;
            t.rinfo = null;
            t.recvChannel = null;
        }
    }
}
