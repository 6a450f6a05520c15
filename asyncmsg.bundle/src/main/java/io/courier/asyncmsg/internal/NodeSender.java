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
 * {@link NodeGateway} of the server's JVM, which puts them into the channel and answers once each
 * was got or failed there. Then their slots are consumed here and their callbacks run. One batch
 * is on its way at a time, so order is kept and nothing is sent twice.
 */
final class NodeSender {
    private static final Logger LOG = LoggerFactory.getLogger(NodeSender.class);
    /** How often an idle pump looks whether the server's JVM is still in the node. */
    private static final long LIVENESS_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    final AsyncProc owner;
    final int pid;
    final int chid;
    private final int member;
    private final Kernel kernel;
    private Conn conn;
    private int kcoid = -1;
    private int token;
    private Thread pump;

    NodeSender(AsyncProc owner, int pid, int chid, int member) {
        this.owner = owner;
        this.pid = pid;
        this.chid = chid;
        this.member = member;
        this.kernel = owner.kernel;
    }

    /**
     * Asks the gateway of the server's JVM for a connection to {@code pid}/{@code chid} and starts
     * the pump. The errors are a local attach's: ESRCH (no such process or asynchronous channel),
     * ENXIO (the process is terminating), EACCES (the channel's mode).
     */
    void attach(Conn c) {
        this.conn = c;
        int coid;
        try {
            coid = kernel.nameOpen(NodeGateway.name(member), 0);
        } catch (KernelException e) {
            throw new KernelException(Errno.ESRCH, "no asynchronous channel " + chid + " in process " + pid
                    + " (its JVM serves none: " + e.getMessage() + ")");
        }
        ByteBuffer h = NodeBatchLayout.header();
        h.putInt(0, NodeBatchLayout.MAGIC).putInt(NodeBatchLayout.OP, NodeBatchLayout.ATTACH)
                .putInt(NodeBatchLayout.PID, pid).putInt(NodeBatchLayout.CHID, chid)
                .putInt(NodeBatchLayout.CLIENT_COID, c.coid).putInt(NodeBatchLayout.BUFFER_SIZE, c.attr.bufferSize())
                .putInt(NodeBatchLayout.MAX_NUM_BUFFER, c.attr.maxNumBuffer());
        try {
            token = kernel.msgSend(coid, h, null);
        } catch (KernelException e) {
            closeQuietly(coid);
            Errno err = switch (e.errno()) {
                case ESRCH, ENXIO, EACCES -> e.errno();
                default -> Errno.ESRCH;
            };
            throw new KernelException(err, e.getMessage());
        }
        kcoid = coid;
        pump = Thread.ofVirtual().name("courier-asyncmsg-node-" + owner.pid + "-" + c.coid).unstarted(this::run);
        pump.start();
    }

    /** Messages were delivered (a trigger, flush, failure or detach): the pump looks. */
    void wake() {
        Thread t = pump;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private void run() {
        try {
            kernel.signalProcmask(Signals.SIG_BLOCK, -1L);
        } catch (KernelException e) {
            // The process is dying: the loop finds out.
        }
        int max = Math.min(Math.min(conn.attr.maxNumBuffer(), NodeBatchLayout.MAX_COUNT),
                NodeGateway.batchLimit(conn.attr.maxNumBuffer()));
        Object[] msgs = new Object[max];
        long[] spans = new long[max];
        long[] from = new long[1];
        int[] outcome = new int[max];
        ByteBuffer reply = NodeBatchLayout.reply(max);
        ByteBuffer header = NodeBatchLayout.header();
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
                int n = conn.takeForRemote(from, msgs, spans, NodeBatchLayout.MAX_REQUEST - NodeBatchLayout.HEADER - 4L * max);
                if (n == 0) {
                    if (st == Conn.SENDER_GONE && conn.drainedAfterSender()) {
                        conn.retire();
                        return;
                    }
                    LockSupport.parkNanos(this, LIVENESS_NANOS);
                    if (conn.state() == Conn.OPEN && owner.kernel.microkernel().nodeMemberOf(pid) < 0) {
                        conn.remoteGone("the JVM of process " + pid + " left the node");
                    }
                    continue;
                }
                if (!send(header, reply, from[0], n, msgs, spans, outcome)) {
                    return;
                }
                java.util.Arrays.fill(msgs, 0, n, null);
            }
        } catch (Throwable t) {
            // A library thread must not die silently: the connection fails as if the channel went.
            LOG.error("asyncmsg: the node sender of pid {} coid {} failed", owner.pid, conn.coid, t);
            conn.remoteGone("its node sender failed");
            closeQuietly(kcoid);
        }
    }

    /** Sends one batch and applies its outcome; false when the connection is over. */
    private boolean send(ByteBuffer header, ByteBuffer reply, long first, int n, Object[] msgs, long[] spans,
            int[] outcome) {
        int parts = 1;
        for (int i = 0; i < n; i++) {
            parts += msgs[i] instanceof ByteBuffer[] v ? v.length : 1;
        }
        ByteBuffer table = ByteBuffer.allocate(NodeBatchLayout.HEADER + 4 * n).order(header.order());
        ByteBuffer[] iov = new ByteBuffer[parts];
        iov[0] = table;
        int p = 1;
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            int len = (int) spans[i];
            table.putInt(NodeBatchLayout.HEADER + 4 * i, len);
            bytes += len;
            if (msgs[i] instanceof ByteBuffer b) {
                iov[p++] = b.slice((int) (spans[i] >>> 32), len);
            } else {
                for (ByteBuffer part : (ByteBuffer[]) msgs[i]) {
                    iov[p++] = part.slice();
                }
            }
        }
        table.putInt(0, NodeBatchLayout.MAGIC).putInt(NodeBatchLayout.OP, NodeBatchLayout.BATCH)
                .putInt(NodeBatchLayout.TOKEN, token).putInt(NodeBatchLayout.COUNT, n).putLong(NodeBatchLayout.SEQ, first)
                .putInt(NodeBatchLayout.BYTES, (int) bytes);
        reply.clear();
        int status;
        try {
            status = kernel.msgSendv(kcoid, iov, new ByteBuffer[] {reply});
        } catch (KernelException e) {
            if (conn.state() == Conn.CLOSED) {
                detach();
                return false;
            }
            conn.remoteGone("process " + pid + " (another JVM) did not take a batch: " + e.errno());
            closeQuietly(kcoid);
            return false;
        }
        // The reply is bounds-checked as a request is: a count that is not ours, or an errno
        // that is not one, ends the connection instead of being believed.
        int flags = reply.getInt(0);
        if (status != n || (flags & ~NodeBatchLayout.DEAD) != 0) {
            conn.remoteGone("process " + pid + "'s JVM answered a batch of " + n + " with " + status);
            closeQuietly(kcoid);
            return false;
        }
        for (int i = 0; i < n; i++) {
            int e = reply.getInt(NodeBatchLayout.REPLY_HEADER + 4 * i);
            outcome[i] = e == 0 || isErrno(e) ? e : Errno.EIO.code();
        }
        conn.remoteOutcome(first, n, outcome);
        if ((flags & NodeBatchLayout.DEAD) != 0) {
            conn.remoteGone("channel " + pid + "/" + chid + " (another JVM) was destroyed");
            closeQuietly(kcoid);
            return false;
        }
        return true;
    }

    private static boolean isErrno(int code) {
        try {
            Errno.of(code);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
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
