package io.courier.asyncmsg.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Signals;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending end of an asynchronous connection to a channel of another JVM of the node (issue
 * 20, B2). The connection ({@link Conn}) buffers and triggers exactly as a local one; where a
 * local receiver's get would copy the delivered messages out, this connection's pump thread sends
 * them, as one kernel message through the client process's own {@link Kernel}, to the
 * {@link NodeGateway} of the server's JVM, which puts them into the channel and answers at once
 * with the outcomes it knows so far; the next batch goes while this one is got there. A message's
 * slot is consumed here, and its callback run, when its outcome is told (by a later reply, or by
 * the reply to a WAIT the pump sends when it has nothing new to send). At most
 * {@link NodeBatchLayout#window} messages are sent and without an outcome; one request is on its
 * way at a time, in order, so order is kept and nothing is sent twice.
 *
 * <p>To a channel of another node (issue 21, B3), the same through that node's gateway, found
 * among its global names. Store and forward: while the link to that node is down, what is put
 * stays here (up to the connection's buffers, EAGAIN beyond, as locally); when it comes back, the
 * connection attaches again, the gateway says where it stopped (it kept the connection), the
 * messages it took already count as delivered, and the rest go: none lost, none twice, in order.
 */
final class NodeSender {
    private static final Logger LOG = LoggerFactory.getLogger(NodeSender.class);
    /** How often an idle pump looks whether the server's JVM is still in the node. */
    private static final long LIVENESS_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /**
     * How long a node whose link came back may take to attach its gateway's name. The names it
     * holds are known at once (the kernel waits for the list a node tells when it comes up);
     * this is for a node whose JVM restarted, whose gateway attaches its name when its
     * asynchronous messaging starts, a little after its link is up.
     */
    static final long GATEWAY_GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** How often a connection whose link is down looks whether it came back. */
    private static final long RESUME_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    final AsyncProc owner;
    final int pid;
    final int chid;
    /** The server's node: 0 for a member of this node, else its nd. */
    final int nd;
    private final int member;
    private final Kernel kernel;
    /**
     * The longest batch request to the server's gateway: {@link NodeBatchLayout#MAX_REQUEST}
     * within the node; to another node, what one record of its link carries less the kernel's
     * own header ({@link #KERNEL_HEADER_ROOM}), when that is less.
     */
    final int maxRequest;
    private Conn conn;
    private int kcoid = -1;
    private int token;
    private Thread pump;

    NodeSender(AsyncProc owner, int pid, int chid, int member) {
        this(owner, Kernel.ND_LOCAL_NODE, pid, chid, member);
    }

    /** To process {@code pid} of node {@code nd} of the network. */
    static NodeSender toNode(AsyncProc owner, int nd, int pid, int chid) {
        return new NodeSender(owner, nd, pid, chid, -1);
    }

    private NodeSender(AsyncProc owner, int nd, int pid, int chid, int member) {
        this.owner = owner;
        this.nd = nd;
        this.pid = pid;
        this.chid = chid;
        this.member = member;
        this.kernel = owner.kernel;
        this.maxRequest = maxRequest(kernel, nd);
    }

    /** Room kept in a network record for the kernel's own header of a message to another node (64 bytes today). */
    static final int KERNEL_HEADER_ROOM = 256;

    /**
     * The longest batch request to node {@code nd}'s gateway: a network link's record carries
     * less than a node's rings (about 128 KiB against 512 KiB).
     *
     * @throws KernelException EHOSTDOWN when the node's link is down (nothing to size it by)
     */
    private static int maxRequest(Kernel kernel, int nd) {
        if (nd == Kernel.ND_LOCAL_NODE) {
            return NodeBatchLayout.MAX_REQUEST;
        }
        io.courier.node.Network net = kernel.microkernel().network();
        io.courier.node.Link link = net == null ? null : net.link(nd);
        if (link == null) {
            throw new KernelException(Errno.EHOSTDOWN, "node " + nd + " is down");
        }
        return Math.min(NodeBatchLayout.MAX_REQUEST, link.maxPayload() - KERNEL_HEADER_ROOM);
    }

    /** Where the server is, for messages: " (another JVM)" or " (node N)". */
    private String where() {
        return nd == Kernel.ND_LOCAL_NODE ? " (another JVM)" : " (node " + nd + ")";
    }

    /** The longest single message a connection through this sender takes (longer: EMSGSIZE at put). */
    int maxMessage() {
        return maxRequest - NodeBatchLayout.HEADER - 4;
    }

    /** A connection to the gateway of the server's JVM: by its node-wide name, or among the global names of its node. */
    private int openGateway() {
        if (nd == Kernel.ND_LOCAL_NODE) {
            return kernel.nameOpen(NodeGateway.name(member), 0);
        }
        io.courier.kernel.NameInfo n = nodeGateway();
        if (n != null) {
            return kernel.connectAttach(nd, n.pid(), n.chid(), Kernel.SIDE_CHANNEL, 0);
        }
        if (kernel.microkernel().network() != null && kernel.microkernel().network().link(nd) == null) {
            throw new KernelException(Errno.EHOSTDOWN, "node " + nd + " is down");
        }
        throw new KernelException(Errno.ESRCH, "node " + nd + " has no asynchronous-messaging gateway");
    }

    /**
     * The gateway of node {@code nd} of the network among the global names it told, or null.
     * Right after the node came (back) up, the kernel's {@code globalNames} waits for the list
     * of names it tells first: a gateway it has then is never missed.
     */
    private io.courier.kernel.NameInfo nodeGateway() {
        for (io.courier.kernel.NameInfo n : kernel.microkernel().globalNames(nd)) {
            if (n.name().startsWith(NodeGateway.PREFIX)) {
                return n;
            }
        }
        return null;
    }

    /** Whether the server's node is up now (a member of this node: whether its JVM lives). */
    private boolean reachable() {
        if (nd == Kernel.ND_LOCAL_NODE) {
            return owner.kernel.microkernel().nodeMemberOf(pid) >= 0;
        }
        io.courier.node.Network net = kernel.microkernel().network();
        return net != null && net.link(nd) != null;
    }

    /**
     * Asks the gateway of the server's JVM for a connection to {@code pid}/{@code chid} and starts
     * the pump. The errors are a local attach's: ESRCH (no such process or asynchronous channel),
     * ENXIO (the process is terminating), EACCES (the channel's mode).
     */
    void attach(Conn c) {
        this.conn = c;
        long next = attachGateway(0);
        if (next != 0) {
            closeQuietly(kcoid);
            throw new KernelException(Errno.EIO, "the gateway of process " + pid + " answered a first attach with " + next);
        }
        // A platform thread: it waits for each batch's reply yielding, and takes the reply from the
        // ring itself. A virtual thread yields at most 10 µs there (each yield remounts it), then
        // parks; the reply then wakes the ring's consumer in this JVM by its futex, which wakes
        // the pump: two wake-ups a batch, which held asyncmsg across JVMs at 12–17 M messages a
        // second against 18–22 M (RESULTS.md).
        pump = Thread.ofPlatform().daemon().name("courier-asyncmsg-node-" + owner.pid + "-" + c.coid).unstarted(this::run);
        pump.start();
    }

    /**
     * Attaches through the gateway ({@code from}: the first message without an outcome here);
     * returns the index of the next message the gateway takes.
     */
    private long attachGateway(long from) {
        int coid;
        try {
            coid = openGateway();
        } catch (KernelException e) {
            if (e.errno() == Errno.EHOSTDOWN || e.errno() == Errno.EHOSTUNREACH || e.errno() == Errno.EINTR) {
                throw e;
            }
            throw new KernelException(Errno.ESRCH, "no asynchronous channel " + chid + " in process " + pid
                    + " (its JVM serves none: " + e.getMessage() + ")");
        }
        ByteBuffer h = ByteBuffer.allocate(NodeBatchLayout.ATTACH_LENGTH).order(java.nio.ByteOrder.nativeOrder());
        h.putInt(0, NodeBatchLayout.MAGIC).putInt(NodeBatchLayout.OP, NodeBatchLayout.ATTACH)
                .putInt(NodeBatchLayout.PID, pid).putInt(NodeBatchLayout.CHID, chid)
                .putInt(NodeBatchLayout.CLIENT_COID, conn.coid).putInt(NodeBatchLayout.BUFFER_SIZE, conn.attr.bufferSize())
                .putInt(NodeBatchLayout.MAX_NUM_BUFFER, conn.attr.maxNumBuffer()).putLong(NodeBatchLayout.HEADER, from);
        ByteBuffer r = ByteBuffer.allocate(NodeBatchLayout.ATTACH_REPLY).order(java.nio.ByteOrder.nativeOrder());
        try {
            token = kernel.msgSend(coid, h, r);
        } catch (KernelException e) {
            closeQuietly(coid);
            Errno err = switch (e.errno()) {
                case ESRCH, ENXIO, EACCES, EHOSTDOWN -> e.errno();
                default -> Errno.ESRCH;
            };
            throw new KernelException(err, e.getMessage());
        }
        long next = r.position() == NodeBatchLayout.ATTACH_REPLY ? r.getLong(0) : -1;
        // It took at most a window past the first without an outcome here.
        if (next < from || next - from > NodeBatchLayout.window(conn.attr.maxNumBuffer())) {
            closeQuietly(coid);
            throw new KernelException(Errno.EIO, "the gateway of process " + pid + " answered an attach from message "
                    + from + " with " + next);
        }
        kcoid = coid;
        return next;
    }

    /**
     * The link to the server's node went down under a batch or between batches (issue 21): waits
     * for it to come back, attaches again and skips what the gateway took already. False when
     * the connection ends meanwhile (detached here, or its channel gone over there).
     */
    private boolean resume() {
        closeQuietly(kcoid);
        kcoid = -1;
        LOG.info("asyncmsg: the link of pid {} coid {} to node {} is down; its messages wait", owner.pid, conn.coid, nd);
        long upSince = 0;
        while (true) {
            int st = conn.state();
            if (st == Conn.CLOSED || st == Conn.DEAD) {
                return false;
            }
            if (!reachable()) {
                upSince = 0;
                LockSupport.parkNanos(this, RESUME_POLL_NANOS);
                continue;
            }
            if (upSince == 0) {
                upSince = System.nanoTime();
            }
            // The names the node holds are known here once it is up (the kernel waits for the list
            // it tells first). A node whose JVM restarted attaches its gateway's name only when its
            // asynchronous messaging starts, a little after its link is up: that gateway is waited
            // for a while before the connection ends as one the node no longer serves.
            if (nodeGateway() == null && System.nanoTime() - upSince < GATEWAY_GRACE_NANOS) {
                LockSupport.parkNanos(this, RESUME_POLL_NANOS);
                continue;
            }
            long from = conn.firstWithoutOutcome();
            long next;
            try {
                next = attachGateway(from);
            } catch (KernelException e) {
                if (e.errno() == Errno.ESRCH || e.errno() == Errno.ENXIO || e.errno() == Errno.EACCES
                        || e.errno() == Errno.EIO) {
                    if (reachable()) {
                        conn.remoteGone("process " + pid + " of node " + nd + " no longer takes it: " + e.getMessage());
                        return false;
                    }
                }
                LockSupport.parkNanos(this, RESUME_POLL_NANOS);
                continue;
            }
            // What the gateway took before the link went counts as delivered.
            if (next > from) {
                conn.remoteOutcome(from, (int) (next - from), null, null, 0);
            }
            conn.sent(next);
            LOG.info("asyncmsg: pid {} coid {} resumed to node {} from message {}", owner.pid, conn.coid, nd, next);
            return true;
        }
    }

    /**
     * Messages were delivered (a trigger, flush, failure or detach): the pump looks, if it is idle.
     * A pump in a request looks anyway when it is back; an unpark then would only end its wait
     * for the reply early, again and again, at every trigger.
     */
    void wake() {
        Thread t = pump;
        if (t != null && (boolean) IDLE.getVolatile(this)) {
            LockSupport.unpark(t);
        }
    }

    /** Whether the pump is about to park with nothing to do; volatile (Dekker with {@link #wake}). */
    @SuppressWarnings("unused")
    private boolean idle;
    private static final java.lang.invoke.VarHandle IDLE;

    static {
        try {
            IDLE = java.lang.invoke.MethodHandles.lookup().findVarHandle(NodeSender.class, "idle", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private void run() {
        try {
            kernel.signalProcmask(Signals.SIG_BLOCK, -1L);
        } catch (KernelException e) {
            // The process is dying: the loop finds out.
        }
        int max = NodeGateway.batchLimit(conn.attr.maxNumBuffer());
        int window = NodeBatchLayout.window(conn.attr.maxNumBuffer());
        ByteBuffer reply = NodeBatchLayout.reply(NodeBatchLayout.MAX_OUTCOMES);
        ByteBuffer header = NodeBatchLayout.header();
        ByteBuffer packed = ByteBuffer.allocate(maxRequest).order(header.order());
        // The first message not sent yet: from the first without an outcome on.
        long next = conn.firstWithoutOutcome();
        try {
            for (;;) {
                int st = conn.state();
                if (st == Conn.CLOSED) {
                    detach();
                    return;
                }
                if (st == Conn.DEAD) {
                    closeQuietly(kcoid);
                    return;
                }
                long first = conn.firstWithoutOutcome();
                next = Math.max(next, first);
                int room = (int) Math.min(max, window - (next - first));
                // The request: the header (written by request()), a length per message, the bytes.
                packed.clear();
                int n = room <= 0 ? 0 : conn.packForRemote(next, room, packed, NodeBatchLayout.HEADER,
                        maxRequest - NodeBatchLayout.HEADER - 4L * max);
                int sent;
                if (n > 0) {
                    // A batch that leaves no room (the ring, or the window, all sent) would be
                    // followed by a WAIT: the gateway answers it as one, a round trip fewer.
                    boolean full = next + n - first >= window;
                    sent = send(packed, reply, next, n, full);
                    if (sent == SENT) {
                        next += n;
                    }
                } else if (next > first) {
                    // Nothing new to send: the outcomes of what was sent are waited for.
                    sent = await(header, reply, first, next);
                } else {
                    if (st == Conn.SENDER_GONE && conn.drainedAfterSender()) {
                        conn.retire();
                        return;
                    }
                    // Idle, then a last look: a put (or a state change) after it finds the flag and unparks.
                    IDLE.setVolatile(this, true);
                    if (conn.delivered() == next && conn.state() == st) {
                        LockSupport.parkNanos(this, LIVENESS_NANOS);
                    }
                    IDLE.setVolatile(this, false);
                    if (conn.state() == Conn.OPEN && !reachable()) {
                        if (nd == Kernel.ND_LOCAL_NODE) {
                            conn.remoteGone("the JVM of process " + pid + " left the node");
                        } else if (!resume()) {
                            return;
                        }
                    }
                    continue;
                }
                if (sent == LINK_DOWN) {
                    if (!resume()) {
                        return;
                    }
                    next = conn.firstWithoutOutcome();
                    continue;
                }
                if (sent == OVER) {
                    return;
                }
            }
        } catch (Throwable t) {
            // A library thread must not die silently: the connection fails as if the channel went.
            LOG.error("asyncmsg: the node sender of pid {} coid {} failed", owner.pid, conn.coid, t);
            conn.remoteGone("its node sender failed");
            closeQuietly(kcoid);
        }
    }

    private static final int SENT = 0;
    private static final int OVER = 1;
    private static final int LINK_DOWN = 2;

    /**
     * Sends one batch, packed into {@code packed} up to its limit, and applies the outcomes told
     * with it: SENT, OVER (the connection is over) or LINK_DOWN (another node's link went).
     */
    private int send(ByteBuffer packed, ByteBuffer reply, long first, int n, boolean thenWait) {
        // Their bytes are in the request: their room here is the sender's again while it travels
        // (their slots keep buffer, handle and callback until the outcomes are told, or a resend).
        conn.sent(first + n);
        return request(packed, thenWait ? NodeBatchLayout.BATCH_WAIT : NodeBatchLayout.BATCH, first, n,
                packed.limit() - NodeBatchLayout.HEADER - 4 * n, reply, first + n);
    }

    /** Sends a WAIT for the outcomes of the messages from {@code first} (up to {@code end}, sent) and applies them. */
    private int await(ByteBuffer header, ByteBuffer reply, long first, long end) {
        header.clear();
        return request(header, NodeBatchLayout.WAIT, first, 0, 0, reply, end);
    }

    /**
     * Writes the header of request {@code op} into {@code req} (its messages, if any, after it up
     * to its limit), sends it and applies the outcomes its reply tells, whose status must be
     * {@code count}. Returns SENT, OVER or LINK_DOWN.
     */
    private int request(ByteBuffer req, int op, long first, int count, int bytes, ByteBuffer reply, long end) {
        req.putInt(0, NodeBatchLayout.MAGIC).putInt(NodeBatchLayout.OP, op).putInt(NodeBatchLayout.TOKEN, token)
                .putInt(NodeBatchLayout.COUNT, count).putLong(NodeBatchLayout.SEQ, first)
                .putInt(NodeBatchLayout.BYTES, bytes).putInt(NodeBatchLayout.RESERVED, 0);
        reply.clear();
        int status;
        try {
            status = kernel.msgSend(kcoid, req, reply);
        } catch (KernelException e) {
            return failed(e);
        }
        return told(reply, status, count, end);
    }

    /** A request failed: the connection's end here (OVER), or the link to another node went (LINK_DOWN). */
    private int failed(KernelException e) {
        if (conn.state() == Conn.CLOSED) {
            detach();
            return OVER;
        }
        if (nd != Kernel.ND_LOCAL_NODE && (e.errno() == Errno.ESRCH || e.errno() == Errno.EBADF
                || e.errno() == Errno.EHOSTDOWN) && !reachable()) {
            return LINK_DOWN; // Store and forward: what was not told waits for the link.
        }
        conn.remoteGone("process " + pid + where() + " did not take a request: " + e.errno());
        closeQuietly(kcoid);
        return OVER;
    }

    /**
     * Applies the outcomes a reply tells ({@code status} must be {@code expected}; they may run
     * up to {@code end}, the messages sent). The reply is bounds-checked as a request is
     * ({@link NodeBatchLayout#checkOutcomes}): a count or an index that is not ours, or an errno
     * that is not one, ends the connection instead of being believed.
     */
    private int told(ByteBuffer reply, int status, int expected, long end) {
        int got = reply.position();
        int f;
        try {
            f = NodeBatchLayout.checkOutcomes(reply, got, failedAt, failedErr);
        } catch (KernelException e) {
            return garbled(e.getMessage());
        }
        int flags = reply.getInt(0);
        int m = reply.getInt(NodeBatchLayout.OUT_COUNT);
        long from = reply.getLong(NodeBatchLayout.OUT_FROM);
        long first = conn.firstWithoutOutcome();
        int st = conn.state();
        boolean ours = st == Conn.CLOSED || st == Conn.DEAD || from == first;
        if (status != expected || !ours || from + m > end) {
            return garbled("process " + pid + "'s JVM answered a request of " + expected + " with " + status
                    + " and " + m + " outcomes from " + from + " (expected from " + first + " up to " + end + ")");
        }
        if (m > 0) {
            conn.remoteOutcome(from, m, failedAt, failedErr, f);
        }
        if ((flags & NodeBatchLayout.DEAD) != 0) {
            conn.remoteGone("channel " + pid + "/" + chid + where() + " was destroyed");
            closeQuietly(kcoid);
            return OVER;
        }
        return SENT;
    }

    /** The places and errnos of the failures a reply tells; the pump's. */
    private final int[] failedAt = new int[NodeBatchLayout.MAX_OUTCOMES];
    private final int[] failedErr = new int[NodeBatchLayout.MAX_OUTCOMES];

    /** A reply that does not add up: the connection ends as if the channel went. */
    private int garbled(String why) {
        conn.remoteGone(why);
        closeQuietly(kcoid);
        return OVER;
    }

    /** The connection was detached here: the gateway's connection is closed too. */
    private void detach() {
        ByteBuffer h = NodeBatchLayout.header();
        h.putInt(0, NodeBatchLayout.MAGIC).putInt(NodeBatchLayout.OP, NodeBatchLayout.DETACH)
                .putInt(NodeBatchLayout.TOKEN, token);
        try {
            kernel.msgSend(kcoid, h, null);
        } catch (KernelException e) {
            // The other JVM or its channel is gone: nothing to close there.
        }
        closeQuietly(kcoid);
    }

    private void closeQuietly(int coid) {
        if (coid < 0) {
            return;
        }
        try {
            kernel.connectDetach(coid);
        } catch (KernelException e) {
            // Gone with the process or the other JVM.
        }
    }
}
