package io.courier.kernel.internal;

import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Errno;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.KernelException;
import io.courier.kernel.PulseCode;
import io.courier.kernel.ThreadState;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The send side of message passing: {@code MsgSend()} and its IOV forms. A send publishes its
 * request in the client's {@link KThread}, hands the client to a receiver waiting in the
 * channel's slot (no lock) or in its queue, or queues it SEND-blocked; then the client waits,
 * REPLY-blocked, for its reply on its own signal line, and leaves early only as K13 says. Also
 * here: how a server claims a REPLY-blocked client for an operation ({@link #claim}) and how a
 * send is completed ({@link #finishSend}), which {@link MsgReply} and {@link Channels} use.
 *
 * <p>SPEC K3 (send, SEND- then REPLY-blocked), K5 (IOVs), K9 (queued by priority then age), K10
 * (a queued message boosts the server), K13 (leaving a send: timeout, signal, interrupt, UNBLOCK
 * channels), K19 (send-cycle check before queueing); msgSend's exact errors.
 */
final class MsgSend {
    private MsgSend() {
    }

    static int msgSend(Proc p, int coid, ByteBuffer smsg, ByteBuffer rmsg, Duration timeout) {
        KThread t = p.self();
        if (smsg == null) {
            throw new KernelException(Errno.EFAULT, "send message is null");
        }
        if (rmsg != null && rmsg.isReadOnly()) {
            throw new KernelException(Errno.EFAULT, "reply buffer is read-only");
        }
        // Stored only when they change, and kept after the call: the server then reads lines
        // the client has not written since.
        return send(p, t, coid, Iov.holding(t.oneSend, smsg), rmsg == null ? Iov.NONE : Iov.holding(t.oneReply, rmsg),
                timeout);
    }

    static int msgSendv(Proc p, int coid, ByteBuffer[] siov, ByteBuffer[] riov, Duration timeout) {
        KThread t = p.self();
        return send(p, t, coid, Iov.source(siov, "send IOV"),
                riov == null ? Iov.NONE : Iov.destination(riov, "reply IOV"), timeout);
    }

    static int msgSendsv(Proc p, int coid, ByteBuffer smsg, ByteBuffer[] riov) {
        return msgSendv(p, coid, smsg == null ? null : new ByteBuffer[] {smsg}, riov, null);
    }

    static int msgSendvs(Proc p, int coid, ByteBuffer[] siov, ByteBuffer rmsg) {
        if (rmsg != null && rmsg.isReadOnly()) {
            throw new KernelException(Errno.EFAULT, "reply buffer is read-only");
        }
        return msgSendv(p, coid, siov, rmsg == null ? null : new ByteBuffer[] {rmsg}, null);
    }

    private static int send(Proc p, KThread t, int coid, ByteBuffer[] siov, ByteBuffer[] riov, Duration timeout) {
        if (!Trace.ENABLED || !Trace.sendRecorded()) {
            return sendNow(p, t, coid, siov, riov, timeout);
        }
        Trace.Send e = new Trace.Send();
        e.begin();
        try {
            int status = sendNow(p, t, coid, siov, riov, timeout);
            e.status = status;
            return status;
        } catch (KernelException x) {
            e.error = x.errno().name();
            throw x;
        } finally {
            e.end();
            if (e.shouldCommit()) {
                Connection c = p.connection(coid);
                e.pid = p.pid;
                e.tid = t.tid;
                e.coid = coid;
                e.rcvid = t.rcvid();
                e.bytes = Iov.length(siov);
                if (c != null) {
                    e.serverPid = c.channel.owner.pid;
                    e.chid = c.channel.chid;
                }
                e.commit();
            }
        }
    }

    private static int sendNow(Proc p, KThread t, int coid, ByteBuffer[] siov, ByteBuffer[] riov, Duration timeout) {
        Connection conn = Connections.live(p, coid);
        Channel ch = conn.channel;
        if (ch.remote != null) {
            // A channel of another JVM of the node: its endpoint moves the message and the reply.
            if (t.sendConn != conn) {
                t.sendConn = conn; // What a send-cycle walk follows (K19).
            }
            return ch.remote.send(p, t, siov, riov, timeout);
        }
        if (ch.owner.life != Proc.Life.ALIVE) {
            throw new KernelException(Errno.ENXIO, "server process " + ch.owner.pid + " is terminating");
        }
        long sendDeadline = Blocking.deadline(t, timeout, ThreadState.SEND);
        long replyDeadline = Blocking.deadline(t, timeout, ThreadState.REPLY);
        if (t.timeoutStates != null) {
            t.timeoutStates = null;
        }
        enqueue(p, t, conn, siov, riov);
        return awaitReply(p, t, ch, sendDeadline, replyDeadline);
    }

    /**
     * The send of a thread that stands for a client of another JVM of the node ({@link
     * NodePeers}): the request is handed to a receiver or queued exactly as a local client's,
     * but nobody waits here; the server's reply, error or the channel's end reaches the stand-in
     * through {@link #finishSend}, and its client leaves through {@link #unqueue} or a claim.
     */
    static void post(Proc p, KThread t, Connection conn, ByteBuffer[] siov, ByteBuffer[] riov) {
        if (conn.channel.owner.life != Proc.Life.ALIVE) {
            throw new KernelException(Errno.ENXIO, "server process " + conn.channel.owner.pid + " is terminating");
        }
        enqueue(p, t, conn, siov, riov);
    }

    /** Publishes the request, then hands the client to a waiting receiver or queues it SEND-blocked. */
    private static void enqueue(Proc p, KThread t, Connection conn, ByteBuffer[] siov, ByteBuffer[] riov) {
        Channel ch = conn.channel;
        publishRequest(t, conn, siov, riov);
        t.nextGen();
        // A receiver parked in the channel's slot is taken without the lock, unless a pulse may
        // be waiting (in the ring or set aside for receivers): then the lock decides which goes
        // first (K9).
        PulseRing ring = ch.ring();
        KThread r = ch.destroyed || ring != null && (ring.maybeNonEmpty() || ch.batchOpen()) ? null : ch.claimWaiting();
        if (r != null) {
            t.sendPhase(KThread.BUSY);
        } else {
            r = sendLocked(p, t, conn.coid, ch);
        }
        if (r != null) {
            handOff(t, r, ch);
        }
    }

    /**
     * Publishes what the server reads of a message, each field stored only when it changes: a
     * client that sends alike again and again leaves those lines shared with its server.
     */
    private static void publishRequest(KThread t, Connection conn, ByteBuffer[] siov, ByteBuffer[] riov) {
        if (t.siov != siov) {
            t.siov = siov;
        }
        if (t.riov != riov) {
            t.riov = riov;
        }
        int slen = Iov.length(siov);
        if (t.slen != slen) {
            t.slen = slen;
        }
        int rlen = Iov.length(riov);
        if (t.rlen != rlen) {
            t.rlen = rlen;
        }
        if (t.sendConn != conn) {
            t.sendConn = conn;
        }
        if (t.unblockError != null) {
            t.unblockError = null;
        }
        int priority = t.effPriority;
        if (t.priority != priority) {
            t.priority = priority;
        }
        if (t.replyExtent != 0) {
            t.replyExtent = 0;
        }
        if (t.status != 0) {
            t.status = 0;
        }
        if (t.error != null) {
            t.error = null;
        }
    }

    /** The send under the channel's lock: takes a waiting receiver, or queues the sender; returns the receiver or null. */
    private static KThread sendLocked(Proc p, KThread t, int coid, Channel ch) {
        KThread r;
        KThread back = null;
        Deadlocks.Probe probe = null;
        ch.acquire();
        try {
            if (ch.destroyed) {
                throw new KernelException(Errno.EBADF, "channel of connection " + coid + " is gone");
            }
            r = ch.pollReceiver();
            if (r != null && ch.pulsesWaiting()) {
                // A pulse came first (K9): the message queues, and the receiver comes back for
                // whichever of them is first by priority, then age.
                back = r;
                r = null;
            }
            if (r == null) {
                try {
                    if (p.mk.detectDeadlocks) {
                        probe = Deadlocks.check(t, ch);
                    }
                } catch (KernelException e) {
                    clearSend(t);
                    throw e;
                }
                t.seq = ch.queueSeq();
                ch.senders.add(t);
                t.blockedOn = ch.owner.pid;
                t.state = ThreadState.SEND;
                t.sendPhase(KThread.SEND);
                Threads.boost(ch, t.priority);
            } else {
                t.sendPhase(KThread.BUSY);
            }
        } finally {
            ch.lock.unlock();
            if (back != null) {
                Pulses.comeBack(back);
            }
        }
        if (probe != null) {
            // The chain goes on in another JVM of the node: its kernel walks on (K19).
            probe.send();
        }
        return r;
    }

    /**
     * Hands a client to a receiver that was waiting, and wakes it: the receiver copies the
     * message itself (one copy, from the client's buffers, which stay still while it is
     * blocked), so the client writes nothing of the receiver's but its signal line.
     */
    private static void handOff(KThread c, KThread r, Channel ch) {
        c.servedBy(r);
        c.show(ThreadState.REPLY, ch.owner.pid);
        r.recvClient = c;
        r.recvPhaseVolatile(KThread.RECV_DONE);
        r.wake();
    }

    private static int awaitReply(Proc p, KThread t, Channel ch, long sendDeadline, long replyDeadline) {
        Errno leave = null;
        boolean unblockSent = false;
        boolean interruptSeen = false;
        boolean timed = sendDeadline != Blocking.NO_DEADLINE || replyDeadline != Blocking.NO_DEADLINE;
        int gen = t.gen;
        IdleStrategy idle = p.mk.idle;
        int parkRound = idle.parkRound();
        int round = 0;
        try {
            for (;;) {
                t.announceParkFrom(round, parkRound);
                // The signal line only: the server's changes to the phase stay on its core meanwhile.
                if (t.doneGen == gen) {
                    break;
                }
                long deadline = !timed || unblockSent ? Blocking.NO_DEADLINE
                        : t.sendPhase() == KThread.SEND ? sendDeadline : replyDeadline;
                if (leave == null || unblockSent) {
                    Errno unblock;
                    if (t.dead || p.life != Proc.Life.ALIVE || round >= parkRound && ch.destroyed) {
                        // The channel's end finishes its blocked clients with ESRCH (Channels.destroy);
                        // one that its scan missed (handed to a receiver without the lock just as the
                        // channel went) ends itself the same way, by the same compare-and-set, once it
                        // waits long enough to park (the reaper wakes it): a spinning wait reads no
                        // line of the channel's.
                        leave = Errno.ESRCH;
                        unblockSent = false;
                    } else if ((unblock = t.takeUnblock()) != null) {
                        if (leave == null) {
                            leave = unblock;
                        }
                    } else if (Thread.interrupted()) {
                        interruptSeen = true;
                        if (leave == null) {
                            leave = Errno.EINTR;
                        }
                    } else if (deadline != Blocking.NO_DEADLINE && leave == null && System.nanoTime() - deadline >= 0) {
                        leave = Errno.ETIMEDOUT;
                    }
                }
                if (leave != null && !unblockSent) {
                    int phase = t.sendPhase();
                    if (phase == KThread.SEND) {
                        if (unqueue(t, ch)) {
                            throw left(t, leave);
                        }
                        continue;
                    }
                    if (phase == KThread.REPLY) {
                        if (leave != Errno.ESRCH && ch.has(ChannelFlags.UNBLOCK) && !ch.destroyed) {
                            // SPEC K13: the client stays REPLY-blocked; the server hears of it.
                            t.unblockError = leave;
                            unblockSent = true;
                            Pulses.postKernel(ch, new PulseItem(t.priority, PulseCode.UNBLOCK, t.rcvid(),
                                    t.sendConn.sconn.scoid, null));
                            round = 0;
                            t.clearParked();
                            continue;
                        }
                        if (t.casSendPhase(KThread.REPLY, KThread.IDLE)) {
                            throw left(t, leave);
                        }
                        continue;
                    }
                    // BUSY: a receiver is taking the message or a server copying; it will be REPLY or
                    // DONE soon. Yield after a while: that receiver may wait for this carrier.
                    Blocking.pause(round++);
                    continue;
                }
                round = Blocking.idle(t, idle, round, deadline);
            }
        } finally {
            t.endWait();
        }
        Iov.advance(t.riov, t.replyExtent);
        Errno err = t.error;
        int status = t.status;
        t.sendPhase(KThread.IDLE);
        clearSend(t);
        if (interruptSeen && err == null) {
            // The interrupt did not end the call: keep it for the caller.
            Thread.currentThread().interrupt();
        }
        if (err != null) {
            throw new KernelException(err, "msgSend");
        }
        return status;
    }

    /** Takes a SEND-blocked client out of its channel's queue; false if a receiver took it first. */
    static boolean unqueue(KThread t, Channel ch) {
        ch.acquire();
        try {
            if (t.sendPhase() == KThread.SEND) {
                ch.senders.remove(t);
                t.sendPhase(KThread.IDLE);
                return true;
            }
            return false;
        } finally {
            ch.lock.unlock();
        }
    }

    private static KernelException left(KThread t, Errno why) {
        clearSend(t);
        return new KernelException(why, "msgSend");
    }

    /** The send is over; the request fields stay (the server reads them again only for the next message). */
    static void clearSend(KThread t) {
        t.servedBy(null);
        t.show(ThreadState.READY, -1);
    }

    /** Completes a client's send with a status or an error and wakes it if it parks. */
    static void finishSend(KThread c, int status, Errno error) {
        if (Trace.ENABLED && Trace.replyRecorded()) {
            Trace.Reply e = new Trace.Reply();
            if (e.shouldCommit()) {
                Connection conn = c.sendConn;
                e.pid = conn == null ? 0 : conn.channel.owner.pid;
                e.rcvid = c.rcvid();
                e.status = status;
                e.error = error == null ? null : error.name();
                e.commit();
            }
        }
        c.status = status;
        c.error = error;
        NodePeers.RemoteProc remote = c.proc.node;
        if (remote != null) {
            // A client of another JVM: its outcome goes back through the node's ring.
            remote.finished(c, status, error);
            return;
        }
        c.sendPhase(KThread.DONE);
        c.doneGen = c.gen; // volatile: the fence before wake() reads the announcement
        c.wake();
    }

    /**
     * Takes a REPLY-blocked client for a server operation (REPLY to BUSY). Fails if the client
     * left or moved on to another message (its generation changed).
     */
    static boolean claim(KThread c, int gen) {
        for (int round = 0;; round++) {
            int phase = c.sendPhase();
            if (c.gen != gen) {
                return false;
            }
            if (phase == KThread.REPLY) {
                if (c.casSendPhase(KThread.REPLY, KThread.BUSY)) {
                    if (c.gen == gen) {
                        return true;
                    }
                    c.sendPhase(KThread.REPLY);
                    return false;
                }
            } else if (phase == KThread.BUSY) {
                Blocking.pause(round);
            } else {
                return false;
            }
        }
    }

    /** The client behind {@code rcvid}, claimed for server {@code p}; ESRCH otherwise. */
    static KThread claimClient(Proc p, long rcvid) {
        KThread c = rcvid <= 0 ? null : p.mk.slot((int) rcvid);
        int gen = (int) (rcvid >>> 32);
        if (c == null || !claim(c, gen)) {
            throw new KernelException(Errno.ESRCH, "rcvid " + rcvid + " is not REPLY-blocked");
        }
        Connection conn = c.sendConn;
        if (conn == null || conn.channel.owner != p) {
            c.sendPhase(KThread.REPLY);
            throw new KernelException(Errno.ESRCH, "rcvid " + rcvid + " belongs to another process");
        }
        return c;
    }
}
