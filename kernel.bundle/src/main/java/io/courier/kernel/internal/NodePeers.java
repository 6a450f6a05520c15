package io.courier.kernel.internal;

import io.courier.kernel.Credentials;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.ThreadState;
import io.courier.node.CorruptRingException;
import io.courier.node.Member;
import io.courier.node.Ring;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Messages between the JVMs of a node (issue 20, B2): one {@link Ring} each way per pair of
 * members, carrying requests (connect, send) and their replies.
 *
 * <p>Client side: a connection to a process of another JVM is an ordinary {@link Connection} to a
 * <em>remote channel</em>, a {@link Channel} of a stand-in {@link Proc} (pid and chid of the real
 * ones, in no process table) whose {@link Channel#remote} endpoint does the moving: {@code
 * msgSend} checks the connection as ever, then hands the IOVs to {@link Remote#send}, which
 * gathers them straight into the ring and waits for the reply record, copied straight into the
 * reply IOV.
 *
 * <p>Server side: a consumer thread per peer takes its records; each request runs on a worker
 * thread of a <em>proxy process</em> of this JVM ({@code node-member-<slot>}), which connects to
 * the server's channel and sends the message there, so {@code msgReceive}, {@code msgReply},
 * {@code msgError}, {@code msgRead} and {@code msgWrite} work unchanged; its outcome (status and
 * reply bytes, or an errno) goes back on the reverse ring.
 *
 * <p>A member that dies or leaves: its clients' calls blocked here fail with ESRCH, the remote
 * channels to it are destroyed (later sends: EBADF), its proxy process dies (its servers see
 * the connection go) and its rings are deleted.
 *
 * <p>Everything read from a ring is checked: a record's length, operation, pids, chid and reply
 * sizes; a record that breaks the protocol cuts the peer off as if it died.
 */
final class NodePeers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodePeers.class);
    /** Bytes of each ring: a message or a reply of up to half of it, less the headers, fits. */
    static final int RING_CAPACITY = 1 << 20;
    static final int REQUEST = 1;
    static final int REPLY = 2;
    static final int OP_CONNECT = 1;
    static final int OP_SEND = 2;
    /** op, reserved, call id, client pid, server pid, chid, reply capacity. */
    static final int REQUEST_HEADER = 32;
    /** call id, errno (0: none), status, reply length, reserved. */
    static final int REPLY_HEADER = 24;
    private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final MicrokernelImpl mk;
    private final NodeLink node;
    private final Peer[] peers = new Peer[64];
    /** Per slot, 1 + the generation of a member cut off for breaking the protocol (0: none): never trusted again. */
    private final long[] cut = new long[64];
    private final ReentrantLock lock = new ReentrantLock();
    private final ConcurrentHashMap<Long, Call> calls = new ConcurrentHashMap<>();
    private final AtomicLong nextCall = new AtomicLong(1);
    private boolean closed;

    NodePeers(MicrokernelImpl mk, NodeLink node) {
        this.mk = mk;
        this.node = node;
    }

    // ------------------------------------------------------------------ peers

    /** The peer for {@code m}, made (its rings opened, its consumer started) if new. */
    Peer peer(Member m) {
        lock.lock();
        try {
            if (closed) {
                throw new KernelException(Errno.ESRCH, "the kernel left the node");
            }
            if (cut[m.slot()] == 1L + m.generation()) {
                throw new KernelException(Errno.ESRCH, "node member " + m.slot() + " was cut off for a corrupt ring");
            }
            Peer p = peers[m.slot()];
            if (p != null && p.member.generation() == m.generation() && p.member.pid() == m.pid()) {
                return p;
            }
            if (p != null) {
                p.close("replaced");
            }
            p = new Peer(m);
            peers[m.slot()] = p;
            return p;
        } finally {
            lock.unlock();
        }
    }

    /** Another member left or died. */
    void memberGone(Member m) {
        Peer p;
        lock.lock();
        try {
            p = peers[m.slot()];
            if (p == null || p.member.generation() != m.generation()) {
                return;
            }
            peers[m.slot()] = null;
        } finally {
            lock.unlock();
        }
        p.close("member " + m.slot() + " (OS pid " + m.pid() + ") is gone");
    }

    private void cutOff(Peer p, String why) {
        lock.lock();
        try {
            cut[p.member.slot()] = 1L + p.member.generation();
            if (peers[p.member.slot()] == p) {
                peers[p.member.slot()] = null;
            }
        } finally {
            lock.unlock();
        }
        p.close(why);
    }

    @Override
    public void close() {
        Peer[] all;
        lock.lock();
        try {
            closed = true;
            all = peers.clone();
            java.util.Arrays.fill(peers, null);
        } finally {
            lock.unlock();
        }
        for (Peer p : all) {
            if (p != null) {
                p.close("this kernel left the node");
            }
        }
    }

    // ------------------------------------------------------------------ client side

    /**
     * The remote channel for {@code chid} of process {@code pid} of another member, after that
     * member's kernel said it exists (ESRCH, ENXIO, EPERM otherwise, as a local connect would).
     */
    Channel remoteChannel(Proc client, KThread t, int pid, int chid) {
        Member m = node.member(pid);
        if (m == null || m.slot() == node.self.slot()) {
            throw new KernelException(Errno.ESRCH, "no process " + pid);
        }
        Peer peer = peer(m);
        peer.call(client, t, OP_CONNECT, pid, chid, Iov.NONE, Iov.NONE, null);
        return peer.stub(pid, chid);
    }

    /** The endpoint of a remote channel: where its messages go. */
    final class Remote {
        final Peer peer;
        final int pid;
        final int chid;

        Remote(Peer peer, int pid, int chid) {
            this.peer = peer;
            this.pid = pid;
            this.chid = chid;
        }

        /** {@code msgSend} on a connection to this channel: the message goes, the reply comes back. */
        int send(Proc client, KThread t, ByteBuffer[] siov, ByteBuffer[] riov, Duration timeout) {
            return peer.call(client, t, OP_SEND, pid, chid, siov, riov, timeout);
        }
    }

    /** A client's call waiting for its reply. */
    private static final class Call {
        final long id;
        final Peer peer;
        final ByteBuffer[] riov;
        final ReentrantLock lock = new ReentrantLock();
        final Condition done = lock.newCondition();
        /** 0 waiting, 1 answered, 2 abandoned by its client. Under lock. */
        int state;
        int status;
        Errno errno;

        Call(long id, Peer peer, ByteBuffer[] riov) {
            this.id = id;
            this.peer = peer;
            this.riov = riov;
        }

        /** Ends the call with {@code errno} unless it ended. */
        void fail(Errno e) {
            lock.lock();
            try {
                if (state == 0) {
                    state = 1;
                    errno = e;
                    done.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    // ------------------------------------------------------------------ a peer

    /** The other member of a pair: the rings both ways, the consumer, the stand-ins and the proxy. */
    final class Peer {
        final Member member;
        final Ring out;
        final Ring in;
        final String outName;
        final String inName;
        private final Thread consumer;
        private volatile boolean closed;
        /** Remote channels by pid and chid. */
        private final ConcurrentHashMap<Long, Channel> stubs = new ConcurrentHashMap<>();
        private final ConcurrentHashMap<Integer, Proc> stubProcs = new ConcurrentHashMap<>();
        // Server side.
        private final ReentrantLock proxyLock = new ReentrantLock();
        private Proc proxy;
        private final ConcurrentHashMap<Long, Integer> proxyCoids = new ConcurrentHashMap<>();
        private final ExecutorService workers;

        Peer(Member m) {
            this.member = m;
            Member self = node.self;
            this.outName = ringName(self, m);
            this.inName = ringName(m, self);
            String peerName = "node member " + m.slot() + " (OS pid " + m.pid() + ")";
            this.out = Ring.create(node.folder, outName, RING_CAPACITY, peerName);
            try {
                this.in = Ring.create(node.folder, inName, RING_CAPACITY, peerName);
            } catch (RuntimeException e) {
                out.close();
                throw e;
            }
            this.workers = Executors.newCachedThreadPool(
                    Thread.ofVirtual().name("courier-node-" + m.slot() + "-worker-", 0).factory());
            this.consumer = Thread.ofPlatform().daemon().name("courier-node-" + m.slot() + "-in").start(this::consume);
        }

        private static String ringName(Member from, Member to) {
            return "msg-" + from.slot() + "." + from.generation() + "-" + to.slot() + "." + to.generation();
        }

        /** Whether this peer is closed (its member gone, or cut off). */
        boolean isClosed() {
            return closed;
        }

        Channel stub(int pid, int chid) {
            long key = ((long) pid << 32) | (chid & 0xFFFF_FFFFL);
            Channel ch = stubs.computeIfAbsent(key, k -> {
                Proc owner = stubProcs.computeIfAbsent(pid,
                        q -> new Proc(mk, pid, "pid " + pid + " of node member " + member.slot(), Credentials.ROOT));
                Channel c = new Channel(chid, owner, 0);
                c.remote = new Remote(this, pid, chid);
                return c;
            });
            if (closed) {
                ch.destroyed = true;
                throw new KernelException(Errno.ESRCH, "process " + pid + " is gone with its JVM");
            }
            return ch;
        }

        /** A call from {@code client}'s thread {@code t}: sends the request and waits for its reply. */
        int call(Proc client, KThread t, int op, int pid, int chid, ByteBuffer[] siov, ByteBuffer[] riov,
                Duration timeout) {
            int replyCapacity = Iov.length(riov);
            long bytes = (long) REQUEST_HEADER + Iov.length(siov);
            if (bytes > out.maxPayload()) {
                throw new KernelException(Errno.EMSGSIZE, "a message to another JVM of the node has at most "
                        + (out.maxPayload() - REQUEST_HEADER) + " bytes");
            }
            long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + Math.max(0, timeout.toNanos());
            Call call = new Call(nextCall.getAndIncrement(), this, riov);
            calls.put(call.id, call);
            t.show(op == OP_SEND ? ThreadState.SEND : ThreadState.READY, pid);
            try {
                ByteBuffer header = ByteBuffer.allocate(REQUEST_HEADER).order(ByteOrder.nativeOrder());
                header.putInt(0, op).putInt(4, 0).putLong(8, call.id).putInt(16, client.pid).putInt(20, pid)
                        .putInt(24, chid).putInt(28, Math.min(replyCapacity, out.maxPayload() - REPLY_HEADER));
                ByteBuffer[] srcs = new ByteBuffer[1 + siov.length];
                srcs[0] = header;
                System.arraycopy(siov, 0, srcs, 1, siov.length);
                offer(REQUEST, srcs, deadline);
                if (op == OP_SEND) {
                    t.show(ThreadState.REPLY, pid);
                }
                return await(call, deadline);
            } finally {
                calls.remove(call.id);
                t.state = ThreadState.READY;
            }
        }

        /** Puts a record into the outbound ring, waiting for room while the peer lives. */
        private void offer(int type, ByteBuffer[] srcs, long deadline) {
            int spins = 0;
            while (true) {
                if (closed) {
                    throw new KernelException(Errno.ESRCH, "node member " + member.slot() + " is gone");
                }
                boolean put;
                try {
                    put = out.offer(type, srcs);
                } catch (CorruptRingException e) {
                    cutOff(this, e.getMessage());
                    throw new KernelException(Errno.ESRCH, "node member " + member.slot() + " cut off: " + e.getMessage());
                } catch (IllegalStateException e) {
                    throw new KernelException(Errno.ESRCH, "node member " + member.slot() + " is gone");
                }
                if (put) {
                    return;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new KernelException(Errno.ETIMEDOUT, "the ring to node member " + member.slot() + " stayed full");
                }
                if (++spins < 100) {
                    Thread.onSpinWait();
                } else {
                    java.util.concurrent.locks.LockSupport.parkNanos(50_000);
                }
            }
        }

        private int await(Call call, long deadline) {
            call.lock.lock();
            try {
                while (call.state == 0) {
                    if (closed) {
                        call.state = 2;
                        throw new KernelException(Errno.ESRCH, "node member " + member.slot() + " is gone");
                    }
                    long left = deadline == Long.MAX_VALUE ? WAIT_SLICE_NANOS : deadline - System.nanoTime();
                    if (left <= 0) {
                        call.state = 2;
                        throw new KernelException(Errno.ETIMEDOUT, "no reply from node member " + member.slot());
                    }
                    try {
                        call.done.awaitNanos(Math.min(left, WAIT_SLICE_NANOS));
                    } catch (InterruptedException e) {
                        call.state = 2;
                        throw new KernelException(Errno.EINTR, "interrupted waiting for node member " + member.slot());
                    }
                }
                if (call.errno != null) {
                    throw new KernelException(call.errno, "from node member " + member.slot());
                }
                return call.status;
            } finally {
                call.lock.unlock();
            }
        }

        // -------------------------------------------------------------- the consumer

        private void consume() {
            try {
                while (!closed) {
                    if (!in.await(WAIT_SLICE_NANOS)) {
                        continue;
                    }
                    in.poll(this::record, 64);
                }
            } catch (InterruptedException e) {
                // Closing.
            } catch (CorruptRingException e) {
                LOG.error("node peer {}: {}; cut off", member, e.getMessage());
                if (!closed) {
                    cutOff(this, e.getMessage());
                }
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.error("node peer {}: the consumer failed", member, e);
                    cutOff(this, "its consumer failed: " + e);
                }
            }
        }

        /** One record of the inbound ring, its bounds checked by the ring; everything in it is checked here. */
        void record(int type, MemorySegment ring, long offset, int length) {
            switch (type) {
                case REQUEST -> request(ring, offset, length);
                case REPLY -> reply(ring, offset, length);
                default -> throw new CorruptRingException(in.peer(), inName, "record type " + type);
            }
        }

        private void request(MemorySegment ring, long at, int length) {
            if (length < REQUEST_HEADER) {
                throw new CorruptRingException(in.peer(), inName, "a request of " + length + " bytes");
            }
            int op = ring.get(ValueLayout.JAVA_INT_UNALIGNED, at);
            long id = ring.get(ValueLayout.JAVA_LONG_UNALIGNED, at + 8);
            int serverPid = ring.get(ValueLayout.JAVA_INT_UNALIGNED, at + 20);
            int chid = ring.get(ValueLayout.JAVA_INT_UNALIGNED, at + 24);
            int replyCapacity = ring.get(ValueLayout.JAVA_INT_UNALIGNED, at + 28);
            if (op != OP_CONNECT && op != OP_SEND || replyCapacity < 0
                    || replyCapacity > out.maxPayload() - REPLY_HEADER) {
                throw new CorruptRingException(in.peer(), inName, "a request with op " + op + ", reply capacity "
                        + replyCapacity);
            }
            byte[] msg = new byte[length - REQUEST_HEADER];
            MemorySegment.copy(ring, ValueLayout.JAVA_BYTE, at + REQUEST_HEADER, msg, 0, msg.length);
            workers.execute(() -> serve(op, id, serverPid, chid, ByteBuffer.wrap(msg), replyCapacity));
        }

        private void reply(MemorySegment ring, long at, int length) {
            if (length < REPLY_HEADER) {
                throw new CorruptRingException(in.peer(), inName, "a reply of " + length + " bytes");
            }
            long id = ring.get(ValueLayout.JAVA_LONG_UNALIGNED, at);
            int errno = ring.get(ValueLayout.JAVA_INT_UNALIGNED, at + 8);
            int status = ring.get(ValueLayout.JAVA_INT_UNALIGNED, at + 12);
            int bytes = ring.get(ValueLayout.JAVA_INT_UNALIGNED, at + 16);
            if (bytes < 0 || bytes > length - REPLY_HEADER) {
                throw new CorruptRingException(in.peer(), inName, "a reply saying " + bytes + " bytes in "
                        + (length - REPLY_HEADER));
            }
            Errno e = null;
            if (errno != 0) {
                try {
                    e = Errno.of(errno);
                } catch (KernelException bad) {
                    throw new CorruptRingException(in.peer(), inName, "a reply with errno " + errno);
                }
            }
            Call call = calls.get(id);
            if (call == null || call.peer != this) {
                return; // Its client gave up (interrupted, timed out).
            }
            call.lock.lock();
            try {
                if (call.state != 0) {
                    return;
                }
                if (e == null) {
                    // Straight into the client's reply IOV, which stays still while it waits.
                    long from = at + REPLY_HEADER;
                    int left = bytes;
                    for (ByteBuffer b : call.riov) {
                        if (left == 0) {
                            break;
                        }
                        int n = Math.min(left, b.remaining());
                        if (n > 0) {
                            MemorySegment.copy(ring, from, MemorySegment.ofBuffer(b), 0, n);
                            // As in one JVM: the reply buffers move past what the server wrote.
                            b.position(b.position() + n);
                            from += n;
                            left -= n;
                        }
                    }
                }
                call.errno = e;
                call.status = status;
                call.state = 1;
                call.done.signalAll();
            } finally {
                call.lock.unlock();
            }
        }

        // -------------------------------------------------------------- the server side

        private Proc proxy() {
            proxyLock.lock();
            try {
                if (proxy == null) {
                    proxy = (Proc) mk.process("node-member-" + member.slot());
                }
                return proxy;
            } finally {
                proxyLock.unlock();
            }
        }

        private void serve(int op, long id, int serverPid, int chid, ByteBuffer msg, int replyCapacity) {
            Errno errno = null;
            int status = 0;
            ByteBuffer reply = ByteBuffer.allocate(op == OP_SEND ? replyCapacity : 0);
            long key = ((long) serverPid << 32) | (chid & 0xFFFF_FFFFL);
            try {
                if (closed) {
                    return;
                }
                Proc p = proxy();
                if (serverPid <= 0 || mk.proc(serverPid) == null) {
                    throw new KernelException(Errno.ESRCH, "no process " + serverPid);
                }
                Integer coid = proxyCoids.get(key);
                if (coid == null) {
                    coid = Connections.connectAttach(p, Kernel.ND_LOCAL_NODE, serverPid, chid, Kernel.SIDE_CHANNEL, 0);
                    Integer had = proxyCoids.putIfAbsent(key, coid);
                    if (had != null) {
                        Connections.connectDetach(p, coid);
                        coid = had;
                    }
                }
                if (op == OP_SEND) {
                    status = MsgSend.msgSend(p, coid, msg, reply, null);
                }
            } catch (KernelException e) {
                errno = e.errno();
                if (errno == Errno.EBADF) {
                    proxyCoids.remove(key); // The channel is gone: connect anew next time.
                }
            } catch (RuntimeException e) {
                LOG.error("node peer {}: serving a request failed", member, e);
                errno = Errno.EIO;
            }
            ByteBuffer header = ByteBuffer.allocate(REPLY_HEADER).order(ByteOrder.nativeOrder());
            // Only what the server wrote (its reply, msgWrite) goes back: the proxy's reply buffer
            // moved past it, as a client's does in one JVM.
            int extent = errno == null ? reply.position() : 0;
            header.putLong(0, id).putInt(8, errno == null ? 0 : errno.code()).putInt(12, status)
                    .putInt(16, extent);
            reply.flip();
            if (errno != null) {
                reply.limit(0);
            }
            try {
                offer(REPLY, new ByteBuffer[] {header, reply}, Long.MAX_VALUE);
            } catch (KernelException e) {
                // The client's JVM is gone: nobody waits for this reply.
            }
        }

        void close(String why) {
            if (closed) {
                return;
            }
            closed = true;
            LOG.info("node peer {}: closing ({})", member, why);
            // The remote channels first: a client woken by its failed call then finds its connection dead (EBADF).
            for (Channel ch : stubs.values()) {
                ch.destroyed = true;
            }
            for (Proc p : stubProcs.values()) {
                p.life = Proc.Life.DEAD;
            }
            for (Call c : calls.values()) {
                if (c.peer == this) {
                    c.fail(Errno.ESRCH);
                }
            }
            if (Thread.currentThread() != consumer) {
                consumer.interrupt();
                try {
                    consumer.join(TimeUnit.SECONDS.toMillis(2));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            workers.shutdownNow();
            Proc p;
            proxyLock.lock();
            try {
                p = proxy;
            } finally {
                proxyLock.unlock();
            }
            if (p != null) {
                p.exit();
            }
            try {
                out.close();
                in.close();
            } catch (RuntimeException e) {
                LOG.debug("closing the rings of {}", member, e);
            }
            try {
                Files.deleteIfExists(node.folder.path().resolve(outName));
                Files.deleteIfExists(node.folder.path().resolve(inName));
            } catch (java.io.IOException e) {
                LOG.debug("deleting the rings of {}", member, e);
            }
        }
    }
}
