package io.courier.asyncmsg.internal;

import io.courier.asyncmsg.AsyncCallback;
import io.courier.asyncmsg.AsyncConnectionAttr;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.kernel.ClientInfo;
import io.courier.kernel.Credentials;
import io.courier.kernel.Errno;
import io.courier.kernel.IoMsg;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.MsgInfo;
import io.courier.kernel.NameAttach;
import io.courier.kernel.Pulse;
import io.courier.kernel.PulseCode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The asynchronous-messaging gateway of one JVM of a node (issue 20, B2): a kernel process of
 * its own, {@code courier-asyncmsg-gateway}, holding the node-wide name {@link #name(int)} of its
 * member slot. A client in another JVM attaches through it ({@link NodeBatchLayout#ATTACH}: the
 * checks of a local attach, with the client's credentials as its kernel vouches for them), and
 * gets a connection here, an ordinary {@link Conn} of the channel that shows the client's pid and
 * coid, one per remote connection. Each batch the client sends is put into that connection as
 * the client put it and flushed; the client stays REPLY-blocked until every message of the batch
 * was got or failed here, and the reply carries each one's outcome. Every number of a request is
 * checked ({@link NodeBatchLayout#checkBatch}) before use; a malformed request is refused with
 * EINVAL and changes nothing.
 */
final class NodeGateway {
    private static final Logger LOG = LoggerFactory.getLogger(NodeGateway.class);

    private final AsyncSystem sys;
    private final Kernel kernel;
    private final NameAttach attach;
    private final AsyncProc proc;
    private final Thread thread;
    private final ConcurrentHashMap<Integer, Proxy> proxies = new ConcurrentHashMap<>();
    private final AtomicInteger tokens = new AtomicInteger(1);
    /** Requests refused as malformed, for tests and introspection. */
    private final AtomicInteger refused = new AtomicInteger();

    /** A client connection of another JVM, as this gateway keeps it; its fields are the gateway thread's. */
    private static final class Proxy {
        final Conn conn;
        final int token;
        /** The client's node (0: this node), pid and coid: what a connection resumes by. */
        final Key key;
        final int pid;
        final int chid;
        int scoid;
        int maxBatch;
        long nextSeq;

        Proxy(Conn conn, int token, Key key, int pid, int chid, int scoid, int maxBatch) {
            this.conn = conn;
            this.token = token;
            this.key = key;
            this.pid = pid;
            this.chid = chid;
            this.scoid = scoid;
            this.maxBatch = maxBatch;
        }
    }

    /** A client connection by its node, process and coid. */
    private record Key(int nd, int pid, int coid) {
    }

    /** The most connections of clients of other nodes kept for their link to come back. */
    static final int ORPHANS_MAX = 4096;

    /**
     * Connections of clients of other nodes whose link went down (issue 21, store and forward):
     * kept, with what they put still delivered, until the client attaches again and resumes
     * where the gateway stopped; the oldest beyond {@link #ORPHANS_MAX} end as a dead sender's.
     * The gateway thread's only.
     */
    private final java.util.LinkedHashMap<Key, Proxy> orphans = new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<Key, Proxy> eldest) {
            if (size() > ORPHANS_MAX) {
                eldest.getValue().conn.senderGone();
                return true;
            }
            return false;
        }
    };

    private NodeGateway(AsyncSystem sys, Kernel kernel, NameAttach attach) {
        this.sys = sys;
        this.kernel = kernel;
        this.attach = attach;
        this.proc = new AsyncProc(sys, kernel);
        this.thread = Thread.ofPlatform().daemon().name("courier-asyncmsg-gateway-" + kernel.pid()).unstarted(this::serve);
    }

    /** The node-wide name of the gateway of member slot {@code slot}. */
    static String name(int slot) {
        return PREFIX + "-" + slot;
    }

    /** The most messages a client with {@code maxNumBuffer} puts in one batch; the gateway's connection holds two. */
    static int batchLimit(int maxNumBuffer) {
        return Math.max(1, Math.min(maxNumBuffer, NodeBatchLayout.MAX_COUNT));
    }

    /** The name prefix of every gateway. */
    static final String PREFIX = "courier-asyncmsg-gateway";

    /**
     * Starts the gateway of {@code sys}'s JVM, or returns null when its kernel joined neither a
     * node nor a network. Its name is global ({@code NAME_FLAG_ATTACH_GLOBAL}): clients of other
     * nodes find it among the global names of this node.
     */
    static NodeGateway start(AsyncSystem sys) {
        int slot = sys.mk.nodeSlot();
        if (slot < 0 && sys.mk.network() == null) {
            return null;
        }
        Kernel k = sys.mk.process(PREFIX);
        try {
            NodeGateway g = new NodeGateway(sys, k, k.nameAttach(slot < 0 ? PREFIX + "-net" : name(slot), 0x1));
            g.thread.start();
            return g;
        } catch (KernelException e) {
            LOG.warn("asyncmsg: no gateway for other JVMs of the node: {}", e.getMessage());
            k.exit();
            return null;
        }
    }

    void stop() {
        kernel.exit();
    }

    int refused() {
        return refused.get();
    }

    private void serve() {
        ByteBuffer buf = ByteBuffer.allocate(NodeBatchLayout.MAX_REQUEST).order(ByteOrder.nativeOrder());
        MsgInfo info = new MsgInfo();
        while (kernel.isAlive()) {
            buf.clear();
            long rcvid;
            try {
                rcvid = kernel.msgReceive(attach.chid(), buf, info);
            } catch (KernelException e) {
                if (!kernel.isAlive()) {
                    return;
                }
                LOG.warn("asyncmsg gateway: receive failed: {}", e.getMessage());
                continue;
            }
            try {
                if (rcvid == 0) {
                    buf.flip();
                    pulse(Pulse.from(buf));
                } else {
                    request(rcvid, info, buf);
                }
            } catch (KernelException e) {
                if (e.errno() == Errno.EINVAL || e.errno() == Errno.EMSGSIZE) {
                    refused.incrementAndGet();
                }
                error(rcvid, e.errno());
            } catch (RuntimeException e) {
                // The gateway outlives whatever a request does to it.
                LOG.error("asyncmsg gateway: a request failed", e);
                error(rcvid, Errno.EINVAL);
            }
        }
    }

    private void error(long rcvid, Errno err) {
        if (rcvid == 0) {
            return;
        }
        try {
            kernel.msgError(rcvid, err);
        } catch (KernelException gone) {
            // The client is gone.
        }
    }

    private void pulse(Pulse p) {
        if (p.code() == PulseCode.DISCONNECT) {
            // The client process's last connection here went (detached, or it died): as a local
            // sender's death, what it put is still delivered.
            for (var e : proxies.entrySet()) {
                Proxy x = e.getValue();
                if (x.scoid == p.scoid() && proxies.remove(e.getKey(), x)) {
                    if (x.key.nd() != Kernel.ND_LOCAL_NODE && x.conn.state() == Conn.OPEN) {
                        // A client of another node: its link may come back; keep its place.
                        orphans.put(x.key, x);
                    } else {
                        x.conn.senderGone();
                    }
                }
            }
            try {
                kernel.connectDetach(p.scoid());
            } catch (KernelException gone) {
                // Detached already.
            }
        }
        // UNBLOCK: the client stays REPLY-blocked until its batch's outcome (its pump blocks signals).
    }

    private void request(long rcvid, MsgInfo info, ByteBuffer buf) {
        int len = info.srcmsglen();
        if (len >= 2 && info.msglen() >= 2 && (buf.getShort(0) & 0xFFFF) == IoMsg.IO_CONNECT && (len < 4 || buf.getInt(0) != NodeBatchLayout.MAGIC)) {
            // The connect message of a client's nameOpen of this gateway's name.
            kernel.msgReply(rcvid, Errno.EOK.code(), null);
            return;
        }
        if (len < NodeBatchLayout.HEADER || len > buf.capacity() || info.msglen() != len) {
            throw new KernelException(len > buf.capacity() ? Errno.EMSGSIZE : Errno.EINVAL,
                    "asyncmsg gateway: a request of " + len + " bytes");
        }
        if (buf.getInt(0) != NodeBatchLayout.MAGIC) {
            throw new KernelException(Errno.EINVAL, "asyncmsg gateway: not a request");
        }
        switch (buf.getInt(NodeBatchLayout.OP)) {
            case NodeBatchLayout.ATTACH -> attach(rcvid, info, buf, len);
            case NodeBatchLayout.BATCH -> batch(rcvid, info, buf, len);
            case NodeBatchLayout.DETACH -> detach(rcvid, info, buf, len);
            default -> throw new KernelException(Errno.EINVAL, "asyncmsg gateway: unknown operation");
        }
    }

    private void attach(long rcvid, MsgInfo info, ByteBuffer buf, int len) {
        int pid = buf.getInt(NodeBatchLayout.PID);
        int chid = buf.getInt(NodeBatchLayout.CHID);
        int clientCoid = buf.getInt(NodeBatchLayout.CLIENT_COID);
        int bufferSize = buf.getInt(NodeBatchLayout.BUFFER_SIZE);
        int maxNumBuffer = buf.getInt(NodeBatchLayout.MAX_NUM_BUFFER);
        long from = len == NodeBatchLayout.ATTACH_LENGTH ? buf.getLong(NodeBatchLayout.HEADER) : -1;
        if (len != NodeBatchLayout.ATTACH_LENGTH || buf.getInt(NodeBatchLayout.RESERVED) != 0 || bufferSize < 1
                || bufferSize > AsyncMessaging.MAX_BUFFER_SIZE || maxNumBuffer < 1
                || maxNumBuffer > AsyncMessaging.MAX_NUM_BUFFER || from < 0) {
            throw new KernelException(Errno.EINVAL, "asyncmsg gateway: a malformed attach");
        }
        Key key = new Key(info.nd(), info.pid(), clientCoid);
        Proxy orphan = info.nd() == Kernel.ND_LOCAL_NODE ? null : orphans.remove(key);
        if (orphan != null) {
            if (orphan.pid == pid && orphan.chid == chid && orphan.conn.state() == Conn.OPEN && orphan.nextSeq >= from) {
                // The same client connection again, its link back: it goes on where this gateway stopped.
                orphan.scoid = info.scoid();
                orphan.maxBatch = Math.min(orphan.maxBatch, batchLimit(maxNumBuffer));
                proxies.put(orphan.token, orphan);
                kernel.msgReply(rcvid, orphan.token, attachReply(orphan.nextSeq));
                return;
            }
            orphan.conn.senderGone();
        }
        Optional<Kernel> server = sys.mk.process(pid);
        if (server.isEmpty()) {
            throw new KernelException(Errno.ESRCH, "no process " + pid);
        }
        if (!server.get().isAlive()) {
            throw new KernelException(Errno.ENXIO, "process " + pid + " is terminating");
        }
        AsyncProc sp = sys.proc(pid);
        AsyncChannel ch = sp == null ? null : sp.channels.get(chid);
        if (ch == null || ch.isDestroyed()) {
            throw new KernelException(Errno.ESRCH, "no asynchronous channel " + chid + " in process " + pid);
        }
        ClientInfo ci = kernel.connectClientInfo(info.scoid());
        if (!ch.permits(new Credentials(ci.uid(), ci.gid()))) {
            throw new KernelException(Errno.EACCES, "mode 0" + Integer.toOctalString(ch.mode) + " of channel " + pid
                    + "/" + chid + " refuses process " + info.pid());
        }
        int maxBatch = batchLimit(maxNumBuffer);
        // Two batches' room: the one arriving, and the last one, whose slots are freed just after its reply.
        AsyncConnectionAttr attr = AsyncConnectionAttr.builder().bufferSize(Math.min(bufferSize, NodeBatchLayout.MAX_MESSAGE))
                .maxNumBuffer(2 * maxBatch).triggerNumMsg(0).build();
        int token = tokens.getAndIncrement();
        Conn c = new Conn(sys, proc, token, attr, null, null, info.pid(), clientCoid);
        c.bind(ch);
        if (ch.isDestroyed()) {
            c.close();
            throw new KernelException(Errno.ESRCH, "channel " + pid + "/" + chid + " was destroyed meanwhile");
        }
        Proxy x = new Proxy(c, token, key, pid, chid, info.scoid(), maxBatch);
        // A connection that was orphaned and lost (its gateway restarted, or its place given up)
        // starts where the client is: what came before reached this node's earlier gateway or nothing.
        x.nextSeq = from;
        proxies.put(token, x);
        kernel.msgReply(rcvid, token, attachReply(from));
    }

    private static ByteBuffer attachReply(long next) {
        return ByteBuffer.allocate(NodeBatchLayout.ATTACH_REPLY).order(ByteOrder.nativeOrder()).putLong(0, next);
    }

    private Proxy proxy(MsgInfo info, int token) {
        Proxy p = proxies.get(token);
        if (p == null || p.scoid != info.scoid()) {
            // Not this client's: as a local put on a connection whose channel is gone.
            throw new KernelException(Errno.ESRCH, "asyncmsg gateway: no connection " + token + " of process " + info.pid());
        }
        return p;
    }

    private void batch(long rcvid, MsgInfo info, ByteBuffer buf, int len) {
        Proxy p = proxy(info, buf.getInt(NodeBatchLayout.TOKEN));
        NodeBatchLayout.Batch b = NodeBatchLayout.checkBatch(buf, len, p.maxBatch, p.conn.attr.bufferSize());
        if (b.seq() != p.nextSeq) {
            throw new KernelException(Errno.EINVAL, "asyncmsg gateway: batch from message " + b.seq() + ", expected "
                    + p.nextSeq);
        }
        p.nextSeq += b.count();
        // The messages stay here until got: a copy of their own, not the reused receive buffer.
        ByteBuffer data = ByteBuffer.wrap(new byte[len]);
        data.put(0, buf, 0, len);
        Outcome out = new Outcome(rcvid, b.count(), p.conn);
        for (int i = 0; i < b.count(); i++) {
            try {
                p.conn.put(data, b.offsets()[i], b.lengths()[i], i, out);
            } catch (KernelException e) {
                // The connection died (its channel was destroyed): what is not in fails as the channel's destruction does.
                out.call(e.errno() == Errno.EBADF ? Errno.ESRCH : e.errno(), null, i);
            }
        }
        try {
            p.conn.flush(AsyncMessaging.FLUSH_NONBLOCK);
        } catch (KernelException e) {
            // Dead meanwhile: the messages put were failed with it, and their outcomes come through the callback.
        }
    }

    private void detach(long rcvid, MsgInfo info, ByteBuffer buf, int len) {
        if (len != NodeBatchLayout.HEADER) {
            throw new KernelException(Errno.EINVAL, "asyncmsg gateway: a malformed detach");
        }
        int token = buf.getInt(NodeBatchLayout.TOKEN);
        Proxy p = proxy(info, token);
        proxies.remove(token, p);
        p.conn.close();
        kernel.msgReply(rcvid, 0, null);
    }

    /** The outcomes of one batch, replied when the last one is known (callback thread). */
    private final class Outcome implements AsyncCallback {
        private final long rcvid;
        private final Conn conn;
        private final ByteBuffer reply;
        private final AtomicInteger left;

        Outcome(long rcvid, int count, Conn conn) {
            this.rcvid = rcvid;
            this.conn = conn;
            this.reply = NodeBatchLayout.reply(count);
            this.left = new AtomicInteger(count);
        }

        @Override
        public void call(Errno err, Object msg, long handle) {
            reply.putInt(NodeBatchLayout.REPLY_HEADER + 4 * (int) handle, err == null ? 0 : err.code());
            if (left.decrementAndGet() != 0) {
                return;
            }
            int n = (reply.capacity() - NodeBatchLayout.REPLY_HEADER) / 4;
            reply.putInt(0, conn.state() == Conn.DEAD ? NodeBatchLayout.DEAD : 0);
            try {
                kernel.msgReply(rcvid, n, reply);
            } catch (KernelException e) {
                // The client went (its JVM or process died): the outcomes have nobody to go to.
            }
        }
    }
}
