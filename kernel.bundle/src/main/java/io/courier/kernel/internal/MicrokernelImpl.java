package io.courier.kernel.internal;

import io.courier.kernel.ConnectionInfo;
import io.courier.kernel.Credentials;
import io.courier.kernel.Errno;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.kernel.NameAttach;
import io.courier.kernel.NameInfo;
import io.courier.kernel.ProcessInfo;
import io.courier.kernel.SendCycle;
import io.courier.kernel.SendInfo;
import io.courier.kernel.ThreadInfo;
import io.courier.kernel.ThreadState;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The system: the process table, the attached names, and the table of kernel threads by
 * which rcvids are resolved. A small reaper thread releases the kernel threads of Java
 * threads that ended.
 *
 * <p>SPEC K14 (the name space), K15 (process slots and pids), K16 (pidin's snapshots).
 */
public final class MicrokernelImpl implements Microkernel {
    private static final Logger LOG = LoggerFactory.getLogger(MicrokernelImpl.class);
    private static final long REAP_INTERVAL_MS = 200;

    /** The name and channel of an attached name. */
    record NameEntry(Proc proc, NameAttach attach, boolean global) {
        NameEntry(Proc proc, NameAttach attach) {
            this(proc, attach, false);
        }
    }

    /** Told of every name attached and detached (the OSGi glue publishes names as services). */
    public interface NameWatcher {
        /** {@code name} was attached. */
        void attached(NameInfo name);

        /** {@code name} was detached, or its process died. */
        void detached(NameInfo name);

        /** {@code name} was attached in another JVM of the node, the one with OS pid {@code osPid}. */
        default void attachedInNode(NameInfo name, long osPid) {
        }

        /** {@code name} of another JVM of the node was detached, or its process or JVM died. */
        default void detachedInNode(NameInfo name, long osPid) {
        }
    }

    private final java.util.List<NameWatcher> watchers = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * How blocked calls wait. Each wait reads it once, when it starts, so a strategy set by
     * {@link #idleStrategy(IdleStrategy)} applies from each thread's next wait on.
     */
    IdleStrategy idle;
    /**
     * Send-cycle detection (K19); on unless the system property {@code courier.deadlock.detect}
     * is {@code false} when the kernel boots (benchmarks compare both), or
     * {@link #detectDeadlocks(boolean)} turns it off. Each send reads it once.
     */
    boolean detectDeadlocks = Boolean.parseBoolean(System.getProperty("courier.deadlock.detect", "true"));
    /** Writes {@link #idle} and {@link #detectDeadlocks}, which kernel calls read plainly. */
    private static final VarHandle IDLE;
    private static final VarHandle DETECT_DEADLOCKS;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            IDLE = lookup.findVarHandle(MicrokernelImpl.class, "idle", IdleStrategy.class);
            DETECT_DEADLOCKS = lookup.findVarHandle(MicrokernelImpl.class, "detectDeadlocks", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    /** Process slots; a pid is its slot in the low {@link #PID_SLOT_BITS} bits and the slot's use count above. */
    private final IdTable<Proc> procs = new IdTable<>(1, (1 << PID_SLOT_BITS) - 1);
    /** How often each process slot was used: a reused slot gives a new pid, so a stale pid never names a new process. */
    private int[] slotUses = new int[64];
    /** The bits of a pid that hold its slot. */
    static final int PID_SLOT_BITS = 16;
    private final ConcurrentHashMap<String, NameEntry> names = new ConcurrentHashMap<>();
    /** Kernel threads by slot: a rcvid's low 32 bits. */
    private final IdTable<KThread> slots = new IdTable<>(0, Integer.MAX_VALUE);
    private final ReentrantLock threadLock = new ReentrantLock();
    /** The last generation each slot used, so that a reused slot never repeats a rcvid. */
    private int[] lastGen = new int[64];
    private final ReentrantLock life = new ReentrantLock();
    private final Condition stop = life.newCondition();
    /** Signalled (under {@link #life}) when the kernel joins a network or closes: {@link #awaitNetwork}. */
    private final Condition networkJoinedOrClosed = life.newCondition();
    private boolean closed;
    private final Thread reaper;
    private final AtomicLong rescues = new AtomicLong();
    private final AtomicLong deathFaults = new AtomicLong();
    /** The send cycles K19 refused last, oldest first; guarded by {@link #cyclesLock}. Refusals are rare. */
    private final ArrayDeque<SendCycle> cycles = new ArrayDeque<>();
    private final ReentrantLock cyclesLock = new ReentrantLock();

    /**
     * This kernel's membership of a node, or null when it did not join one (then it behaves as a
     * kernel alone in its JVM).
     */
    final NodeLink node;

    /**
     * Boots an embedded kernel with the default idle strategy; it joins the node the system
     * property {@code courier.node} names (under {@code courier.node.root}), if set.
     */
    public MicrokernelImpl() {
        this(IdleStrategy.BACKOFF, NodeLink.fromSystemProperties());
    }

    /** Boots an embedded kernel whose blocked calls wait with {@code idle}, joining no node. */
    public MicrokernelImpl(IdleStrategy idle) {
        this(idle, null);
    }

    /**
     * Boots an embedded kernel whose blocked calls wait with {@code idle}, joining the node of
     * {@code nodeFolder} (null: none).
     *
     * @throws IllegalStateException the node cannot be joined (every member slot is taken)
     */
    public MicrokernelImpl(IdleStrategy idle, io.courier.node.NodeFolder nodeFolder) {
        this.idle = idle;
        this.node = nodeFolder == null ? null : NodeLink.join(this, nodeFolder);
        this.reaper = Thread.ofPlatform().daemon().name("courier-reaper").start(this::reap);
        if (node != null) {
            node.start();
        }
    }

    // ------------------------------------------------------------------ the node

    /** The node this kernel joined, or null. */
    @Override
    public io.courier.node.NodeFolder nodeFolder() {
        NodeLink n = node;
        return n == null ? null : n.folder;
    }

    /** This kernel's member of its node, or null when it joined none. */
    @Override
    public io.courier.node.Member nodeSelf() {
        NodeLink n = node;
        return n == null ? null : n.self;
    }

    /**
     * The member of the node (the JVM) that holds the process {@code pid}, while that member is
     * alive; null when this kernel joined no node or no living member has the slot the pid names.
     */
    @Override
    public io.courier.node.Member nodeMember(int pid) {
        NodeLink n = node;
        return n == null ? null : n.member(pid);
    }

    /**
     * The processes of the other JVMs of the node, by pid (empty when this kernel joined no
     * node): what {@code pidin} shows beside this JVM's own.
     */
    @Override
    public List<io.courier.kernel.NodeProcessInfo> nodeProcesses() {
        NodeLink n = node;
        if (n == null) {
            return List.of();
        }
        List<io.courier.kernel.NodeProcessInfo> out = new ArrayList<>();
        for (NodeProcesses.Entry e : n.procs.list()) {
            io.courier.node.Member m = e.memberSlot() == n.self.slot() ? null : n.member(e.pid());
            if (m != null && m.slot() == e.memberSlot()) {
                out.add(new io.courier.kernel.NodeProcessInfo(e.pid(), e.name(), e.threads(), e.summary(), m.pid()));
            }
        }
        out.sort(Comparator.comparingInt(io.courier.kernel.NodeProcessInfo::pid));
        return out;
    }

    /** The name of process {@code pid} of another JVM of the node, or null when none is listed. */
    String nodeProcessName(int pid) {
        NodeLink n = node;
        if (n == null) {
            return null;
        }
        for (NodeProcesses.Entry e : n.procs.list()) {
            if (e.pid() == pid) {
                return e.name();
            }
        }
        return null;
    }

    /**
     * The OS pid of the JVM that holds the process {@code pid}: this JVM's for a pid of this
     * kernel, the member's for a pid of another JVM of the node; -1 when no living member has it.
     */
    public long osPid(int pid) {
        NodeLink n = node;
        if (n == null || NodeLink.memberSlot(pid) == n.self.slot()) {
            return ProcessHandle.current().pid();
        }
        io.courier.node.Member m = n.member(pid);
        return m == null ? -1 : m.pid();
    }

    /** The members of this kernel's node alive now (this JVM's included); none when it joined none. */
    @Override
    public List<io.courier.node.Member> nodeMembers() {
        NodeLink n = node;
        return n == null ? List.of() : n.members();
    }

    @Override
    public int nodeMemberOf(int pid) {
        NodeLink n = node;
        if (n == null || pid <= 0) {
            return -1;
        }
        io.courier.node.Member m = n.member(pid);
        return m == null || m.slot() == n.self.slot() ? -1 : m.slot();
    }

    @Override
    public int nodeSlot() {
        NodeLink n = node;
        return n == null ? -1 : n.self.slot();
    }

    /** The peers of the other nodes of the network this kernel joined, or null (issue 21, B3). */
    private volatile NodePeers network;
    /**
     * The peers of the other members of the node and of the other nodes, whose links a server
     * waiting on a channel with clients there watches ({@link NodePeers#watchBegin}): gathered
     * again whenever either kind changes.
     */
    volatile NodePeers.Peer[] watchable = new NodePeers.Peer[0];
    private final ReentrantLock watchableLock = new ReentrantLock();

    /** {@link #watchable} gathered again from the node's and the network's peers. */
    void refreshWatchable() {
        watchableLock.lock();
        try {
            NodeLink n = node;
            NodePeers members = n == null ? null : n.peers;
            NodePeers nodes = network;
            NodePeers.Peer[] a = members == null ? new NodePeers.Peer[0] : members.watchable;
            NodePeers.Peer[] b = nodes == null ? new NodePeers.Peer[0] : nodes.watchable;
            NodePeers.Peer[] all = java.util.Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, all, a.length, b.length);
            watchable = all;
        } finally {
            watchableLock.unlock();
        }
    }
    private volatile io.courier.node.Network networkJoined;

    /**
     * Joins {@code net}: {@code connectAttach(nd, pid, chid, ...)} reaches the processes of its
     * nodes while they are up, and their clients reach this kernel's. Once per kernel.
     *
     * @throws IllegalStateException the kernel joined a network already, or is closed
     */
    @Override
    public void joinNetwork(io.courier.node.Network net) {
        java.util.Objects.requireNonNull(net, "net");
        NodePeers peers;
        life.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the kernel is closed");
            }
            if (network != null) {
                throw new IllegalStateException("the kernel joined the network of node " + networkJoined.nodeName() + " already");
            }
            peers = new NodePeers(this, net);
            network = peers;
            networkJoined = net;
            networkJoinedOrClosed.signalAll();
        } finally {
            life.unlock();
        }
        net.listen(new io.courier.node.NetworkListener() {
            @Override
            public void nodeUp(int nd, String name, long incarnation, io.courier.node.Link link) {
                peers.nodeUp(nd, name, link);
            }

            @Override
            public void nodeDown(int nd, String name, String why) {
                peers.nodeDown(nd, "node " + name + " is down (" + why + ")");
            }
        });
        LOG.info("kernel joined the network as node {}", net.nodeName());
    }

    @Override
    public void leaveNetwork(io.courier.node.Network net) {
        NodePeers peers;
        life.lock();
        try {
            if (net == null || networkJoined != net) {
                return;
            }
            peers = network;
            network = null;
            networkJoined = null;
        } finally {
            life.unlock();
        }
        peers.close();
        LOG.info("kernel left the network of node {}", net.nodeName());
    }

    @Override
    public io.courier.node.Network awaitNetwork(java.time.Duration timeout) throws InterruptedException {
        long left = timeout.toNanos();
        life.lock();
        try {
            while (networkJoined == null && !closed && left > 0) {
                left = networkJoinedOrClosed.awaitNanos(left);
            }
            return networkJoined;
        } finally {
            life.unlock();
        }
    }

    /** The network this kernel joined, or null. */
    @Override
    public io.courier.node.Network network() {
        return networkJoined;
    }

    /** {@code netmgr_ndtostr()}: see {@link io.courier.kernel.Kernel#netmgrNdtostr}. */
    String netmgrNdtostr(int nd) {
        io.courier.node.Network net = networkJoined;
        if (nd == io.courier.kernel.Kernel.ND_LOCAL_NODE) {
            return net == null ? "localhost" : net.nodeName();
        }
        String name = net == null || nd < 0 ? null : net.name(nd);
        if (name == null) {
            throw new KernelException(Errno.EHOSTUNREACH, "no node has descriptor " + nd);
        }
        return name;
    }

    /** {@code netmgr_strtond()}: see {@link io.courier.kernel.Kernel#netmgrStrtond}. */
    int netmgrStrtond(String name) {
        if (name == null || name.isEmpty()) {
            throw new KernelException(Errno.EINVAL, "no node name");
        }
        io.courier.node.Network net = networkJoined;
        if (net == null) {
            if (name.equals("localhost")) {
                return io.courier.kernel.Kernel.ND_LOCAL_NODE;
            }
            throw new KernelException(Errno.ENOENT, "no node " + name + ": this kernel joined no network");
        }
        int nd = net.nd(name);
        if (nd < 0) {
            throw new KernelException(Errno.ENOENT, "no node " + name);
        }
        return nd;
    }

    /**
     * How many records from other nodes the threads waiting on this kernel took from the links
     * themselves (a client its reply, a server its message), rather than the links' consumers:
     * for tests and diagnostics; 0 when this kernel joined no network.
     */
    public long networkRecordsTakenByWaitingThreads() {
        NodePeers n = network;
        return n == null ? 0 : n.watchedRecords();
    }

    /** The peers of the other nodes; EINVAL when this kernel joined no network (only nd 0 is valid then). */
    NodePeers networkPeers() {
        NodePeers n = network;
        if (n == null) {
            throw new KernelException(Errno.EINVAL, "this kernel joined no network: only nd 0 (ND_LOCAL_NODE) is valid");
        }
        return n;
    }

    /** Another member of the node left or died: its processes are gone. Called on the member watcher. */
    void memberGone(io.courier.node.Member member, boolean died) {
        LOG.info("node member {} {}", member, died ? "died" : "left");
    }

    // ------------------------------------------------------------------ settings

    /**
     * Blocked calls wait with {@code idle} from their next wait on; a wait under way keeps the
     * strategy it started with. Release: the strategy (an immutable record) is whole when a
     * waiter reads it.
     */
    public void idleStrategy(IdleStrategy idle) {
        IDLE.setRelease(this, Objects.requireNonNull(idle, "idle"));
    }

    /** The strategy blocked calls wait with. */
    public IdleStrategy idleStrategy() {
        return (IdleStrategy) IDLE.getAcquire(this);
    }

    /** Turns send-cycle detection (K19) on or off for the sends that follow. */
    public void detectDeadlocks(boolean on) {
        DETECT_DEADLOCKS.setRelease(this, on);
    }

    /** Whether sends look for send cycles (K19). */
    public boolean detectsDeadlocks() {
        return (boolean) DETECT_DEADLOCKS.getAcquire(this);
    }

    /**
     * Turns the kernel calls' Flight Recorder events on or off, for every kernel of the JVM
     * (the system property {@code courier.trace.disable} sets the first value). Off, a traced
     * call reads one flag and makes no event at all; on, events cost a check while no
     * recording runs. They stay off on a JDK without JFR.
     */
    public static void tracing(boolean on) {
        Trace.enable(on);
    }

    /** Whether kernel calls make Flight Recorder events. */
    public static boolean tracing() {
        return Trace.enabled();
    }

    // ------------------------------------------------------------------ processes

    @Override
    public Kernel process(String name) {
        return process(name, Credentials.ROOT);
    }

    @Override
    public Kernel process(String name, Credentials credentials) {
        if (name == null || name.isEmpty()) {
            throw new KernelException(Errno.EINVAL, "a process needs a name");
        }
        if (credentials == null) {
            throw new KernelException(Errno.EINVAL, "a process needs credentials");
        }
        life.lock();
        try {
            if (closed) {
                throw new KernelException(Errno.ENXIO, "the kernel is shut down");
            }
            int slot = procs.addNew(id -> new Proc(this, pidFor(id), name, credentials), 1);
            if (slot < 0) {
                throw new KernelException(Errno.EAGAIN, "out of processes");
            }
            Proc p = procs.get(slot);
            if (node != null) {
                node.procs.add(p.pid, name);
            }
            return p;
        } finally {
            life.unlock();
        }
    }

    @Override
    public Optional<Kernel> process(int pid) {
        return Optional.ofNullable(proc(pid));
    }

    /** The pid for a new process in {@code slot}; called under the life lock. */
    private int pidFor(int slot) {
        if (slot >= slotUses.length) {
            slotUses = Arrays.copyOf(slotUses, Math.max(slotUses.length * 2, slot + 1));
        }
        int use = slotUses[slot]++;
        if (node != null) {
            return node.pid(slot, use);
        }
        use &= (1 << (31 - PID_SLOT_BITS)) - 1;
        return (use << PID_SLOT_BITS) | slot;
    }

    Proc proc(int pid) {
        if (pid <= 0) {
            return null;
        }
        Proc p = procs.get(pid & ((1 << PID_SLOT_BITS) - 1));
        return p == null || p.pid != pid || p.life == Proc.Life.DEAD ? null : p;
    }

    void processGone(Proc p) {
        if (p.node != null) {
            // The stand-in of another JVM's or node's process: released when its last connection
            // here closed, or with its JVM or node, whose going is logged where it is seen. The
            // process itself may well live on: "died" would say what is not so.
            LOG.debug("stand-in of process {} ({}) released", p.pid, p.name);
            return;
        }
        procs.remove(p.pid & ((1 << PID_SLOT_BITS) - 1), p);
        if (node != null) {
            node.procs.remove(p.pid);
        }
        LOG.info("process {} ({}) died", p.pid, p.name);
    }

    @Override
    public List<ProcessInfo> processes() {
        reapOnce();
        List<ProcessInfo> out = new ArrayList<>();
        for (Proc p : procs.values()) {
            if (p.life == Proc.Life.DEAD) {
                continue;
            }
            List<ThreadInfo> ts = new ArrayList<>();
            for (KThread t : p.threads.values()) {
                if (t.listed()) {
                    boolean me = t.thread == Thread.currentThread();
                    ts.add(new ThreadInfo(t.tid, t.name, t.effPriority,
                            me ? io.courier.kernel.ThreadState.RUNNING : t.state, t.blockedOn));
                }
            }
            ts.sort(Comparator.comparingInt(ThreadInfo::tid));
            List<Integer> coids = new ArrayList<>(p.fdConns.ids());
            coids.addAll(p.sideConns.ids());
            out.add(new ProcessInfo(p.pid, p.name, p.credentials, ts, p.channels.ids(), coids));
        }
        return out;
    }

    @Override
    public List<NameInfo> names() {
        List<NameInfo> out = new ArrayList<>();
        for (NameEntry e : names.values()) {
            out.add(new NameInfo(e.attach().name(), e.proc().pid, e.attach().chid()));
        }
        NodeLink n = node;
        if (n != null) {
            // The names the other JVMs of the node attached.
            for (NodeNames.Entry e : n.names.list()) {
                if (e.memberSlot() != n.self.slot()) {
                    out.add(new NameInfo(e.name(), e.pid(), e.chid()));
                }
            }
        }
        out.sort(Comparator.comparing(NameInfo::name));
        return out;
    }

    @Override
    public List<ConnectionInfo> connections() {
        List<ConnectionInfo> out = new ArrayList<>();
        for (Proc p : procs.values()) {
            List<Connection> cs = new ArrayList<>(p.fdConns.values());
            cs.addAll(p.sideConns.values());
            for (Connection c : cs) {
                out.add(new ConnectionInfo(p.pid, c.coid, c.channel.owner.pid, c.channel.chid, c.sconn.scoid));
            }
        }
        return out;
    }

    @Override
    public List<SendInfo> sends() {
        List<SendInfo> out = new ArrayList<>();
        for (Proc p : procs.values()) {
            if (p.life == Proc.Life.DEAD) {
                continue;
            }
            for (KThread t : p.threads.values()) {
                ThreadState s = t.state;
                if (t.dead || s != ThreadState.SEND && s != ThreadState.REPLY) {
                    continue;
                }
                // The thread's own fields, read racily: a snapshot may be a moment old, as pidin's is.
                Connection c = t.sendConn;
                KThread server = s == ThreadState.REPLY ? t.servedBy : c == null ? null : Deadlocks.server(c.channel);
                out.add(new SendInfo(p.pid, t.tid, s, t.blockedOn, c == null ? -1 : c.channel.chid,
                        server == null || server.dead ? -1 : server.tid));
            }
        }
        out.sort(Comparator.comparingInt(SendInfo::pid).thenComparingInt(SendInfo::tid));
        return out;
    }

    @Override
    public List<SendCycle> sendCycles() {
        cyclesLock.lock();
        try {
            return List.copyOf(cycles);
        } finally {
            cyclesLock.unlock();
        }
    }

    /** Keeps a refused send cycle for {@link #sendCycles()}, dropping the oldest beyond the limit. */
    void refused(SendCycle cycle) {
        cyclesLock.lock();
        try {
            if (cycles.size() == SEND_CYCLES_KEPT) {
                cycles.removeFirst();
            }
            cycles.addLast(cycle);
        } finally {
            cyclesLock.unlock();
        }
    }

    // ------------------------------------------------------------------ names

    /**
     * Starts telling {@code watcher} of names: first of every name attached now, then of each
     * change. Returns what stops it.
     */
    public Runnable watchNames(NameWatcher watcher) {
        watchers.add(watcher);
        for (NameEntry e : names.values()) {
            watcher.attached(info(e));
        }
        NodeLink n = node;
        Runnable stopNode = n == null ? () -> { } : n.nameFeed.watch(watcher);
        return () -> {
            watchers.remove(watcher);
            stopNode.run();
        };
    }

    private static NameInfo info(NameEntry e) {
        return new NameInfo(e.attach().name(), e.proc().pid, e.attach().chid());
    }

    private void tell(NameEntry e, boolean attached) {
        LOG.info("name '{}' {} by process {} ({}), chid {}", e.attach().name(), attached ? "attached" : "detached",
                e.proc().pid, e.proc().name, e.attach().chid());
        for (NameWatcher w : watchers) {
            try {
                if (attached) {
                    w.attached(info(e));
                } else {
                    w.detached(info(e));
                }
            } catch (RuntimeException ex) {
                LOG.warn("name watcher failed", ex);
            }
        }
    }

    /**
     * Attaches a name: in this JVM's table, and, in a node, in the node's name table, which
     * refuses a name another JVM of the node holds.
     */
    boolean attachName(Proc p, NameAttach attach) {
        return attachName(p, attach, false);
    }

    /** Attaches a name; a global one ({@code NAME_FLAG_ATTACH_GLOBAL}) is told to the nodes of the network too. */
    boolean attachName(Proc p, NameAttach attach, boolean global) {
        NameEntry e = new NameEntry(p, attach, global);
        if (names.putIfAbsent(attach.name(), e) != null) {
            return false;
        }
        NodeLink n = node;
        if (n != null && !n.names.attach(attach.name(), p.pid, attach.chid())) {
            names.remove(attach.name(), e);
            NodePeers net = network;
            if (global && net != null) {
                // A node that came up meanwhile may have been told it in its first list.
                net.globalName(attach.name(), p.pid, attach.chid());
            }
            return false;
        }
        tell(e, true);
        NodePeers net = network;
        if (global && net != null) {
            net.globalName(attach.name(), p.pid, attach.chid());
        }
        return true;
    }

    /**
     * Whether this kernel holds global name {@code name} for channel {@code chid} of process
     * {@code pid}, as {@link #globalNames()} lists it: what the other nodes are told after a change.
     */
    boolean holdsGlobalName(String name, int pid, int chid) {
        NameEntry e = names.get(name);
        return e != null && liveGlobal(e) && e.proc().pid == pid && e.attach().chid() == chid;
    }

    /** A global name of a process alive: what the other nodes are told this kernel holds. */
    private static boolean liveGlobal(NameEntry e) {
        return e.global() && e.proc().life == Proc.Life.ALIVE;
    }

    /** This kernel's global names (name, pid, chid), for a node that comes up. */
    List<NameEntry> globalNames() {
        List<NameEntry> out = new ArrayList<>();
        for (NameEntry e : names.values()) {
            if (liveGlobal(e)) {
                out.add(e);
            }
        }
        return out;
    }

    @Override
    public List<io.courier.kernel.NameInfo> globalNames(int nd) {
        NodePeers net = network;
        return net == null ? List.of() : net.globalNames(nd);
    }

    @Override
    public List<io.courier.kernel.NameInfo> globalNamesKnown(int nd) {
        NodePeers net = network;
        return net == null ? List.of() : net.globalNamesKnown(nd);
    }

    @Override
    public List<ProcessInfo> processes(int nd) {
        if (nd == io.courier.kernel.Kernel.ND_LOCAL_NODE) {
            return processes();
        }
        NodePeers net = network;
        if (net == null || nd < 0) {
            throw new KernelException(Errno.EHOSTUNREACH, "no node has descriptor " + nd);
        }
        return net.processes(nd);
    }

    /**
     * A global name of another node of the network, or null (none, or no network); a node that
     * just came up is given a moment to tell its names ({@link NodePeers#lookupGlobal}).
     *
     * @throws KernelException EINTR when interrupted while waiting for them
     */
    NodePeers.GlobalName lookupGlobalName(String name) {
        NodePeers net = network;
        return net == null ? null : net.lookupGlobal(name);
    }

    boolean detachName(Proc p, NameAttach attach) {
        NameEntry e = names.get(attach.name());
        if (e != null && e.proc() == p && e.attach().equals(attach) && names.remove(attach.name(), e)) {
            detached(e);
            return true;
        }
        return false;
    }

    /** {@code e} left this JVM's table: it leaves the node's too, and the watchers hear of it. */
    private void detached(NameEntry e) {
        NodeLink n = node;
        if (n != null) {
            n.names.detach(e.attach().name(), e.proc().pid, e.attach().chid());
        }
        NodePeers net = network;
        if (e.global() && net != null) {
            net.globalName(e.attach().name(), e.proc().pid, e.attach().chid());
        }
        tell(e, false);
    }

    NameEntry lookupName(String name) {
        NameEntry e = names.get(name);
        return e == null || e.proc().life != Proc.Life.ALIVE ? null : e;
    }

    /**
     * A name attached by a process of another JVM of the node, or null (none, or this kernel
     * joined no node).
     */
    NodeNames.Entry lookupNodeName(String name) {
        NodeLink n = node;
        if (n == null) {
            return null;
        }
        NodeNames.Entry e = n.names.lookup(name);
        return e == null || e.memberSlot() == n.self.slot() ? null : e;
    }

    /**
     * Whether {@code pid} names a process of another JVM of the node that is alive (this kernel
     * joined a node, and the pid's member slot is another living member).
     */
    boolean isOtherMember(int pid) {
        NodeLink n = node;
        if (n == null || pid <= 0) {
            return false;
        }
        io.courier.node.Member m = n.member(pid);
        return m != null && m.slot() != n.self.slot();
    }

    void detachNames(Proc p) {
        for (NameEntry e : names.values()) {
            if (e.proc() == p && names.remove(e.attach().name(), e)) {
                detached(e);
            }
        }
    }

    void channelGone(Channel ch) {
        for (NameEntry e : names.values()) {
            if (e.proc() == ch.owner && e.attach().chid() == ch.chid && names.remove(e.attach().name(), e)) {
                detached(e);
            }
        }
    }

    // ------------------------------------------------------------------ threads

    KThread newThread(Proc p, Thread jt) {
        threadLock.lock();
        try {
            KThread t = register(p, jt, 1);
            KThread old = p.threads.put(jt, t);
            if (old != null) {
                releaseThread(old, false);
            }
            return t;
        } finally {
            threadLock.unlock();
        }
    }

    /**
     * A kernel thread of {@code p} that stands for thread {@code tid} of a process of another JVM
     * of the node (its messages come through {@link NodePeers}): it has a slot (an rcvid) and,
     * if free, that tid, but no Java thread of its own calls the kernel as it, so it is in no
     * process's thread map; {@code carrier} is the thread whose life bounds it (the reaper
     * releases it when that ends). Released by {@link #releaseThread}.
     */
    KThread newStandIn(Proc p, Thread carrier, int tid) {
        threadLock.lock();
        try {
            return register(p, carrier, Math.max(1, tid));
        } finally {
            threadLock.unlock();
        }
    }

    /**
     * A kernel thread of {@code p} on {@code jt} with a slot (its rcvid) and the lowest free tid
     * from {@code tidFrom} on (any free one if none is). Under {@link #threadLock}.
     */
    private KThread register(Proc p, Thread jt, int tidFrom) {
        KThread t = new KThread(p, jt);
        int slot = slots.add(t);
        if (slot < 0) {
            throw new KernelException(Errno.EAGAIN, "out of threads");
        }
        if (slot >= lastGen.length) {
            lastGen = Arrays.copyOf(lastGen, Math.max(lastGen.length * 2, slot + 1));
        }
        t.slot = slot;
        t.gen = lastGen[slot];
        t.firstGen = t.gen;
        int tid = p.tids.add(t, tidFrom);
        if (tid < 0 && tidFrom > 1) {
            tid = p.tids.add(t);
        }
        if (tid < 0) {
            slots.remove(slot, t);
            throw new KernelException(Errno.EAGAIN, "out of threads in process " + p.pid);
        }
        t.tid = tid;
        return t;
    }

    /** The processes of this JVM, alive or dying. */
    List<Proc> allProcs() {
        return procs.values();
    }

    KThread slot(int slot) {
        return slots.get(slot);
    }

    List<KThread> allThreads() {
        return slots.values();
    }

    /** Releases a kernel thread: its tid and slot are free for reuse. */
    void releaseThread(KThread t, boolean died) {
        threadLock.lock();
        try {
            if (!slots.remove(t.slot, t)) {
                return;
            }
            lastGen[t.slot] = t.gen;
            t.dead = true;
            t.proc.threads.remove(t.thread, t);
            t.proc.forget(t);
            t.proc.tids.remove(t.tid, t);
        } finally {
            threadLock.unlock();
        }
        if (died) {
            t.proc.threadDied(t.tid);
        }
    }

    private void reap() {
        for (;;) {
            life.lock();
            try {
                if (closed) {
                    return;
                }
                stop.await(REAP_INTERVAL_MS, TimeUnit.MILLISECONDS);
                if (closed) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                life.unlock();
            }
            try {
                reapOnce();
                if (node != null) {
                    node.tick(procs.values());
                }
            } catch (RuntimeException e) {
                LOG.warn("reaping ended threads failed", e);
            }
        }
    }

    /**
     * Releases the kernel threads whose Java threads ended, and wakes every parked thread whose
     * wait is already over: a wake-up that was lost costs at most one reaper interval.
     */
    void reapOnce() {
        for (KThread t : slots.values()) {
            if (!t.thread.isAlive()) {
                releaseThread(t, true);
            } else if (t.isParked() && t.waitIsOver()) {
                rescues.incrementAndGet();
                LOG.debug("waking {}: parked with its wait over", t);
                LockSupport.unpark(t.thread);
            }
        }
    }

    /**
     * How often the reaper woke a parked thread whose wait was already over. A wake-up may race
     * the reaper's look, so a few are normal; many mean lost wake-ups.
     */
    public long rescues() {
        return rescues.get();
    }

    /**
     * How many steps of process death failed (each logged, and the death went on). Always 0
     * unless the kernel has a bug; the soak tests check it.
     */
    public long deathFaults() {
        return deathFaults.get();
    }

    void deathFault() {
        deathFaults.incrementAndGet();
    }

    /** The number of kernel threads alive (for leak tests). */
    public int threadCount() {
        return slots.size();
    }

    @Override
    public boolean isClosed() {
        life.lock();
        try {
            return closed;
        } finally {
            life.unlock();
        }
    }

    @Override
    public void close() {
        life.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            stop.signalAll();
            networkJoinedOrClosed.signalAll();
        } finally {
            life.unlock();
        }
        for (Proc p : procs.values()) {
            p.exit();
        }
        try {
            reaper.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (node != null) {
            node.close();
        }
        NodePeers net = network;
        if (net != null) {
            net.close();
        }
    }
}
