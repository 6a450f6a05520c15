package io.courier.kernel.internal;

import io.courier.kernel.Credentials;
import io.courier.kernel.Errno;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.ThreadState;
import io.courier.node.CorruptRingException;
import io.courier.node.Link;
import io.courier.node.Member;
import io.courier.node.Network;
import io.courier.node.Ring;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Messages between the JVMs of a node (issue 20, B2): one {@link Ring} each way per pair of
 * members, carrying requests (connect, send, pulse, unblock) and their outcomes.
 *
 * <p>Client side: a connection to a process of another JVM is an ordinary {@link Connection} to a
 * <em>remote channel</em>, a {@link Channel} of a stand-in {@link Proc} (pid and chid of the real
 * ones, in no process table) whose {@link Channel#remote} endpoint does the moving: {@code
 * msgSend} checks the connection as ever, then hands the IOVs to {@link Remote#send}, which
 * gathers them straight into the ring; the client then waits on its own signal line as for a
 * local server, and the consumer copies the reply record straight into its reply IOV. The call is
 * known by the client's rcvid, so nothing is kept per call.
 *
 * <p>Server side: the second kind of client. Each process of the other JVM is a {@link
 * RemoteProc} here, each of its threads a stand-in {@link KThread} ({@link StandIn}); the
 * consumer posts a message as its stand-in's send ({@link MsgSend#post}), handed to a receiver or
 * queued by priority like any other, and {@code msgReceive}, {@code msgRead}, {@code msgWrite},
 * {@code msgInfo}, {@code msgReply} and {@code msgError} work unchanged on it. When the server
 * ends the send, {@link MsgSend#finishSend} gives the outcome to the stand-in, which writes it
 * into the ring from the server's thread: no thread of Courier's own between client and server
 * but the consumer.
 *
 * <p>A member that dies or leaves: clients here waiting on its processes fail with ESRCH, the
 * remote channels to it are destroyed (later sends: EBADF), its processes' stand-ins die as a
 * local process does (servers get DISCONNECT; a reply to one is ESRCH) and its rings are deleted.
 *
 * <p>Another node of the network (issue 21) is one more kind of peer, over its link. When it comes
 * up, each side tells the other its global names ({@link #OP_NAME}, one record per name), then
 * the list's end ({@link #OP_NAMES_TOLD}); each later attach or detach follows in order. Until
 * that end is told (at most {@link #NAMES_WAIT}), {@link #globalNames} and {@link #lookupGlobal}
 * wait for it, so that a name the node holds is never missed right after it came (back) up.
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
    static final int OP_UNBLOCK = 3;
    static final int OP_PULSE = 4;
    static final int OP_DETACH = 5;
    static final int OP_EVENT = 6;
    static final int OP_SIGNAL = 7;
    static final int OP_COIDDEATH = 8;
    /** A send-cycle walk handed on (K19): origin pid and tid, the channel reached, the chain so far. */
    static final int OP_PROBE = 9;
    /** A global name of the peer node attached (code 1) or detached (code 0), issue 21: pid, chid, the name in UTF-8. */
    static final int OP_NAME = 10;
    /** {@code pidin -n} (issue 21): the peer node's process list, asked by query id (the call id field). */
    static final int OP_PROCS = 11;
    /** The answer to {@link #OP_PROCS}: the query id, then the list ({@link ProcessListLayout}). */
    static final int OP_PROCS_ANSWER = 12;
    /**
     * The end of the first list of global names a node tells another that came up ({@link
     * #OP_NAME} records, then this): the header alone, from another node only. What the node
     * tells later (each attach and detach) follows it in order.
     */
    static final int OP_NAMES_TOLD = 13;
    /**
     * How long after another node came up its global names are waited for ({@link #globalNames},
     * {@link #lookupGlobal}) until its first list is told: a node whose kernel never tells its
     * list's end is answered with what it told, once that much time has passed.
     */
    static final Duration NAMES_WAIT = Duration.ofSeconds(2);
    /** How long {@link #processes(int)} waits for the other node's answer. */
    static final Duration QUERY_TIMEOUT = Duration.ofSeconds(5);
    /** The longest name record: {@code NAME_MAX} characters of up to 3 bytes. */
    private static final int NAME_BYTES_MAX = 3 * Names.NAME_MAX;
    /**
     * op, reserved, call id (the client's rcvid in its JVM), client pid, server pid, chid, reply
     * capacity, client tid, priority, uid, gid, pulse code or errno, reserved, pulse value.
     */
    static final int REQUEST_HEADER = 64;
    /** call id, errno (0: none), status, reply length, reserved. */
    static final int REPLY_HEADER = 24;
    /**
     * The longest a virtual thread waiting for the reply of another JVM or node yields before it
     * parks (system property {@code courier.node.replyYieldNanos}): each yield of a virtual thread
     * unmounts and remounts it, which kept two carriers busy for asyncmsg's pump (RESULTS.md); a
     * wait past this parks until the reply wakes it. Platform threads keep the whole yield phase:
     * a round trip across JVMs of tens of microseconds is served by it.
     */
    static final long REPLY_YIELD_NANOS = Long.getLong("courier.node.replyYieldNanos", 10_000);
    /**
     * Whether waits on another node yield (system property {@code courier.net.yield}, default
     * false): a client waiting for the reply of a server on another node, and a server waiting in
     * {@code msgReceive} on a channel that has had clients on other nodes. By default they spin
     * briefly and then park, to be woken when the reply or message comes: a reply across the
     * network takes tens of microseconds at least, and a yield phase that long takes the cores
     * from the threads that carry it (the media driver's and the link's consumer), which on a
     * small machine made the round trip twice as long (RESULTS.md). Such a wait watches the links
     * only while it spins.
     */
    static final boolean NET_YIELD = Boolean.getBoolean("courier.net.yield");
    private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** The highest nd looked at among the configured nodes (a network numbers them from 1 up). */
    private static final int MAX_ND = 4096;

    private final MicrokernelImpl mk;
    private final NodeLink node;
    private final Peer[] peers = new Peer[64];
    /**
     * The peers of {@link #peers} that are not null and those of {@link #nodes}, for the threads
     * that watch their links: replaced under {@link #lock}, then gathered with the other kind's
     * by the kernel ({@link MicrokernelImpl#watchable}).
     */
    volatile Peer[] watchable = new Peer[0];
    /** Per slot, 1 + the generation of a member cut off for breaking the protocol (0: none): never trusted again. */
    private final long[] cut = new long[64];
    private final ReentrantLock lock = new ReentrantLock();
    /** Set once, under {@link #lock}; read without it by the waits for other nodes' names. */
    private volatile boolean closed;
    /**
     * What the other nodes are told of this kernel's global names, in one order per node: the
     * first list of a node that comes up ({@link #nodeUp}) and each attach or detach ({@link
     * #globalName}). Held only while records are put (never waiting for room: a full link takes
     * them in order from a thread of its own), and never while {@link #lock} is taken.
     */
    private final ReentrantLock namesLock = new ReentrantLock();
    /**
     * Signalled (under {@link #namesLock}) when what waits for other nodes' names may look again:
     * a node came up or went down, or a node told the end of its first list.
     */
    private final Condition namesChanged = namesLock.newCondition();
    /**
     * Per nd, the link this kernel was last told came up: a link the network has to a node and
     * this kernel was not told of yet is one whose {@link #nodeUp} is on its way.
     */
    private final ConcurrentHashMap<Integer, Link> toldLinks = new ConcurrentHashMap<>();

    /** Peers of other nodes over the network, by nd (issue 21, B3). */
    private final ConcurrentHashMap<Integer, Peer> nodes = new ConcurrentHashMap<>();
    /** The network those come from, or null. */
    private final Network network;
    /** Ids of the questions asked of other nodes ({@link #processes(int)}). */
    private final java.util.concurrent.atomic.AtomicLong queries = new java.util.concurrent.atomic.AtomicLong();

    /** The peers of the other members of {@code node}. */
    NodePeers(MicrokernelImpl mk, NodeLink node) {
        this.mk = mk;
        this.node = node;
        this.network = null;
    }

    /** The peers of the other nodes of {@code network}. */
    NodePeers(MicrokernelImpl mk, Network network) {
        this.mk = mk;
        this.node = null;
        this.network = network;
    }

    // ------------------------------------------------------------------ other nodes

    /** A global name of another node ({@code NAME_FLAG_ATTACH_GLOBAL}): where {@code nameOpen} connects. */
    record GlobalName(int nd, int pid, int chid) {
    }

    /**
     * Node {@code nd} came up over {@code link}: its peer, in place of one of an earlier
     * incarnation (closed on a thread of its own: the network's thread must not wait), and this
     * kernel's global names told to it, then {@link #OP_NAMES_TOLD}: under {@link #namesLock},
     * so that an attach or detach meanwhile reaches it after the list, never before (a detach
     * that slipped in between the listing and the sending would leave it a name that is gone).
     */
    void nodeUp(int nd, String name, Link link) {
        Peer old;
        Peer fresh;
        lock.lock();
        try {
            if (closed || link == null) {
                return;
            }
            fresh = new Peer(nd, name, link);
            old = nodes.put(nd, fresh);
            refreshWatchable();
        } finally {
            lock.unlock();
        }
        if (old != null) {
            closeLater(old, "node " + name + " came up again");
        }
        namesLock.lock();
        try {
            toldLinks.put(nd, link);
            for (MicrokernelImpl.NameEntry e : mk.globalNames()) {
                fresh.sendName(e.attach().name(), e.proc().pid, e.attach().chid(), true);
            }
            fresh.sendNamesTold();
            namesChanged.signalAll();
        } finally {
            namesLock.unlock();
        }
        LOG.info("node {} (nd {}) is up", name, nd);
    }

    /**
     * Node {@code nd} went down: its processes are dead to this JVM's (ESRCH, DISCONNECT,
     * COIDDEATH), its global names gone. Unreachable at once; the rest on a thread of its own.
     */
    void nodeDown(int nd, String why) {
        Peer p;
        lock.lock();
        try {
            p = nodes.remove(nd);
            refreshWatchable();
        } finally {
            lock.unlock();
        }
        if (p != null) {
            closeLater(p, why);
        }
        wakeNameWaiters();
    }

    private static void closeLater(Peer p, String why) {
        p.names.clear();
        Thread.ofVirtual().name("courier-net-close").start(() -> p.close(why));
    }

    /**
     * This kernel's global name {@code name} of process {@code pid}, channel {@code chid}, was
     * attached or detached: every node that is up is told whether this kernel holds it now
     * ({@link MicrokernelImpl#holdsGlobalName}), read under {@link #namesLock}. So what a node
     * hears last of a name is its state after the last change, whatever order the attaching and
     * detaching threads came in, and it follows the node's first list ({@link #nodeUp}).
     */
    void globalName(String name, int pid, int chid) {
        namesLock.lock();
        try {
            boolean attached = mk.holdsGlobalName(name, pid, chid);
            for (Peer p : nodes.values()) {
                p.sendName(name, pid, chid, attached);
            }
        } finally {
            namesLock.unlock();
        }
    }

    /**
     * The global names node {@code nd} told, while it is up, by name. Right after it came up
     * (or while the network has its link and this kernel is being told so), its first list is
     * waited for: until its end ({@link #OP_NAMES_TOLD}) is told, the node goes down, or {@link
     * #NAMES_WAIT} passed since it came up, at most {@link #NAMES_WAIT} in all.
     *
     * @throws KernelException EINTR when interrupted while waiting (the interrupt stays set)
     */
    java.util.List<io.courier.kernel.NameInfo> globalNames(int nd) {
        if (!namesSettled(nd)) {
            long deadline = System.nanoTime() + NAMES_WAIT.toNanos();
            namesLock.lock();
            try {
                while (!namesSettled(nd) && awaitNames(deadline)) {
                    // Looks again.
                }
            } finally {
                namesLock.unlock();
            }
        }
        return globalNamesKnown(nd);
    }

    /** The thread that takes node {@code nd}'s records (tests), or null. */
    Thread consumerOf(int nd) {
        Peer p = nodes.get(nd);
        return p == null ? null : p.consumer;
    }

    /** The global names node {@code nd} told so far, while it is up, by name: at once. */
    java.util.List<io.courier.kernel.NameInfo> globalNamesKnown(int nd) {
        Peer p = nodes.get(nd);
        if (p == null || p.isClosed()) {
            return java.util.List.of();
        }
        java.util.List<io.courier.kernel.NameInfo> out = new java.util.ArrayList<>();
        p.names.forEach((name, g) -> out.add(new io.courier.kernel.NameInfo(name, g.pid(), g.chid())));
        out.sort(java.util.Comparator.comparing(io.courier.kernel.NameInfo::name));
        return out;
    }

    /**
     * A global name of a node that is up, or null. Found: at once. Otherwise the first lists of
     * the nodes that just came up are waited for as by {@link #globalNames} (one deadline, at
     * most {@link #NAMES_WAIT} from now), then it is looked for again.
     *
     * @throws KernelException EINTR when interrupted while waiting (the interrupt stays set)
     */
    GlobalName lookupGlobal(String name) {
        GlobalName g = findGlobal(name);
        if (g != null) {
            return g;
        }
        long deadline = System.nanoTime() + NAMES_WAIT.toNanos();
        namesLock.lock();
        try {
            while (true) {
                // Settled first: a name told before a list's end is in the table by then.
                boolean settled = allNamesSettled();
                g = findGlobal(name);
                if (g != null || settled || !awaitNames(deadline)) {
                    return g;
                }
            }
        } finally {
            namesLock.unlock();
        }
    }

    /** A global name among what the nodes that are up told, or null. */
    private GlobalName findGlobal(String name) {
        for (Peer p : nodes.values()) {
            GlobalName g = p.names.get(name);
            if (g != null && !p.isClosed()) {
                return g;
            }
        }
        return null;
    }

    /**
     * Whether what node {@code nd} told of its global names is all there is to wait for: its
     * peer is up and told its first list (or had {@link #NAMES_WAIT} to), or it has no peer and
     * the network has no link to it this kernel was not told of yet.
     */
    private boolean namesSettled(int nd) {
        if (closed) {
            return true;
        }
        Peer p = nodes.get(nd);
        if (p != null && !p.isClosed()) {
            return p.namesComplete();
        }
        Link l = network == null || nd <= 0 ? null : network.link(nd);
        return l == null || toldLinks.get(nd) == l;
    }

    /** Whether {@link #namesSettled} holds for every configured node. */
    private boolean allNamesSettled() {
        for (Integer nd : nodes.keySet()) {
            if (!namesSettled(nd)) {
                return false;
            }
        }
        for (int nd = 1; nd <= MAX_ND && network != null && network.name(nd) != null; nd++) {
            if (!namesSettled(nd)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Waits (holding {@link #namesLock}) for {@link #namesChanged}, a slice at most (the
     * network's links change without word to this kernel); false once {@code deadline} passed.
     *
     * @throws KernelException EINTR when interrupted (the interrupt stays set)
     */
    private boolean awaitNames(long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        try {
            namesChanged.awaitNanos(Math.min(left, WAIT_SLICE_NANOS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KernelException(Errno.EINTR, "interrupted waiting for the global names of other nodes");
        }
        return true;
    }

    /** Wakes what waits for other nodes' names ({@link #namesChanged}). */
    private void wakeNameWaiters() {
        namesLock.lock();
        try {
            namesChanged.signalAll();
        } finally {
            namesLock.unlock();
        }
    }

    /**
     * The processes of node {@code nd} as its kernel lists them ({@code pidin -n}), asked over the
     * link: EHOSTUNREACH, EHOSTDOWN as {@link #nodePeer}; ETIMEDOUT when no answer comes within
     * {@link #QUERY_TIMEOUT}; EHOSTDOWN when the node goes down meanwhile; EINTR when interrupted.
     */
    java.util.List<io.courier.kernel.ProcessInfo> processes(int nd) {
        Peer p = nodePeer(nd);
        long id = queries.incrementAndGet();
        java.util.concurrent.CompletableFuture<java.util.List<io.courier.kernel.ProcessInfo>> answer =
                new java.util.concurrent.CompletableFuture<>();
        p.questions.put(id, answer);
        try {
            if (p.isClosed()) {
                throw new KernelException(Errno.EHOSTDOWN, p.label + " is down");
            }
            ByteBuffer record = ByteBuffer.allocate(REQUEST_HEADER).order(ByteOrder.nativeOrder());
            record.putInt(0, OP_PROCS).putLong(8, id);
            p.offer(REQUEST, new ByteBuffer[] {record}, Blocking.NO_DEADLINE);
            return answer.get(QUERY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (KernelException e) {
            throw e.errno() == Errno.ESRCH ? new KernelException(Errno.EHOSTDOWN, p.label + " is down") : e;
        } catch (java.util.concurrent.TimeoutException e) {
            throw new KernelException(Errno.ETIMEDOUT, p.label + " did not answer within " + QUERY_TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KernelException(Errno.EINTR, "interrupted waiting for " + p.label);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof KernelException k ? k
                    : new KernelException(Errno.EIO, p.label + ": " + e.getCause());
        } finally {
            p.questions.remove(id);
        }
    }

    /** The peer of node {@code nd}: EHOSTUNREACH when no configured node has it, EHOSTDOWN while it is down. */
    Peer nodePeer(int nd) {
        Peer p = nodes.get(nd);
        if (p != null && !p.isClosed()) {
            return p;
        }
        String name = network.name(nd);
        if (name == null || nd == io.courier.kernel.Kernel.ND_LOCAL_NODE) {
            throw new KernelException(Errno.EHOSTUNREACH, "no node has descriptor " + nd);
        }
        throw new KernelException(Errno.EHOSTDOWN, "node " + name + " (nd " + nd + ") is down");
    }

    /**
     * The remote channel for {@code chid} of process {@code pid} of node {@code nd}, after that
     * node's kernel said it exists (ESRCH, ENXIO, EPERM otherwise, as a local connect would).
     */
    Channel remoteChannel(Proc client, KThread t, int nd, int pid, int chid) {
        if (pid <= 0) {
            throw new KernelException(Errno.ESRCH, "no process " + pid + " on node " + nd);
        }
        Peer peer = nodePeer(nd);
        peer.call(client, t, OP_CONNECT, pid, chid, Iov.NONE, Iov.NONE, Blocking.NO_DEADLINE, t.effPriority, 0, 0);
        return peer.stub(pid, chid);
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
            refreshWatchable();
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
            refreshWatchable();
        } finally {
            lock.unlock();
        }
        p.close("member " + m.slot() + " (OS pid " + m.pid() + ") is gone");
    }

    /** Under {@link #lock}: {@link #watchable} made again from {@link #peers} and {@link #nodes}, and the kernel's with it. */
    private void refreshWatchable() {
        java.util.List<Peer> all = new java.util.ArrayList<>(nodes.values());
        for (Peer p : peers) {
            if (p != null) {
                all.add(p);
            }
        }
        watchable = all.toArray(Peer[]::new);
        mk.refreshWatchable();
    }

    // ------------------------------------------------------------------ threads that watch the rings

    /**
     * A server thread starts waiting in {@code msgReceive} on a channel that has clients in other
     * JVMs or nodes: it watches the links from all of them ({@code watched}, the kernel's {@link
     * MicrokernelImpl#watchable}; the consumers sleep on), to be polled in each spin or yield
     * round of its wait ({@link #watchRound}) and left before it parks ({@link #watchEnd}). So the
     * next message of a client that talks with it reaches it with no thread woken between them.
     */
    static void watchBegin(Peer[] watched) {
        for (Peer p : watched) {
            p.watchIn();
        }
    }

    /** How many records the threads waiting on this kernel took from the other members' rings themselves. */
    long watchedRecords() {
        long n = 0;
        for (Peer p : watchable) {
            n += p.watchedRecords.sum();
        }
        return n;
    }

    /** One round of a watching wait: each watched ring's records taken, if any came and no other thread takes them. */
    static void watchRound(Peer[] watched) {
        for (Peer p : watched) {
            p.pollIn();
        }
    }

    /** The wait that {@link #watchBegin} began stops watching. */
    static void watchEnd(Peer[] watched) {
        for (Peer p : watched) {
            p.unwatchIn();
        }
    }

    /**
     * The wait that {@link #watchBegin} began parks (a receive on a channel with clients on
     * other nodes): it goes on watching the links that can wake it ({@link Link#watchAsleep}:
     * those of other nodes) and stops watching the others. It polls once more before it parks.
     */
    static void watchAsleep(Peer[] watched, Thread t) {
        for (Peer p : watched) {
            if (!p.watchAsleepIn(t)) {
                p.unwatchIn();
            }
        }
    }

    /** A round of a wait that {@link #watchAsleep}: the links of other nodes polled. */
    static void watchAsleepRound(Peer[] watched) {
        for (Peer p : watched) {
            if (p.member == null) {
                p.pollIn();
            }
        }
    }

    /** The wait that {@link #watchAsleep} ends: each link it still watched polled once more, then left. */
    static void watchAsleepEnd(Peer[] watched, Thread t) {
        for (Peer p : watched) {
            if (p.unwatchAsleepIn(t)) {
                p.pollIn();
                p.unwatchIn();
            }
        }
    }

    private void cutOff(Peer p, String why) {
        if (p.member == null) {
            // Another node: its link is dropped until it comes up again.
            lock.lock();
            try {
                nodes.remove(p.nd, p);
                refreshWatchable();
            } finally {
                lock.unlock();
            }
            p.close(why);
            return;
        }
        lock.lock();
        try {
            cut[p.member.slot()] = 1L + p.member.generation();
            if (peers[p.member.slot()] == p) {
                peers[p.member.slot()] = null;
                refreshWatchable();
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
            refreshWatchable();
        } finally {
            lock.unlock();
        }
        for (Peer p : all) {
            if (p != null) {
                p.close("this kernel left the node");
            }
        }
        for (Integer nd : nodes.keySet()) {
            nodeDown(nd, "this kernel left the network");
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
        peer.call(client, t, OP_CONNECT, pid, chid, Iov.NONE, Iov.NONE, Blocking.NO_DEADLINE, t.effPriority, 0, 0);
        return peer.stub(pid, chid);
    }

    /**
     * {@code signalKill} by {@code sender}'s thread {@code t} to thread {@code tid} (0: any) of
     * process {@code pid} of another member: that JVM's kernel delivers it and says how it went.
     */
    void signal(Proc sender, KThread t, int pid, int tid, int signo, int code, long value) {
        Member m = node.member(pid);
        if (m == null || m.slot() == node.self.slot()) {
            throw new KernelException(Errno.ESRCH, "no process " + pid);
        }
        ByteBuffer what = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(0, signo).putInt(4, code);
        peer(m).call(sender, t, OP_SIGNAL, pid, tid, new ByteBuffer[] {what}, Iov.NONE, Blocking.NO_DEADLINE,
                t.effPriority, 0, value);
    }

    /** The endpoint of a remote channel: where its messages and pulses go. */
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
            long deadline = Blocking.deadline(t, timeout, ThreadState.REPLY);
            if (t.timeoutStates != null) {
                t.timeoutStates = null;
            }
            return peer.call(client, t, OP_SEND, pid, chid, siov, riov, deadline, t.effPriority, 0, 0);
        }

        /**
         * A pulse of {@code client} (a user's, or an event's the kernel delivers for it) to this
         * channel, from thread {@code t}: its kernel queues it and says how that went (EAGAIN at
         * the queue's limit, EPERM, EBADF), so the sender meets the errors of one JVM.
         */
        void pulse(Proc client, KThread t, int priority, int code, long value) {
            peer.call(client, t, OP_PULSE, pid, chid, Iov.NONE, Iov.NONE, Blocking.NO_DEADLINE, priority, code, value);
        }

        /**
         * The last connection of {@code client} to this channel went (detached, or the client
         * died): the server's kernel detaches the client's stand-in connection, and the server
         * gets DISCONNECT as from a local client (K12). Nobody waits for it.
         */
        void detached(Proc client) {
            if (peer.isClosed()) {
                return;
            }
            ByteBuffer header = ByteBuffer.allocate(REQUEST_HEADER).order(ByteOrder.nativeOrder());
            header.putInt(0, OP_DETACH).putInt(16, client.pid).putInt(20, pid).putInt(24, chid).putInt(32, 1)
                    .putInt(36, Kernel.PRIORITY_DEFAULT);
            peer.offerWaiting(REQUEST, header); // If gone, its death detaches everything there.
        }

        /**
         * A send-cycle walk (K19) that reached a thread blocked on this channel: the kernel of
         * its JVM walks on from the channel's server. {@code chain} holds the blocked threads so
         * far, three ints each (pid, tid, state). Never waits: a full ring hands it to a thread.
         */
        void probe(int originPid, int originTid, int[] chain) {
            if (peer.isClosed() || chain.length > 3 * Deadlocks.MAX_DEPTH) {
                return;
            }
            ByteBuffer record = ByteBuffer.allocate(REQUEST_HEADER + 4 * chain.length).order(ByteOrder.nativeOrder());
            record.putInt(0, OP_PROBE).putInt(16, originPid).putInt(20, pid).putInt(24, chid).putInt(32, originTid)
                    .putInt(36, Kernel.PRIORITY_DEFAULT);
            for (int i = 0; i < chain.length; i++) {
                record.putInt(REQUEST_HEADER + 4 * i, chain[i]);
            }
            peer.send(record);
        }
    }

    // ------------------------------------------------------------------ server side: stand-ins

    /**
     * A process of another JVM as this JVM's servers see it: a {@link Proc} of its pid and
     * credentials in no process table, whose connections are the real process's connections to
     * the channels here (one server connection per client process, as in one JVM: its scoid,
     * {@code connectClientInfo}, DISCONNECT when it goes) and whose threads stand for the real
     * process's threads, one each, carrying their tid and priority ({@code msgInfo}, K9, K10).
     */
    final class RemoteProc {
        final Peer peer;
        final Proc proc;
        /** Connections by server pid and chid. */
        private final ConcurrentHashMap<Long, Integer> coids = new ConcurrentHashMap<>();
        private final ConcurrentHashMap<Integer, StandIn> byTid = new ConcurrentHashMap<>();
        /** Set when the peer's table lets it go: a cached reference to it is stale from then on. */
        volatile boolean removed;
        /** The connection {@link #connection} gave last, with its key: no boxed key per message to one server. */
        private volatile LastConnection lastConnection;
        /** Every stand-in of this process, as made (each is also on its thread: {@link KThread#standIn}). */
        private final java.util.concurrent.ConcurrentLinkedQueue<StandIn> standIns = new java.util.concurrent.ConcurrentLinkedQueue<>();

        RemoteProc(Peer peer, int pid, Credentials credentials) {
            this.peer = peer;
            this.proc = new Proc(mk, pid, "pid " + pid + " of " + peer.label, credentials);
            this.proc.node = this;
        }

        /** The tid, in its own JVM, of the thread stand-in {@code t} stands for. */
        int remoteTid(KThread t) {
            StandIn s = t.standIn;
            return s == null ? t.tid : s.remoteTid;
        }

        /** This process's connection to {@code chid} of local process {@code serverPid}, attached on first use. */
        Connection connection(int serverPid, int chid) {
            long key = ((long) serverPid << 32) | (chid & 0xFFFF_FFFFL);
            LastConnection last = lastConnection;
            // Still this process's connection under that coid and not cut: as the table would answer.
            if (last != null && last.key == key && proc.connection(last.c.coid) == last.c && !last.c.dead) {
                return last.c;
            }
            Connection c = connectionByTable(serverPid, chid, key);
            if (c != null) {
                lastConnection = new LastConnection(key, c);
            }
            return c;
        }

        private Connection connectionByTable(int serverPid, int chid, long key) {
            Integer coid = coids.get(key);
            Connection c = coid == null ? null : proc.connection(coid);
            if (c != null && !c.dead) {
                return c;
            }
            if (coid != null) {
                coids.remove(key, coid);
                if (c != null) {
                    Connections.detach(c);
                    proc.sideConns.remove(coid, c);
                }
            }
            if (serverPid <= 0 || mk.proc(serverPid) == null) {
                // Only a process of this JVM: never on to a third.
                throw new KernelException(Errno.ESRCH, "no process " + serverPid);
            }
            int made = Connections.connectAttach(proc, null, Kernel.ND_LOCAL_NODE, serverPid, chid, Kernel.SIDE_CHANNEL, 0);
            Integer had = coids.putIfAbsent(key, made);
            if (had != null) {
                Connection extra = proc.connection(made);
                if (extra != null && proc.sideConns.remove(made, extra)) {
                    Connections.detach(extra);
                }
                made = had;
            }
            return proc.connection(made);
        }

        /**
         * Detaches this process's connection to {@code chid} of {@code serverPid} (DISCONNECT to
         * the server if it asked for it); returns whether the process now has no connection here
         * and no thread in a call.
         */
        boolean detach(int serverPid, int chid) {
            Integer coid = coids.remove(((long) serverPid << 32) | (chid & 0xFFFF_FFFFL));
            if (coid != null) {
                Connection c = proc.connection(coid);
                if (c != null && proc.sideConns.remove(coid, c)) {
                    Connections.detach(c);
                }
            }
            if (!coids.isEmpty()) {
                return false;
            }
            for (StandIn s : standIns) {
                if (s.t.sendPhase() != KThread.IDLE) {
                    return false;
                }
            }
            return true;
        }

        /** The stand-in for thread {@code tid}, made on first use. */
        StandIn standIn(int tid) {
            StandIn s = byTid.get(tid);
            if (s == null) {
                KThread t = mk.newStandIn(proc, peer.consumer, tid);
                t.name = "tid " + tid + " of pid " + proc.pid;
                s = new StandIn(this, t, tid);
                // On the thread itself, not looked up by it: a KThread's hash is its identity
                // hash, a native call from a map's shared call site, and a reply finds its stand-in
                // on every message.
                t.standIn = s;
                byTid.put(tid, s);
                standIns.add(s);
            }
            return s;
        }

        /** The server ended the send of stand-in {@code t} (reply, error, or the channel's end): its client hears of it. */
        void finished(KThread t, int status, Errno error) {
            StandIn s = t.standIn;
            if (s != null) {
                s.outcome(status, error);
            }
        }

        /**
         * A server here delivers {@code ev} to the client behind stand-in {@code client} (K17):
         * the client's JVM delivers it, resolving a registered event there, and says how it went.
         */
        void deliverEvent(Proc server, KThread caller, KThread client, io.courier.kernel.SigEvent ev, boolean verifyOnly) {
            StandIn s = client.standIn;
            if (s == null) {
                throw new KernelException(Errno.ESRCH, "the client is gone");
            }
            ByteBuffer bytes = ByteBuffer.allocate(io.courier.kernel.SigEventLayout.SIZE).order(ByteOrder.nativeOrder());
            io.courier.kernel.SigEventLayout.put(bytes, 0, ev);
            peer.call(server, caller, OP_EVENT, proc.pid, s.remoteTid, new ByteBuffer[] {bytes}, Iov.NONE,
                    Blocking.NO_DEADLINE, caller.effPriority, verifyOnly ? 1 : 0, 0);
        }

        /**
         * The channel behind this process's connection {@code coid} here is gone (its server
         * died or destroyed it): the process's JVM hears of it, never waited for.
         */
        void coidDeath(int coid) {
            Connection c = proc.connection(coid);
            if (c == null || peer.isClosed()) {
                return;
            }
            coids.values().remove(coid);
            ByteBuffer header = ByteBuffer.allocate(REQUEST_HEADER).order(ByteOrder.nativeOrder());
            header.putInt(0, OP_COIDDEATH).putInt(16, c.channel.owner.pid).putInt(20, proc.pid)
                    .putInt(24, c.channel.chid).putInt(32, 1).putInt(36, Kernel.PRIORITY_DEFAULT);
            peer.send(header);
        }

        /** The process is gone with its JVM (or that JVM left the node): as a local process's death. */
        void exit() {
            for (StandIn s : standIns) {
                KThread t = s.t;
                t.dead = true;
                // Queued: out of the queue. REPLY-blocked: a later reply finds it gone (ESRCH).
                int phase = t.sendPhase();
                Connection c = t.sendConn;
                if (phase == KThread.SEND && c != null) {
                    MsgSend.unqueue(t, c.channel);
                } else if (phase == KThread.REPLY) {
                    t.casSendPhase(KThread.REPLY, KThread.IDLE);
                }
            }
            proc.exit();
            for (StandIn s : standIns) {
                mk.releaseThread(s.t, false);
            }
        }
    }

    /** {@link RemoteProc#connection}'s last answer. */
    private record LastConnection(long key, Connection c) {
    }

    /** The stand-in for one thread of a process of another JVM: its kernel thread and its buffers, reused message after message. */
    final class StandIn {
        final RemoteProc rp;
        final KThread t;
        /** The tid of the thread it stands for, in its own JVM. */
        final int remoteTid;
        final ByteBuffer[] siov = new ByteBuffer[1];
        final ByteBuffer[] riov = new ByteBuffer[1];
        private final ByteBuffer header = ByteBuffer.allocate(REPLY_HEADER).order(ByteOrder.nativeOrder());
        private final ByteBuffer[] record = new ByteBuffer[2];
        private ByteBuffer msg = ByteBuffer.allocate(0);
        private ByteBuffer reply = ByteBuffer.allocate(0);
        /** A view of {@link #reply} whose limit is what the server wrote, for the outcome record. */
        private ByteBuffer replyView = reply.duplicate();
        /** The client's call: its rcvid in its JVM. */
        long callId;

        StandIn(RemoteProc rp, KThread t, int remoteTid) {
            this.rp = rp;
            this.t = t;
            this.remoteTid = remoteTid;
        }

        /** The message buffer, with room for {@code n} bytes, cleared. */
        ByteBuffer message(int n) {
            if (msg.capacity() < n) {
                msg = ByteBuffer.allocate(Integer.highestOneBit(Math.max(n, 64) - 1) << 1);
            }
            msg.clear().limit(n);
            siov[0] = msg;
            return msg;
        }

        /** The reply buffer, with room for {@code n} bytes, cleared. */
        void replyRoom(int n) {
            if (reply.capacity() < n) {
                reply = ByteBuffer.allocate(Integer.highestOneBit(Math.max(n, 64) - 1) << 1);
                replyView = reply.duplicate();
            }
            reply.clear().limit(n);
            riov[0] = reply;
        }

        /**
         * The send is over: the stand-in is free again, and the outcome (status and what the
         * server wrote of the reply, or an errno) goes to the client. The client sends nothing
         * more before it has this record, so the buffers are not touched meanwhile.
         */
        void outcome(int status, Errno error) {
            long id = callId;
            int extent = error == null ? Math.min(t.replyExtent, reply.limit()) : 0;
            MsgSend.clearSend(t);
            t.sendPhase(KThread.IDLE);
            header.putLong(0, id).putInt(8, error == null ? 0 : error.code()).putInt(12, status).putInt(16, extent);
            header.clear();
            record[0] = header;
            record[1] = replyView.clear().limit(extent);
            try {
                rp.peer.offer(REPLY, record, Blocking.NO_DEADLINE);
            } catch (KernelException e) {
                // The client's JVM is gone: nobody waits for this outcome.
            }
        }
    }

    // ------------------------------------------------------------------ a peer

    /**
     * The other side of a pair: another member of the node (the rings both ways) or another node
     * (one network link both ways); the consumer, the remote channels and the stand-ins.
     */
    final class Peer {
        /** The other member of the node, or null for another node. */
        final Member member;
        /** The other node's descriptor as this node knows it ({@code ND_LOCAL_NODE} for a member of this node). */
        final int nd;
        /** The other side in logs and errors: "node member 3 (OS pid 1234)", "node beta (nd 2)". */
        final String label;
        /** Where this JVM's requests and outcomes for the peer go. */
        final Link out;
        /** Where the peer's come in (for a node's rings, a second ring; over the network, {@link #out} itself). */
        final Link in;
        /** {@link #in}, which waiting threads watch (a member's ring, another node's link). */
        private final Link watchableIn;
        final String outName;
        final String inName;
        final Thread consumer;
        /** What the consumer hands each record to: made once, not a method reference per poll. */
        private final io.courier.node.RecordHandler onRecord = this::record;
        /** The stand-in process the last request came from: no boxed pid per request while one client talks. */
        private volatile RemoteProc lastRemoteProc;
        private volatile boolean closed;
        /** How many records waiting threads took themselves ({@link #pollIn}; for tests and figures). */
        final java.util.concurrent.atomic.LongAdder watchedRecords = new java.util.concurrent.atomic.LongAdder();
        /** Set by the first thread that cuts this peer off for what it sent: one log line, one cut. */
        private final java.util.concurrent.atomic.AtomicBoolean cutting = new java.util.concurrent.atomic.AtomicBoolean();
        /** Remote channels by pid and chid. */
        private final ConcurrentHashMap<Long, Channel> stubs = new ConcurrentHashMap<>();
        private final ConcurrentHashMap<Integer, Proc> stubProcs = new ConcurrentHashMap<>();
        /** Server side: the peer's processes as this JVM's servers see them. Touched by the consumer, and by close. */
        private final ConcurrentHashMap<Integer, RemoteProc> remoteProcs = new ConcurrentHashMap<>();
        /** Another node's global names, as it told them. */
        final ConcurrentHashMap<String, GlobalName> names = new ConcurrentHashMap<>();
        /** When this peer of another node came up ({@link System#nanoTime}): its first list is waited for until {@link #NAMES_WAIT} after. */
        private final long upNanos = System.nanoTime();
        /** Whether the other node told the end of its first list of global names ({@link #OP_NAMES_TOLD}). */
        private volatile boolean namesTold;
        /**
         * Name records for the other node that found its link full, in order: put by a thread of
         * their own ({@link #drainNames}) before any later one. Added to under {@link #namesLock}.
         */
        private final java.util.concurrent.ConcurrentLinkedQueue<ByteBuffer> namesBacklog =
                new java.util.concurrent.ConcurrentLinkedQueue<>();
        /** Whether {@link #namesBacklog} is being put: later name records queue behind it. Under {@link #namesLock}. */
        private boolean namesDraining;
        /** Questions asked of another node that wait for its answer, by query id. */
        final ConcurrentHashMap<Long, java.util.concurrent.CompletableFuture<java.util.List<io.courier.kernel.ProcessInfo>>>
                questions = new ConcurrentHashMap<>();
        /** The inbound segment {@link #view} shows ({@link #copyOut}). */
        private MemorySegment viewed;
        private ByteBuffer view;
        /** The consumer's own header for the outcomes it sends itself. */
        private final ByteBuffer consumerHeader = ByteBuffer.allocate(REPLY_HEADER).order(ByteOrder.nativeOrder());
        private final ByteBuffer[] consumerRecord = {consumerHeader};

        Peer(Member m) {
            this.member = m;
            this.nd = io.courier.kernel.Kernel.ND_LOCAL_NODE;
            Member self = node.self;
            this.outName = ringName(self, m);
            this.inName = ringName(m, self);
            this.label = "node member " + m.slot() + " (OS pid " + m.pid() + ")";
            this.out = Ring.create(node.folder, outName, RING_CAPACITY, label);
            try {
                this.in = Ring.create(node.folder, inName, RING_CAPACITY, label);
            } catch (RuntimeException e) {
                out.close();
                throw e;
            }
            this.watchableIn = in;
            this.consumer = Thread.ofPlatform().daemon().name("courier-node-" + m.slot() + "-in").unstarted(this::consume);
            this.consumer.start();
        }

        /** Another node, over {@code link} (both ways). */
        Peer(int nd, String nodeName, Link link) {
            this.member = null;
            this.nd = nd;
            this.label = "node " + nodeName + " (nd " + nd + ")";
            this.out = link;
            this.in = link;
            this.outName = "link to " + nodeName;
            this.inName = "link from " + nodeName;
            this.watchableIn = link;
            this.consumer = Thread.ofPlatform().daemon().name("courier-net-" + nodeName + "-in").unstarted(this::consume);
            this.consumer.start();
        }

        /** Tells the other node of a global name of this kernel's. Never waits; under {@link #namesLock}. */
        void sendName(String name, int pid, int chid, boolean attached) {
            byte[] utf8 = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ByteBuffer record = ByteBuffer.allocate(REQUEST_HEADER + utf8.length).order(ByteOrder.nativeOrder());
            record.putInt(0, OP_NAME).putInt(16, pid).putInt(20, pid).putInt(24, chid).putInt(32, 1)
                    .putInt(36, Kernel.PRIORITY_DEFAULT).putInt(48, attached ? 1 : 0);
            record.put(REQUEST_HEADER, utf8);
            sendInOrder(record);
        }

        /** Tells the other node that its first list of this kernel's global names is complete. Never waits; under {@link #namesLock}. */
        void sendNamesTold() {
            ByteBuffer record = ByteBuffer.allocate(REQUEST_HEADER).order(ByteOrder.nativeOrder());
            record.putInt(0, OP_NAMES_TOLD);
            sendInOrder(record);
        }

        /**
         * Puts a name record without waiting and after every earlier one: straight into the link
         * when no earlier one waits for room, else behind them ({@link #namesBacklog}), which a
         * thread of its own puts in order. Under {@link #namesLock}.
         */
        private void sendInOrder(ByteBuffer record) {
            if (closed) {
                return;
            }
            if (namesDraining) {
                namesBacklog.add(record);
                return;
            }
            try {
                if (out.offer(REQUEST, new ByteBuffer[] {record})) {
                    return;
                }
            } catch (RuntimeException e) {
                return; // Cut off or closed.
            }
            namesDraining = true;
            namesBacklog.add(record);
            Thread.ofVirtual().name("courier-net-" + label + "-names").start(this::drainNames);
        }

        /** Puts the waiting name records in order, each when there is room, until none is left or the peer is gone. */
        private void drainNames() {
            while (true) {
                ByteBuffer record = namesBacklog.peek();
                if (record == null) {
                    namesLock.lock();
                    try {
                        if (namesBacklog.isEmpty()) {
                            namesDraining = false;
                            return;
                        }
                    } finally {
                        namesLock.unlock();
                    }
                    continue;
                }
                try {
                    offer(REQUEST, new ByteBuffer[] {record}, Blocking.NO_DEADLINE);
                } catch (KernelException e) {
                    namesBacklog.clear(); // Gone: nobody hears them. Later ones stay behind (sendInOrder drops them).
                    return;
                }
                namesBacklog.poll();
            }
        }

        /** Whether the other node's first list of global names is all there is to wait for: told, or {@link #NAMES_WAIT} passed since it came up. */
        boolean namesComplete() {
            return namesTold || System.nanoTime() - upNanos >= NAMES_WAIT.toNanos();
        }

        /**
         * The other node's first list of global names is complete ({@link #OP_NAMES_TOLD}): a
         * header alone, from another node only; what waits for its names looks again.
         */
        private void namesTold(int length) {
            if (member != null || length != REQUEST_HEADER) {
                throw new CorruptRingException(in.peer(), inName, "a names-told record of " + length + " bytes"
                        + (member != null ? " from a member of this node" : ""));
            }
            namesTold = true;
            wakeNameWaiters();
        }

        /** A global name the other node attached or detached: checked as {@code nameAttach} checks a name. */
        private void name(int pid, int chid, int code, MemorySegment ring, long from, int length) {
            if (member != null || pid <= 0 || chid <= 0 || (code != 0 && code != 1) || length <= 0
                    || length > NAME_BYTES_MAX) {
                throw new CorruptRingException(in.peer(), inName, "a name record of " + length + " bytes, pid " + pid
                        + ", chid " + chid + ", code " + code);
            }
            byte[] utf8 = new byte[length];
            MemorySegment.copy(ring, ValueLayout.JAVA_BYTE, from, utf8, 0, length);
            String name;
            try {
                name = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(utf8)).toString();
                Names.checkName(name);
            } catch (java.nio.charset.CharacterCodingException | KernelException e) {
                throw new CorruptRingException(in.peer(), inName, "a name record with a bad name: " + e.getMessage());
            }
            if (code == 1) {
                names.put(name, new GlobalName(nd, pid, chid));
            } else {
                names.remove(name, new GlobalName(nd, pid, chid));
            }
        }

        /** Whether process {@code pid} can be the peer's: a member's pids carry its slot; another node's are its own. */
        private boolean owns(int pid) {
            return member == null || NodeLink.memberSlot(pid) == member.slot();
        }

        static String ringName(Member from, Member to) {
            return "msg-" + from.slot() + "." + from.generation() + "-" + to.slot() + "." + to.generation();
        }

        /** Whether this peer is closed (its member gone, or cut off). */
        boolean isClosed() {
            return closed;
        }

        Channel stub(int pid, int chid) {
            long key = ((long) pid << 32) | (chid & 0xFFFF_FFFFL);
            Channel ch = stubs.computeIfAbsent(key, k -> {
                Proc owner = stubProc(pid);
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

        /**
         * A call from {@code client}'s thread {@code t} to process {@code pid} of this peer: puts
         * the request in the ring and waits, as a local client does, on its own signal line; the
         * reply record is copied straight into its reply IOV by the consumer. A timeout, signal
         * or interrupt is asked of the server's JVM (an UNBLOCK record), which decides as a local
         * kernel would (K13): the call then ends with that error, or, on an UNBLOCK channel, when
         * the server says.
         */
        int call(Proc client, KThread t, int op, int pid, int chid, ByteBuffer[] siov, ByteBuffer[] riov,
                long deadline, int priority, int code, long value) {
            int replyCapacity = op == OP_SEND ? Iov.length(riov) : 0;
            long bytes = (long) REQUEST_HEADER + Iov.length(siov);
            if (bytes > out.maxPayload()) {
                throw new KernelException(Errno.EMSGSIZE, "a message to another JVM of the node has at most "
                        + (out.maxPayload() - REQUEST_HEADER) + " bytes");
            }
            if (t.riov != riov) {
                t.riov = riov;
            }
            t.rlen = replyCapacity;
            t.replyExtent = 0;
            t.status = 0;
            t.error = null;
            int gen = t.nextGen();
            t.callPeer = this;
            t.show(op == OP_SEND ? ThreadState.SEND : ThreadState.REPLY, pid);
            t.sendPhase(KThread.REPLY);
            // The header and the gathering array are the thread's own, reused call after call
            // (the ring has the bytes once offer returns); the header's reserved words stay 0.
            ByteBuffer header = t.nodeHeader;
            if (header == null) {
                header = ByteBuffer.allocate(REQUEST_HEADER).order(ByteOrder.nativeOrder());
                t.nodeHeader = header;
            }
            header.putInt(0, op).putLong(8, t.rcvid()).putInt(16, client.pid).putInt(20, pid).putInt(24, chid)
                    .putInt(28, Math.min(replyCapacity, out.maxPayload() - REPLY_HEADER)).putInt(32, t.tid)
                    .putInt(36, priority).putInt(40, client.credentials.uid()).putInt(44, client.credentials.gid())
                    .putInt(48, code).putLong(56, value);
            ByteBuffer[] srcs = t.nodeSrcs;
            if (srcs == null || srcs.length != 1 + siov.length) {
                srcs = new ByteBuffer[1 + siov.length];
                t.nodeSrcs = srcs;
            }
            srcs[0] = header;
            System.arraycopy(siov, 0, srcs, 1, siov.length);
            // Watched from before the request goes (the reply may come at once), by a wait that spins or yields.
            boolean watch = mk.idle.parkRound() > 0;
            if (watch) {
                watchIn();
            }
            try {
                offer(REQUEST, srcs, deadline);
            } catch (KernelException e) {
                if (watch) {
                    unwatchIn();
                }
                t.callPeer = null;
                t.sendPhase(KThread.IDLE);
                MsgSend.clearSend(t);
                throw e;
            }
            if (op == OP_SEND) {
                t.show(ThreadState.REPLY, pid);
            }
            return await(client, t, gen, deadline, watch);
        }

        private int await(Proc client, KThread t, int gen, long deadline, boolean watching) {
            boolean asked = false;
            boolean interruptSeen = false;
            IdleStrategy idle = mk.idle;
            int parkRound = idle.parkRound();
            int yieldRound = idle.yieldRound();
            long yieldSince = 0;
            // A virtual thread's yield remounts it on a carrier: past the budget it parks.
            // Across the network: no yield phase at all (-1), see NET_YIELD.
            long yieldBudget = member == null && !NET_YIELD ? -1
                    : Thread.currentThread().isVirtual() ? REPLY_YIELD_NANOS : Long.MAX_VALUE;
            int round = 0;
            boolean asleep = false;
            // While it spins and yields, the client takes what comes in itself (its reply with no
            // wake-up of the consumer between); it stops watching before it parks, unless the link
            // can wake it (another node's).
            try {
                for (;;) {
                    if (round >= yieldRound && round < parkRound
                            && (yieldBudget < 0 || round > yieldRound && System.nanoTime() - yieldSince > yieldBudget)) {
                        // Yielded long enough: the reply is far off (a long call, or a batch being
                        // taken there); the wait parks rather than take the CPU from the threads
                        // that make the reply (a virtual thread's yield costs its carrier a remount).
                        round = parkRound;
                    }
                    if (watching && round >= parkRound && !asleep) {
                        // Another node's link wakes the parked client when its reply comes, and
                        // the client takes it itself; a link that cannot is left to its consumer.
                        asleep = watchAsleepIn(Thread.currentThread());
                        if (!asleep) {
                            watching = false;
                            unwatchIn();
                        }
                    }
                    t.announceParkFrom(round, parkRound);
                    if (t.doneGen == gen) {
                        break;
                    }
                    if (closed || t.dead || client.life != Proc.Life.ALIVE) {
                        // Its JVM is gone, or the client is: no outcome will come.
                        if (t.casSendPhase(KThread.REPLY, KThread.IDLE)) {
                            MsgSend.clearSend(t);
                            throw new KernelException(Errno.ESRCH, closed ? label + " is gone"
                                    : "the client process is gone");
                        }
                        Blocking.pause(round++);
                        continue;
                    }
                    if (!asked) {
                        Errno leave = t.takeUnblock();
                        if (leave == null && Thread.interrupted()) {
                            interruptSeen = true;
                            leave = Errno.EINTR;
                        }
                        if (leave == null && deadline != Blocking.NO_DEADLINE && System.nanoTime() - deadline >= 0) {
                            leave = Errno.ETIMEDOUT;
                        }
                        if (leave != null) {
                            asked = true;
                            askUnblock(client, t, leave);
                            round = 0;
                            t.clearParked();
                            continue;
                        }
                    }
                    if (round == yieldRound) {
                        yieldSince = System.nanoTime();
                    }
                    if (watching) {
                        pollIn();
                        if (t.doneGen == gen) {
                            continue;
                        }
                    }
                    round = Blocking.idle(t, idle, round, asked ? Blocking.NO_DEADLINE : deadline);
                }
            } finally {
                if (asleep && unwatchAsleepIn(Thread.currentThread())) {
                    pollIn(); // a record it was woken for may be another thread's
                }
                if (watching) {
                    unwatchIn();
                }
                t.endWait();
                t.callPeer = null;
            }
            Iov.advance(t.riov, t.replyExtent);
            Errno err = t.error;
            int status = t.status;
            t.sendPhase(KThread.IDLE);
            MsgSend.clearSend(t);
            if (interruptSeen && err != Errno.EINTR) {
                Thread.currentThread().interrupt();
            }
            if (err != null) {
                throw new KernelException(err, "from " + label);
            }
            return status;
        }

        /** Asks the server's JVM to end call {@code t.rcvid()} with {@code why} (K13 there). */
        private void askUnblock(Proc client, KThread t, Errno why) {
            ByteBuffer header = ByteBuffer.allocate(REQUEST_HEADER).order(ByteOrder.nativeOrder());
            header.putInt(0, OP_UNBLOCK).putLong(8, t.rcvid()).putInt(16, client.pid).putInt(20, t.blockedOn)
                    .putInt(32, t.tid).putInt(36, t.effPriority).putInt(48, why.code());
            offerWaiting(REQUEST, header); // If gone, the wait sees it.
        }

        /** Puts a record into the outbound ring, waiting for room while the peer lives. */
        void offer(int type, ByteBuffer[] srcs, long deadline) {
            int spins = 0;
            while (true) {
                if (closed) {
                    throw new KernelException(Errno.ESRCH, label + " is gone");
                }
                boolean put;
                try {
                    put = out.offer(type, srcs);
                } catch (CorruptRingException e) {
                    cutOff(this, e.getMessage());
                    throw new KernelException(Errno.ESRCH, label + " cut off: " + e.getMessage());
                } catch (IllegalStateException e) {
                    throw new KernelException(Errno.ESRCH, label + " is gone");
                }
                if (put) {
                    return;
                }
                if (deadline != Blocking.NO_DEADLINE && System.nanoTime() - deadline > 0) {
                    throw new KernelException(Errno.ETIMEDOUT, "the way to " + label + " stayed full");
                }
                if (++spins < 100) {
                    Thread.onSpinWait();
                } else {
                    java.util.concurrent.locks.LockSupport.parkNanos(50_000);
                }
            }
        }

        // -------------------------------------------------------------- waiting threads that watch the ring

        /** A waiting thread starts watching the inbound link. */
        void watchIn() {
            Link r = watchableIn;
            if (r != null) {
                try {
                    r.watch();
                } catch (IllegalStateException e) {
                    // Closed: the wait sees the peer gone.
                }
            }
        }

        /**
         * A watching thread takes what came in, as the consumer would. What breaks the protocol
         * cuts the peer off as the consumer does, from a thread of its own (the waiting thread
         * may be a server inside its receive).
         */
        void pollIn() {
            Link r = watchableIn;
            if (r == null || closed) {
                return;
            }
            try {
                int n = r.tryPoll(onRecord, 64);
                if (n > 0) {
                    watchedRecords.add(n);
                }
            } catch (CorruptRingException e) {
                cutOffLater(e.getMessage(), null);
            } catch (IllegalStateException e) {
                // Closed under the watcher: the member went, and its close is under way.
            } catch (RuntimeException e) {
                cutOffLater("a watching thread's handling failed: " + e, e);
            }
        }

        /**
         * The watching thread {@code t} parks and goes on watching, woken by what comes in
         * ({@link Link#watchAsleep}); false when the link cannot do that: then it unwatches.
         */
        boolean watchAsleepIn(Thread t) {
            Link r = watchableIn;
            try {
                return r != null && r.watchAsleep(t);
            } catch (IllegalStateException e) {
                return false; // closed meanwhile
            }
        }

        /** Ends {@link #watchAsleepIn}; whether {@code t} was watching asleep. */
        boolean unwatchAsleepIn(Thread t) {
            Link r = watchableIn;
            try {
                return r != null && r.unwatchAsleep(t);
            } catch (IllegalStateException e) {
                return false;
            }
        }

        /** The waiting thread stops watching. */
        void unwatchIn() {
            Link r = watchableIn;
            if (r != null) {
                try {
                    r.unwatch();
                } catch (IllegalStateException e) {
                    // Closed meanwhile.
                }
            }
        }

        private void cutOffLater(String why, Throwable cause) {
            if (closed || !cutting.compareAndSet(false, true)) {
                return;
            }
            if (cause == null) {
                LOG.error("node peer {}: {}; cut off", label, why);
            } else {
                LOG.error("node peer {}: {}; cut off", label, why, cause);
            }
            Thread.ofVirtual().name("courier-node-" + label + "-cut").start(() -> {
                if (!closed) {
                    cutOff(this, why);
                }
            });
        }

        // -------------------------------------------------------------- the consumer

        private void consume() {
            try {
                while (!closed) {
                    if (!in.await(WAIT_SLICE_NANOS)) {
                        continue;
                    }
                    in.poll(onRecord, 64);
                }
            } catch (InterruptedException e) {
                // Closing.
            } catch (CorruptRingException e) {
                if (!closed && cutting.compareAndSet(false, true)) {
                    LOG.error("node peer {}: {}; cut off", label, e.getMessage());
                    cutOff(this, e.getMessage());
                }
            } catch (IllegalStateException e) {
                // The link was closed under the consumer: the network took the node down (its
                // nodeDown follows), or the ring was unmapped. Nothing more comes from it.
                if (!closed) {
                    LOG.info("node peer {}: {}", label, e.getMessage());
                    cutOff(this, e.getMessage());
                }
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.error("node peer {}: the consumer failed", label, e);
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
            int clientPid = ring.get(ValueLayout.JAVA_INT_UNALIGNED, at + 16);
            int serverPid = ring.get(ValueLayout.JAVA_INT_UNALIGNED, at + 20);
            int chid = ring.get(ValueLayout.JAVA_INT_UNALIGNED, at + 24);
            int replyCapacity = ring.get(ValueLayout.JAVA_INT_UNALIGNED, at + 28);
            int tid = ring.get(ValueLayout.JAVA_INT_UNALIGNED, at + 32);
            int priority = ring.get(ValueLayout.JAVA_INT_UNALIGNED, at + 36);
            int uid = ring.get(ValueLayout.JAVA_INT_UNALIGNED, at + 40);
            int gid = ring.get(ValueLayout.JAVA_INT_UNALIGNED, at + 44);
            int code = ring.get(ValueLayout.JAVA_INT_UNALIGNED, at + 48);
            long value = ring.get(ValueLayout.JAVA_LONG_UNALIGNED, at + 56);
            if (op == OP_NAME) {
                name(serverPid, chid, code, ring, at + REQUEST_HEADER, length - REQUEST_HEADER);
                return;
            }
            if (op == OP_NAMES_TOLD) {
                namesTold(length);
                return;
            }
            if (op == OP_PROBE) {
                probe(clientPid, tid, serverPid, chid, ring, at + REQUEST_HEADER, length - REQUEST_HEADER);
                return;
            }
            if (op == OP_PROCS || op == OP_PROCS_ANSWER) {
                if (member != null || id <= 0) {
                    throw new CorruptRingException(in.peer(), inName, "a process-list record (op " + op + ", id " + id
                            + ") from a member of this node");
                }
                if (op == OP_PROCS) {
                    answerProcesses(id);
                } else {
                    processesAnswered(id, ring, at + REQUEST_HEADER, length - REQUEST_HEADER);
                }
                return;
            }
            if (op < OP_CONNECT || op > OP_COIDDEATH || replyCapacity < 0
                    || replyCapacity > out.maxPayload() - REPLY_HEADER || clientPid <= 0
                    || !owns(clientPid) || tid <= 0
                    || priority < Kernel.PRIORITY_MIN || priority > Kernel.PRIORITY_MAX) {
                throw new CorruptRingException(in.peer(), inName, "a request with op " + op + ", reply capacity "
                        + replyCapacity + ", client pid " + clientPid + ", tid " + tid + ", priority " + priority);
            }
            if (op == OP_EVENT) {
                event(id, clientPid, serverPid, chid, priority, code, ring, at + REQUEST_HEADER, length - REQUEST_HEADER);
                return;
            }
            if (op == OP_COIDDEATH) {
                coidDeath(clientPid, serverPid, chid);
                return;
            }
            if (op == OP_SIGNAL) {
                if (length != REQUEST_HEADER + 8) {
                    throw new CorruptRingException(in.peer(), inName, "a signal of " + length + " bytes");
                }
                int signo = ring.get(ValueLayout.JAVA_INT_UNALIGNED, at + REQUEST_HEADER);
                int sigCode = ring.get(ValueLayout.JAVA_INT_UNALIGNED, at + REQUEST_HEADER + 4);
                signal(id, remoteProc(clientPid, uid, gid), serverPid, chid, signo, sigCode, value);
                return;
            }
            if (op == OP_DETACH) {
                RemoteProc rp = remoteProcs.get(clientPid);
                if (rp != null && rp.detach(serverPid, chid)) {
                    // Its last connection here went and none of its threads is in a call: as good as gone.
                    drop(rp);
                }
                return;
            }
            RemoteProc rp = remoteProc(clientPid, uid, gid);
            switch (op) {
                case OP_CONNECT -> {
                    try {
                        rp.connection(serverPid, chid);
                        answer(id, null, 0);
                    } catch (KernelException e) {
                        answer(id, e.errno(), 0);
                    }
                }
                case OP_SEND -> send(rp, id, tid, priority, serverPid, chid, ring, at + REQUEST_HEADER,
                        length - REQUEST_HEADER, replyCapacity);
                case OP_UNBLOCK -> {
                    Errno why;
                    try {
                        why = Errno.of(code);
                    } catch (KernelException bad) {
                        throw new CorruptRingException(in.peer(), inName, "an unblock with errno " + code);
                    }
                    StandIn s = rp.byTid.get(tid);
                    if (s != null && s.callId == id) {
                        unblock(s, why);
                    }
                }
                case OP_PULSE -> {
                    if (code < io.courier.kernel.PulseCode.MIN || code > io.courier.kernel.PulseCode.MAXAVAIL) {
                        throw new CorruptRingException(in.peer(), inName, "a pulse with code " + code);
                    }
                    try {
                        Connection c = rp.connection(serverPid, chid);
                        Proc server = c.channel.owner;
                        if (!rp.proc.mayNotify(server)) {
                            throw new KernelException(Errno.EPERM, "process " + clientPid + " may not send pulses to process "
                                    + server.pid);
                        }
                        if (!Pulses.post(c.channel, priority, code, value, c.sconn.scoid, null)) {
                            throw new KernelException(Errno.EBADF, "the channel is gone");
                        }
                        answer(id, null, 0);
                    } catch (KernelException e) {
                        answer(id, e.errno(), 0);
                    }
                }
                default -> throw new IllegalStateException("op " + op);
            }
        }

        /**
         * A send-cycle walk (K19) handed on by the peer: checked (the origin may be of any JVM of
         * the node, the chain at most {@link Deadlocks#MAX_DEPTH} threads of three ints), then
         * walked on here.
         */
        private void probe(int originPid, int originTid, int pid, int chid, MemorySegment ring, long from, int length) {
            if (originPid <= 0 || originTid <= 0 || pid <= 0 || chid <= 0 || length < 0 || length % 12 != 0
                    || length > 12 * Deadlocks.MAX_DEPTH) {
                throw new CorruptRingException(in.peer(), inName, "a send-cycle probe from pid " + originPid + " tid "
                        + originTid + " to pid " + pid + " chid " + chid + " of " + length + " bytes");
            }
            int[] chain = new int[length / 4];
            MemorySegment.copy(ring, ValueLayout.JAVA_INT_UNALIGNED, from, chain, 0, chain.length);
            if (mk.detectsDeadlocks()) {
                Deadlocks.probed(mk, originPid, originTid, pid, chid, chain);
            }
        }

        /**
         * An event a server of the peer delivers to thread {@code tid} of process {@code pid}
         * here: delivered on a thread of its own (its pulse may cross JVMs again, which the
         * consumer must never wait for), and answered with how it went.
         */
        private void event(long id, int serverPid, int pid, int tid, int inherit, int flags, MemorySegment ring,
                long from, int length) {
            if (length != io.courier.kernel.SigEventLayout.SIZE || (flags & ~1) != 0) {
                throw new CorruptRingException(in.peer(), inName, "an event of " + length + " bytes, flags " + flags);
            }
            ByteBuffer bytes = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder());
            copyOut(ring, from, bytes, length);
            Proc target = pid <= 0 ? null : mk.proc(pid);
            if (target == null) {
                answer(id, Errno.ESRCH, 0);
                return;
            }
            Proc server = stubProc(serverPid);
            answerOnThread(id, "an event", () -> EventDelivery.deliverFromNode(server, serverPid, target, tid, inherit,
                    io.courier.kernel.SigEventLayout.get(bytes, 0), (flags & 1) != 0));
        }

        /**
         * A signal from process {@code from} of the peer to thread {@code tid} (0: any) of
         * process {@code pid} here, with the checks of a local {@code signalKill}; on a thread of
         * its own (SIGKILL runs the process's death, and its exit hooks).
         */
        private void signal(long id, RemoteProc from, int pid, int tid, int signo, int code, long value) {
            Proc target = pid <= 0 ? null : mk.proc(pid);
            Errno refused = null;
            if (target == null) {
                refused = Errno.ESRCH;
            } else if (signo < 1 || signo > io.courier.kernel.Signals.SIGMAX) {
                refused = Errno.EINVAL;
            } else if (!from.proc.mayNotify(target)) {
                refused = Errno.EPERM;
            }
            if (refused != null) {
                answer(id, refused, 0);
                return;
            }
            answerOnThread(id, "a signal", () -> SignalDelivery.signal(target, tid,
                    new io.courier.kernel.SigInfo(signo, code, value, from.proc.pid)));
        }

        /**
         * Runs {@code delivery} on a thread of its own, never the consumer (it may wait: a pulse
         * that crosses JVMs again, a process's death), and answers call {@code id} with how it went.
         */
        private void answerOnThread(long id, String what, Runnable delivery) {
            Thread.ofVirtual().name("courier-node-" + label + "-delivery").start(() -> {
                Errno err = null;
                try {
                    delivery.run();
                } catch (KernelException e) {
                    err = e.errno();
                } catch (RuntimeException e) {
                    LOG.warn("node peer {}: delivering {} failed", label, what, e);
                    err = Errno.EIO;
                }
                ByteBuffer header = ByteBuffer.allocate(REPLY_HEADER).order(ByteOrder.nativeOrder());
                header.putLong(0, id).putInt(8, err == null ? 0 : err.code());
                offerWaiting(REPLY, header);
            });
        }

        /**
         * The other node asks for this kernel's processes ({@code pidin -n}): listed and sent on
         * a thread of its own (listing takes the kernel's locks; the consumer never waits), as
         * many as one record holds.
         */
        private void answerProcesses(long id) {
            Thread.ofVirtual().name("courier-net-" + label + "-pidin").start(() -> {
                ByteBuffer list = ProcessListLayout.encode(mk.processes(), mk.nodeProcesses(),
                        out.maxPayload() - REQUEST_HEADER);
                ByteBuffer header = ByteBuffer.allocate(REQUEST_HEADER).order(ByteOrder.nativeOrder());
                header.putInt(0, OP_PROCS_ANSWER).putLong(8, id);
                try {
                    offer(REQUEST, new ByteBuffer[] {header, list}, Blocking.NO_DEADLINE);
                } catch (KernelException e) {
                    // Gone: nobody waits for it.
                }
            });
        }

        /** The other node's process list: checked, then given to the question that waits for it, if one still does. */
        private void processesAnswered(long id, MemorySegment ring, long from, int length) {
            ByteBuffer bytes = ByteBuffer.allocate(length);
            copyOut(ring, from, bytes, length);
            ProcessListLayout.Decoded list;
            try {
                list = ProcessListLayout.decode(bytes);
            } catch (IllegalArgumentException e) {
                throw new CorruptRingException(in.peer(), inName, "a process list: " + e.getMessage());
            }
            if (list.truncated()) {
                LOG.info("node peer {}: its process list was cut to the {} processes one record holds", label,
                        list.processes().size());
            }
            var q = questions.remove(id);
            if (q != null) {
                q.complete(list.processes());
            }
        }

        /** Puts a record of one buffer from the calling thread, waiting for room while the peer lives. */
        private void offerWaiting(int type, ByteBuffer record) {
            try {
                offer(type, new ByteBuffer[] {record}, Blocking.NO_DEADLINE);
            } catch (KernelException e) {
                // Gone: nobody waits for it.
            }
        }

        /** Puts a record of one buffer from a thread of its own (the ring was full). */
        private void offerLater(int type, ByteBuffer record) {
            Thread.ofVirtual().name("courier-node-" + label + "-offer").start(() -> offerWaiting(type, record));
        }

        /**
         * Channel {@code chid} of process {@code from} of the peer is gone: the connections of
         * process {@code pid} here to it are dead (EBADF), and it gets COIDDEATH for each on its
         * COID_DISCONNECT channel, as from a local server.
         */
        private void coidDeath(int from, int pid, int chid) {
            Channel stub = stubs.get(((long) from << 32) | (chid & 0xFFFF_FFFFL));
            Proc client = pid <= 0 ? null : mk.proc(pid);
            if (stub == null || client == null) {
                return;
            }
            stub.destroyed = true;
            for (IdTable<Connection> table : java.util.List.of(client.fdConns, client.sideConns)) {
                for (Connection c : table.values()) {
                    if (c.channel == stub && !c.dead) {
                        c.dead = true;
                        Channels.coidDeath(client, c.coid);
                    }
                }
            }
        }

        /** The stand-in, in no process table, of process {@code pid} of the peer. */
        private Proc stubProc(int pid) {
            return stubProcs.computeIfAbsent(pid,
                    q -> new Proc(mk, pid, "pid " + pid + " of " + label, Credentials.ROOT));
        }

        /** The stand-in of the client's process, made (with the client's credentials) on its first request. */
        private RemoteProc remoteProc(int pid, int uid, int gid) {
            RemoteProc last = lastRemoteProc;
            if (last != null && last.proc.pid == pid && !last.removed) {
                return last;
            }
            RemoteProc rp = remoteProcs.get(pid);
            if (rp == null) {
                rp = new RemoteProc(this, pid, new Credentials(uid, gid));
                remoteProcs.put(pid, rp);
            }
            lastRemoteProc = rp;
            return rp;
        }

        /** A message for a server of this JVM: its client's stand-in sends it, and the server's outcome goes back from there. */
        private void send(RemoteProc rp, long id, int tid, int priority, int serverPid, int chid, MemorySegment ring,
                long from, int length, int replyCapacity) {
            StandIn s = rp.standIn(tid);
            KThread t = s.t;
            if (t.sendPhase() != KThread.IDLE) {
                throw new CorruptRingException(in.peer(), inName, "a second message from tid " + tid + " of pid "
                        + rp.proc.pid + " before the outcome of its first");
            }
            s.callId = id;
            ByteBuffer msg = s.message(length);
            copyOut(ring, at(from), msg, length);
            s.replyRoom(replyCapacity);
            t.effPriority = priority;
            try {
                Connection c = rp.connection(serverPid, chid);
                if (!c.channel.nodeClients) {
                    c.channel.nodeClients = true;
                }
                if (member == null && !c.channel.netClients) {
                    c.channel.netClients = true;
                }
                MsgSend.post(rp.proc, t, c, s.siov, s.riov);
            } catch (KernelException e) {
                if (t.sendPhase() == KThread.IDLE) {
                    MsgSend.clearSend(t);
                    answer(id, e.errno() == Errno.ESRCH ? Errno.EBADF : e.errno(), 0);
                }
            }
        }

        /**
         * Copies {@code n} bytes at {@code from} of {@code ring} to {@code dst} from its position:
         * into its array straight away when it has one, else from a buffer view of the ring kept
         * while the ring is the same (a segment over the buffer would be an object or two per
         * message where the JIT does not remove them). Called by the holder of the ring's poll
         * rights, one thread at a time.
         */
        private void copyOut(MemorySegment ring, long from, ByteBuffer dst, int n) {
            if (dst.hasArray()) {
                MemorySegment.copy(ring, ValueLayout.JAVA_BYTE, from, dst.array(), dst.arrayOffset() + dst.position(), n);
            } else if (ring.byteSize() <= Integer.MAX_VALUE) {
                if (ring != viewed) {
                    view = ring.asByteBuffer();
                    viewed = ring;
                }
                dst.put(dst.position(), view, (int) from, n);
            } else {
                MemorySegment.copy(ring, from, MemorySegment.ofBuffer(dst), 0, n);
            }
        }

        private static long at(long offset) {
            return offset;
        }

        /**
         * The client asked to leave its call (timeout, signal, interrupt): as for a local client
         * (K13), a queued message is taken back, a REPLY-blocked client on an UNBLOCK channel
         * stays and the server gets the UNBLOCK pulse, any other leaves at once.
         */
        private void unblock(StandIn s, Errno why) {
            KThread t = s.t;
            Connection conn = t.sendConn;
            if (conn == null) {
                return;
            }
            Channel ch = conn.channel;
            for (int round = 0;; round++) {
                int phase = t.sendPhase();
                if (phase == KThread.SEND) {
                    if (MsgSend.unqueue(t, ch)) {
                        left(s, why);
                        return;
                    }
                } else if (phase == KThread.REPLY) {
                    if (ch.has(io.courier.kernel.ChannelFlags.UNBLOCK) && !ch.destroyed) {
                        t.unblockError = why;
                        Pulses.postKernel(ch, new PulseItem(t.priority, io.courier.kernel.PulseCode.UNBLOCK, t.rcvid(),
                                conn.sconn.scoid, null));
                        return;
                    }
                    if (t.casSendPhase(KThread.REPLY, KThread.IDLE)) {
                        left(s, why);
                        return;
                    }
                } else if (phase == KThread.BUSY) {
                    if (MsgReceive.takeBack(t)) {
                        // Handed to this very thread, a receiver taking the ring's records while
                        // it waits, and not copied yet: as good as queued, so it leaves at once
                        // (to wait for the copy here would be to wait on itself).
                        left(s, why);
                        return;
                    }
                    Blocking.pause(round);
                } else {
                    return; // Done: its outcome is on its way.
                }
            }
        }

        /**
         * The client of stand-in {@code s} leaves its call with {@code why}: the stand-in is free
         * again and the outcome is answered as by {@link #answer}, without waiting for room (this
         * runs on a thread that takes the ring's records).
         */
        private void left(StandIn s, Errno why) {
            long id = s.callId;
            MsgSend.clearSend(s.t);
            s.t.sendPhase(KThread.IDLE);
            answer(id, why, 0);
        }

        /** Puts a request record of one buffer without waiting: a full ring hands it to a thread. */
        void send(ByteBuffer record) {
            try {
                if (out.offer(REQUEST, new ByteBuffer[] {record})) {
                    return;
                }
            } catch (RuntimeException e) {
                return; // Cut off or closed.
            }
            offerLater(REQUEST, record);
        }

        /**
         * An outcome the consumer gives itself (a connect, a pulse, a send that could not be
         * posted). Never waits for room: a consumer blocked on a full ring while the other JVM's
         * consumer is blocked on ours would stop both; a full ring hands the record to a thread.
         */
        private void answer(long id, Errno errno, int status) {
            consumerHeader.clear();
            consumerHeader.putLong(0, id).putInt(8, errno == null ? 0 : errno.code()).putInt(12, status).putInt(16, 0);
            try {
                if (out.offer(REPLY, consumerRecord)) {
                    return;
                }
            } catch (RuntimeException e) {
                return; // Cut off or closed: the client's wait sees it.
            }
            ByteBuffer copy = ByteBuffer.allocate(REPLY_HEADER).order(ByteOrder.nativeOrder()).put(0, consumerHeader, 0,
                    REPLY_HEADER);
            offerLater(REPLY, copy);
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
            // The call is the client's rcvid: its thread, if it still waits for this very call on
            // a process of this peer (it may have left: its JVM's client died, or this peer closed).
            KThread t = id <= 0 ? null : mk.slot((int) id);
            if (t == null || t.proc.node != null || t.callPeer != this || !MsgSend.claim(t, (int) (id >>> 32))) {
                return;
            }
            if (e == null && bytes > 0) {
                // Straight into the client's reply IOV, which stays still while it waits; the smaller decides.
                long from = at + REPLY_HEADER;
                int left = Math.min(bytes, t.rlen);
                int written = 0;
                for (ByteBuffer b : t.riov) {
                    if (left == 0) {
                        break;
                    }
                    int n = Math.min(left, b.remaining());
                    if (n > 0) {
                        copyOut(ring, from, b, n);
                        from += n;
                        left -= n;
                        written += n;
                    }
                }
                t.replyExtent = written;
            }
            MsgSend.finishSend(t, status, e);
        }

        void memberProcessGone(int pid) {
            RemoteProc rp = remoteProcs.get(pid);
            if (rp != null) {
                drop(rp);
            }
        }

        /**
         * Lets the stand-in process {@code rp} go: stale to {@link #lastRemoteProc} first, then out
         * of the table, then dead as a process (DISCONNECT to its servers, its threads released).
         */
        private void drop(RemoteProc rp) {
            rp.removed = true;
            remoteProcs.remove(rp.proc.pid, rp);
            rp.exit();
        }

        void close(String why) {
            if (closed) {
                return;
            }
            closed = true;
            names.clear();
            if (member == null) {
                wakeNameWaiters(); // What waits for its names stops waiting.
            }
            LOG.info("node peer {}: closing ({})", label, why);
            for (var q : questions.values()) {
                q.completeExceptionally(new KernelException(Errno.EHOSTDOWN, label + " went down: " + why));
            }
            // The remote channels first: a client woken by its failed call then finds its connection dead (EBADF).
            for (Channel ch : stubs.values()) {
                ch.destroyed = true;
            }
            // Connections of this JVM's processes to them are dead; each gets COIDDEATH as from a local server's death.
            if (!stubs.isEmpty()) {
                for (Proc p : mk.allProcs()) {
                    for (IdTable<Connection> table : java.util.List.of(p.fdConns, p.sideConns)) {
                        for (Connection c : table.values()) {
                            if (c.channel.remote != null && c.channel.remote.peer == this && !c.dead) {
                                c.dead = true;
                                Channels.coidDeath(p, c.coid);
                            }
                        }
                    }
                }
            }
            for (Proc p : stubProcs.values()) {
                p.life = Proc.Life.DEAD;
            }
            // Clients of this JVM waiting on a process over there: ESRCH (rare: a scan, as for a channel's end).
            for (KThread t : mk.allThreads()) {
                if (t.proc.node == null && t.callPeer == this) {
                    int gen = t.gen;
                    if (t.sendPhase() == KThread.REPLY && MsgSend.claim(t, gen)) {
                        MsgSend.finishSend(t, 0, Errno.ESRCH);
                    }
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
            // Its processes, as this JVM's servers saw them, die: DISCONNECT, their messages withdrawn.
            for (Integer pid : remoteProcs.keySet()) {
                memberProcessGone(pid);
            }
            try {
                out.close();
                in.close();
            } catch (RuntimeException e) {
                LOG.debug("closing the way to {}", label, e);
            }
            if (member != null) {
                try {
                    Files.deleteIfExists(node.folder.path().resolve(outName));
                    Files.deleteIfExists(node.folder.path().resolve(inName));
                } catch (java.io.IOException e) {
                    LOG.debug("deleting the rings of {}", label, e);
                }
            }
        }
    }
}
