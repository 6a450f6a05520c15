package io.courier.asyncmsg.internal;

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
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The asynchronous-messaging gateway of one JVM of a node (issue 20, B2): a kernel process of
 * its own, {@code courier-asyncmsg-gateway}, holding the node-wide name {@link #name(int)} of its
 * member slot. A client in another JVM attaches through it ({@link NodeBatchLayout#ATTACH}: the
 * checks of a local attach, with the client's credentials as its kernel vouches for them), and
 * gets a connection here, an ordinary {@link Conn} of the channel that shows the client's pid and
 * coid, one per remote connection. Each batch the client sends is put into that connection as
 * the client put it and flushed, and answered at once with the outcomes known so far, so that
 * the next batch travels while this one is got; outcomes that come later are told by the reply
 * to the next batch or to a WAIT, which the gateway holds until a run of callbacks gave some.
 * Every number of a request is checked ({@link NodeBatchLayout#checkBatch}) before use; a
 * malformed request is refused with EINVAL and changes nothing.
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
        final Outcomes outcomes;
        int scoid;
        int maxBatch;
        long nextSeq;

        Proxy(Conn conn, int token, Key key, int pid, int chid, int scoid, int maxBatch, Outcomes outcomes) {
            this.conn = conn;
            this.token = token;
            this.key = key;
            this.pid = pid;
            this.chid = chid;
            this.scoid = scoid;
            this.maxBatch = maxBatch;
            this.outcomes = outcomes;
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

    /** The most messages a client with {@code maxNumBuffer} puts in one batch; the gateway's connection holds two ({@link NodeBatchLayout#window}). */
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

    /**
     * The connections whose WAIT this gateway held last (each at most once); the gateway thread's.
     * A WAIT held past {@link NodeBatchLayout#WAIT_HOLD_NANOS} is answered with no outcomes.
     */
    private final java.util.ArrayList<Outcomes> holding = new java.util.ArrayList<>();

    /**
     * Answers the held WAITs whose time is up; returns the earliest deadline of those still held,
     * or 0 for none. Gateway thread.
     */
    private long expireWaits() {
        long now = System.nanoTime();
        long earliest = 0;
        for (int i = holding.size() - 1; i >= 0; i--) {
            long d = holding.get(i).expire(now);
            if (d == 0) {
                holding.remove(i);
            } else if (earliest == 0 || d - earliest < 0) {
                earliest = d;
            }
        }
        return earliest;
    }

    /** A batch at least this long keeps the receive buffer it came in (lent, see {@link #lent}); a shorter one is copied. */
    static final int LEND_MIN = 32 << 10;
    /** The most receive buffers kept for reuse. */
    private static final int SPARE_MAX = 4;

    /** A receive buffer lent to a connection until it got the messages up to {@code end} (its index). */
    private record Lent(Conn conn, long end, ByteBuffer buf) {
    }

    /** The buffer the next request is received into; the gateway thread's. */
    private ByteBuffer recv = receiveBuffer();
    /** Receive buffers lent to connections, in the order lent; the gateway thread's. */
    private final java.util.ArrayDeque<Lent> lent = new java.util.ArrayDeque<>();
    /** Receive buffers whose messages were all got, for reuse; the gateway thread's. */
    private final java.util.ArrayDeque<ByteBuffer> spare = new java.util.ArrayDeque<>();

    private static ByteBuffer receiveBuffer() {
        return ByteBuffer.allocate(NodeBatchLayout.MAX_REQUEST).order(ByteOrder.nativeOrder());
    }

    /**
     * The messages of a long batch stay in the buffer they were received into, which its
     * connection holds until got (a copy of a quarter MiB would cost as much as the rest of the
     * batch's handling); the next request goes into a spare buffer. Returns the buffer to put from.
     */
    private ByteBuffer keep(ByteBuffer buf, int len) {
        if (len < LEND_MIN) {
            ByteBuffer data = ByteBuffer.wrap(new byte[len]);
            data.put(0, buf, 0, len);
            return data;
        }
        recv = spare.isEmpty() ? receiveBuffer() : spare.pop();
        return buf;
    }

    /**
     * Takes back the lent buffers whose messages were got (or failed): all of them, not only the
     * oldest, so that a connection whose server gets nothing holds no more than its own.
     */
    private void takeBack() {
        if (lent.isEmpty()) {
            return;
        }
        for (var it = lent.iterator(); it.hasNext();) {
            Lent l = it.next();
            if (l.conn().consumed() >= l.end()) {
                it.remove();
                if (spare.size() < SPARE_MAX) {
                    spare.push(l.buf());
                }
            }
        }
    }

    private void serve() {
        MsgInfo info = new MsgInfo();
        while (kernel.isAlive()) {
            takeBack();
            ByteBuffer buf = recv;
            buf.clear();
            long rcvid;
            long due = holding.isEmpty() ? 0 : expireWaits();
            try {
                rcvid = due == 0 ? kernel.msgReceive(attach.chid(), buf, info)
                        : kernel.msgReceive(attach.chid(), buf, info, Duration.ofNanos(Math.max(1, due - System.nanoTime())));
            } catch (KernelException e) {
                if (!kernel.isAlive()) {
                    return;
                }
                if (e.errno() != Errno.ETIMEDOUT) {
                    LOG.warn("asyncmsg gateway: receive failed: {}", e.getMessage());
                }
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
            case NodeBatchLayout.BATCH, NodeBatchLayout.BATCH_WAIT -> batch(rcvid, info, buf, len);
            case NodeBatchLayout.WAIT -> await(rcvid, info, buf, len);
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
                // What this gateway took counts as delivered there: its outcomes are not told.
                orphan.outcomes.resume();
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
        // The client's window: what it may have sent here without an outcome told.
        int window = NodeBatchLayout.window(maxNumBuffer);
        AsyncConnectionAttr attr = AsyncConnectionAttr.builder().bufferSize(Math.min(bufferSize, NodeBatchLayout.MAX_MESSAGE))
                .maxNumBuffer(window).triggerNumMsg(0).build();
        int token = tokens.getAndIncrement();
        Conn c = new Conn(sys, proc, token, attr, null, null, info.pid(), clientCoid);
        Outcomes outcomes = new Outcomes(c, window, from);
        c.progress(outcomes);
        ch.fedFromAfar();
        c.bind(ch);
        if (ch.isDestroyed()) {
            c.close();
            throw new KernelException(Errno.ESRCH, "channel " + pid + "/" + chid + " was destroyed meanwhile");
        }
        Proxy x = new Proxy(c, token, key, pid, chid, info.scoid(), maxBatch, outcomes);
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

    /** Where each message of the batch in hand starts in its buffer, and how long it is; the gateway thread's. */
    private final int[] offsets = new int[NodeBatchLayout.MAX_COUNT];
    private final int[] lengths = new int[NodeBatchLayout.MAX_COUNT];

    private void batch(long rcvid, MsgInfo info, ByteBuffer buf, int len) {
        Proxy p = proxy(info, buf.getInt(NodeBatchLayout.TOKEN));
        NodeBatchLayout.Batch b = NodeBatchLayout.checkBatch(buf, len, p.maxBatch, p.conn.attr.bufferSize(), offsets, lengths);
        if (b.seq() != p.nextSeq) {
            throw new KernelException(Errno.EINVAL, "asyncmsg gateway: batch from message " + b.seq() + ", expected "
                    + p.nextSeq);
        }
        Outcomes out = p.outcomes;
        long seq = p.nextSeq;
        if (!out.take(seq + b.count())) {
            throw new KernelException(Errno.EINVAL, "asyncmsg gateway: a batch past the connection's window of "
                    + out.window() + " messages without an outcome told");
        }
        p.nextSeq = seq + b.count();
        // The messages stay here until got: a copy of their own, or the receive buffer itself.
        ByteBuffer data = keep(buf, len);
        int in;
        Errno notIn = Errno.EAGAIN;
        try {
            in = p.conn.putAll(data, offsets, lengths, b.count(), seq);
        } catch (KernelException e) {
            // The connection died (its channel was destroyed): what is not in fails as the channel's destruction does.
            in = 0;
            notIn = e.errno() == Errno.EBADF ? Errno.ESRCH : e.errno();
        }
        for (int i = in; i < b.count(); i++) {
            out.outcome(seq + i, notIn.code());
        }
        if (data == buf) {
            lent.add(new Lent(p.conn, p.conn.tail(), buf));
        }
        try {
            p.conn.flush(AsyncMessaging.FLUSH_NONBLOCK);
        } catch (KernelException e) {
            // Dead meanwhile: the messages put were failed with it, and their outcomes come through the callback.
        }
        if (buf.getInt(NodeBatchLayout.OP) == NodeBatchLayout.BATCH_WAIT) {
            // The client's window is full with this batch: it would only send a WAIT next.
            out.await(rcvid, out.told(), b.count());
        } else {
            out.reply(rcvid, b.count());
        }
    }

    /** WAIT: answered once outcomes not told yet are known (at once if some are). */
    private void await(long rcvid, MsgInfo info, ByteBuffer buf, int len) {
        if (len != NodeBatchLayout.HEADER || buf.getInt(NodeBatchLayout.COUNT) != 0 || buf.getInt(NodeBatchLayout.BYTES) != 0
                || buf.getInt(NodeBatchLayout.RESERVED) != 0) {
            throw new KernelException(Errno.EINVAL, "asyncmsg gateway: a malformed wait");
        }
        Proxy p = proxy(info, buf.getInt(NodeBatchLayout.TOKEN));
        long first = buf.getLong(NodeBatchLayout.SEQ);
        if (!p.outcomes.await(rcvid, first, 0)) {
            throw new KernelException(Errno.EINVAL, "asyncmsg gateway: a wait from message " + first
                    + ", which is not the first without an outcome told");
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

    /**
     * What the messages of one client connection came to, until told: each message's outcome by
     * its index, recorded by the callback thread as the messages are got or fail here (or by the
     * gateway thread, for a put that failed), and told in order from the client's first message
     * without one. The gateway thread and the callback thread share it under its lock; a reply is
     * made under the lock and sent after it (the client has one request here at a time).
     */
    private final class Outcomes implements Conn.Progress {
        private final ReentrantLock lock = new ReentrantLock();
        private final Conn conn;
        /**
         * Each message's outcome recorded one by one, by index modulo the window: errno + 1 (1: got).
         * 0 before {@code known}: got (a run of them is recorded by moving {@code known} alone);
         * 0 from {@code known} on: not known yet.
         */
        private final int[] codes;
        /** How many of {@code codes} are not 0: none, the usual case, and a reply need not look at them. */
        private int marks;
        /** The first message whose outcome is not told yet. */
        private long told;
        /** The first message from {@code told} on whose outcome is not known yet. */
        private long known;
        /** The end of what the gateway took. */
        private long taken;
        /** A WAIT (or a BATCH_WAIT) held until outcomes are known; 0 for none. */
        private long waiter;
        /** When the held WAIT is answered with no outcomes if none came. */
        private long waiterDue;
        /** The status its reply carries: 0 for a WAIT, the count of a BATCH_WAIT. */
        private int waiterStatus;

        Outcomes(Conn conn, int window, long from) {
            this.conn = conn;
            this.codes = new int[window];
            this.told = from;
            this.known = from;
            this.taken = from;
        }

        int window() {
            return codes.length;
        }

        /** Takes the messages up to {@code end}; false if that passes the window (the client's error). */
        boolean take(long end) {
            lock.lock();
            try {
                if (end - told > codes.length) {
                    return false;
                }
                taken = end;
                return true;
            } finally {
                lock.unlock();
            }
        }

        /**
         * The getter's thread: {@code n} messages from {@code first} on were got. True when a held
         * WAIT has news now. A run that starts where the known outcomes end (they are got in order)
         * only moves {@code known}: nothing per message.
         */
        @Override
        public boolean got(long first, int n) {
            lock.lock();
            try {
                long from = Math.max(first, told);
                long end = Math.min(first + n, taken);
                if (from <= known) {
                    known = Math.max(known, end);
                } else {
                    for (long h = from; h < end; h++) {
                        mark(h, 1);
                    }
                }
                advance();
                return waiter != 0 && known != told;
            } finally {
                lock.unlock();
            }
        }

        /** Callback thread (or the gateway's, for a put that failed): message {@code handle} was got (0) or failed with errno {@code err}. */
        @Override
        public void outcome(long handle, int err) {
            lock.lock();
            try {
                if (handle < told || handle >= taken) {
                    return; // told already (a resumed connection's), or not this connection's
                }
                mark(handle, err + 1);
                advance();
            } finally {
                lock.unlock();
            }
        }

        /** Records message {@code h}'s outcome one by one; under the lock. */
        private void mark(long h, int code) {
            int s = (int) (h % codes.length);
            if (codes[s] == 0) {
                marks++;
            }
            codes[s] = code;
        }

        /** Moves {@code known} past the outcomes recorded; under the lock. */
        private void advance() {
            while (known < taken && codes[(int) (known % codes.length)] != 0) {
                known++;
            }
        }

        /** Callback thread, after a run of this connection's outcomes: a held WAIT is answered if there is news. */
        @Override
        public void afterRun() {
            long rcvid;
            int status;
            ByteBuffer r;
            lock.lock();
            try {
                if (waiter == 0 || known == told) {
                    return;
                }
                rcvid = waiter;
                status = waiterStatus;
                waiter = 0;
                r = fill();
            } finally {
                lock.unlock();
            }
            send(rcvid, status, r);
        }

        /** Answers a batch ({@code status}: its count) with the outcomes known so far. Gateway thread. */
        void reply(long rcvid, int status) {
            ByteBuffer r;
            lock.lock();
            try {
                r = fill();
            } finally {
                lock.unlock();
            }
            send(rcvid, status, r);
        }

        /**
         * A WAIT from {@code first} (or the wait of a BATCH_WAIT, {@code status} its count):
         * answered now if outcomes are known, else held. False for a wrong {@code first}.
         */
        boolean await(long rcvid, long first, int status) {
            ByteBuffer r;
            lock.lock();
            try {
                if (first != told) {
                    return false;
                }
                if (known == told && !(conn.state() == Conn.DEAD && told == taken)) {
                    waiter = rcvid;
                    waiterStatus = status;
                    waiterDue = System.nanoTime() + NodeBatchLayout.WAIT_HOLD_NANOS;
                    if (!holding.contains(this)) {
                        holding.add(this);
                    }
                    return true;
                }
                r = fill();
            } finally {
                lock.unlock();
            }
            send(rcvid, status, r);
            return true;
        }

        /**
         * A held WAIT whose time is up at {@code now} is answered with the outcomes known (none,
         * or some that came meanwhile). Returns when the one still held is due, or 0 for none held.
         * Gateway thread.
         */
        long expire(long now) {
            long rcvid;
            int status;
            ByteBuffer r;
            lock.lock();
            try {
                if (waiter == 0) {
                    return 0;
                }
                if (now - waiterDue < 0) {
                    return waiterDue;
                }
                rcvid = waiter;
                status = waiterStatus;
                waiter = 0;
                r = fill();
            } finally {
                lock.unlock();
            }
            send(rcvid, status, r);
            return 0;
        }

        /** The first message whose outcome is not told yet. */
        long told() {
            lock.lock();
            try {
                return told;
            } finally {
                lock.unlock();
            }
        }

        /**
         * A connection resumed after its client's link came back: everything the gateway took
         * counts as delivered there, so nothing of it is told. Gateway thread.
         */
        void resume() {
            lock.lock();
            try {
                java.util.Arrays.fill(codes, 0);
                marks = 0;
                told = taken;
                known = taken;
                waiter = 0;
            } finally {
                lock.unlock();
            }
        }

        /**
         * The reply: the outcomes known and not told, at most {@link NodeBatchLayout#MAX_OUTCOMES}.
         * Under the lock; a buffer of its own (sent after the lock).
         */
        private ByteBuffer fill() {
            int m = (int) Math.min(known - told, NodeBatchLayout.MAX_OUTCOMES);
            ByteBuffer r;
            int f = 0;
            if (marks == 0) {
                r = NodeBatchLayout.reply(0); // all got: the header alone
            } else {
                r = NodeBatchLayout.reply(Math.min(marks, m));
                for (int k = 0; k < m; k++) {
                    int s = (int) ((told + k) % codes.length);
                    int c = codes[s];
                    if (c != 0) {
                        codes[s] = 0;
                        marks--;
                        if (c != 1) {
                            r.putInt(NodeBatchLayout.REPLY_HEADER + NodeBatchLayout.FAILURE * f, k)
                                    .putInt(NodeBatchLayout.REPLY_HEADER + NodeBatchLayout.FAILURE * f + 4, c - 1);
                            f++;
                        }
                    }
                }
                r.limit(NodeBatchLayout.REPLY_HEADER + NodeBatchLayout.FAILURE * f);
            }
            r.putInt(NodeBatchLayout.OUT_COUNT, m).putLong(NodeBatchLayout.OUT_FROM, told).putInt(NodeBatchLayout.OUT_FAILED, f);
            told += m;
            // Dead only once everything taken is told: the client then fails what it still holds.
            r.putInt(0, conn.state() == Conn.DEAD && told == taken ? NodeBatchLayout.DEAD : 0);
            return r;
        }

        private void send(long rcvid, int status, ByteBuffer r) {
            try {
                kernel.msgReply(rcvid, status, r);
            } catch (KernelException e) {
                // The client went (its JVM or process died, or its link): the outcomes have nobody to go to.
            }
        }
    }
}
