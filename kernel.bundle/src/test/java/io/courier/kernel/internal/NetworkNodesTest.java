package io.courier.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Errno;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.MsgInfo;
import io.courier.kernel.Pulse;
import io.courier.kernel.PulseCode;
import io.courier.kernel.internal.node.NodeTestSupport;
import io.courier.kernel.internal.node.RingPairNetwork;
import io.courier.testing.Waits;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 (B3): node descriptors in the kernel. Two kernels, each its own node with its own pid
 * space, joined by a {@link io.courier.node.Network} (here a pair of rings: the kernel's seam;
 * the Aeron network is tested in {@code io.courier.net}): {@code connectAttach(nd, pid, chid)}
 * reaches the other node's process, Send/Receive/Reply work with IOVs as locally, the errors of
 * an nd no node has (EHOSTUNREACH), a node that is down (EHOSTDOWN) and a process it lacks
 * (ESRCH); a node that goes down fails its blocked clients with ESRCH, its server connections
 * are DISCONNECTed, and a node that comes back is reached again.
 */
class NetworkNodesTest extends NodeTestSupport {
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private MicrokernelImpl alpha;
    private MicrokernelImpl beta;
    private RingPairNetwork[] net;
    private ExecutorService serverThread;
    /** The nd of the last message's client, as the server on beta saw it. */
    private volatile int lastNd = -1;
    private final java.util.List<ExecutorService> moreThreads = new java.util.ArrayList<>();

    @BeforeEach
    void nodes() {
        alpha = new MicrokernelImpl(IdleStrategy.BACKOFF);
        beta = new MicrokernelImpl(IdleStrategy.BACKOFF);
        net = RingPairNetwork.pair(folder, "alpha", "beta");
        alpha.joinNetwork(net[0]);
        beta.joinNetwork(net[1]);
        serverThread = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void close() throws InterruptedException {
        alpha.close();
        beta.close();
        Waits.shutDown(serverThread);
        for (ExecutorService e : moreThreads) {
            Waits.shutDown(e);
        }
    }

    private record Server(Kernel k, int chid, CompletableFuture<Void> done) {
    }

    /**
     * A server on beta: replies to each message with its bytes reversed and the client's pid as
     * status; a message starting HOLD is never answered; pulses are counted by code.
     */
    private Server startServer(int flags, java.util.Map<Integer, Integer> pulses) throws Exception {
        Kernel s = beta.process("server");
        int chid = CompletableFuture.supplyAsync(() -> s.channelCreate(flags), serverThread).get(10, TimeUnit.SECONDS);
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
            ByteBuffer msg = ByteBuffer.allocate(256);
            MsgInfo info = new MsgInfo();
            while (true) {
                msg.clear();
                long rcvid;
                try {
                    rcvid = s.msgReceive(chid, msg, info);
                } catch (KernelException e) {
                    return; // the kernel closed
                }
                if (rcvid == 0) {
                    Pulse p = Pulse.from(msg.flip());
                    pulses.merge(p.code(), 1, Integer::sum);
                    continue;
                }
                byte[] b = new byte[msg.position()];
                msg.flip().get(b);
                if (new String(b, StandardCharsets.US_ASCII).startsWith("HOLD")) {
                    continue;
                }
                byte[] r = new byte[b.length];
                for (int i = 0; i < b.length; i++) {
                    r[i] = b[b.length - 1 - i];
                }
                lastNd = info.nd();
                s.msgReply(rcvid, info.pid(), ByteBuffer.wrap(r));
            }
        }, serverThread);
        return new Server(s, chid, done);
    }

    /** A server on beta that attaches {@code name} with {@code flags} and replies to each message with its bytes reversed. */
    private Server startNamedServer(String name, int flags) throws Exception {
        Kernel s = beta.process("named-" + name);
        ExecutorService own = Executors.newSingleThreadExecutor();
        moreThreads.add(own);
        io.courier.kernel.NameAttach attach = CompletableFuture.supplyAsync(() -> s.nameAttach(name, flags), own)
                .get(10, TimeUnit.SECONDS);
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
            ByteBuffer msg = ByteBuffer.allocate(512);
            MsgInfo info = new MsgInfo();
            while (true) {
                msg.clear();
                long rcvid;
                try {
                    rcvid = s.msgReceive(attach.chid(), msg, info);
                } catch (KernelException e) {
                    return;
                }
                if (rcvid == 0) {
                    continue;
                }
                if (msg.position() == 4 && new String(msg.array(), 0, 4, StandardCharsets.US_ASCII).equals("DTCH")) {
                    s.msgReply(rcvid, 0, null);
                    s.nameDetach(attach);
                    return;
                }
                s.msgReply(rcvid, info.pid(), null);
            }
        }, own);
        return new Server(s, attach.chid(), done);
    }

    /**
     * What starts once the kernel is in a network (the pathname manager's resolver for {@code
     * /net}, asyncmsg's gateway for channels made before) waits with {@code awaitNetwork}: it
     * returns the network the moment the kernel joins, null when the time runs out or the kernel
     * closes first, and at once when it joined already.
     */
    @Test
    void b3AwaitNetworkReturnsWhenTheKernelJoinsTimesOutOrEndsWithTheKernel() throws Exception {
        assertEquals(net[1], beta.awaitNetwork(Duration.ZERO), "joined already: at once");
        MicrokernelImpl gamma = new MicrokernelImpl(IdleStrategy.BACKOFF);
        MicrokernelImpl delta = new MicrokernelImpl(IdleStrategy.BACKOFF);
        ExecutorService waiters = Executors.newFixedThreadPool(2);
        moreThreads.add(waiters);
        try {
            assertEquals(null, gamma.awaitNetwork(Duration.ofMillis(50)), "no network: null after the time");
            RingPairNetwork[] more = RingPairNetwork.pair(folder, "gamma", "delta");
            java.util.concurrent.CountDownLatch waiting = new java.util.concurrent.CountDownLatch(1);
            CompletableFuture<io.courier.node.Network> joined = CompletableFuture.supplyAsync(() -> {
                waiting.countDown();
                try {
                    return gamma.awaitNetwork(Duration.ofSeconds(60));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, waiters);
            assertTrue(waiting.await(10, TimeUnit.SECONDS));
            gamma.joinNetwork(more[0]);
            assertEquals(more[0], joined.get(10, TimeUnit.SECONDS), "woken by the join, long before its 60 s");

            CompletableFuture<io.courier.node.Network> closedFirst = CompletableFuture.supplyAsync(() -> {
                try {
                    return delta.awaitNetwork(Duration.ofSeconds(60));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, waiters);
            Thread.sleep(100); // let it wait (it is ended by the close either way)
            assertFalse(delta.isClosed());
            delta.close();
            assertEquals(null, closedFirst.get(10, TimeUnit.SECONDS), "the kernel closed: null");
            assertTrue(delta.isClosed(), "what tells a waiter in slices to stop asking");
            long asked = System.nanoTime();
            assertEquals(null, delta.awaitNetwork(Duration.ofSeconds(60)), "closed: null");
            assertTrue(System.nanoTime() - asked < TimeUnit.SECONDS.toNanos(5), "at once");
        } finally {
            gamma.close();
            delta.close();
        }
    }

    /**
     * K13 across nodes with the way back full: a client that leaves its call (a timeout) while
     * the server's node cannot send anything back is answered when room comes, and meanwhile the
     * thread that took the request to leave goes on taking records: another client's message
     * reaches the server. Threads that take a link's records never wait for room on the way
     * back (two nodes doing so at once would stop both); here the way back refuses every outcome
     * until released, as a ring that stays full would.
     */
    @Test
    void b3AClientLeavingWhileTheWayBackIsFullHoldsUpNoOtherRecord() throws Exception {
        net[0].up();
        Server server = startServer(0, new java.util.concurrent.ConcurrentHashMap<>());
        Kernel leaving = alpha.process("leaving");
        Kernel other = alpha.process("other");
        int coid = on(leaving, () -> leaving.connectAttach(1, server.k().pid(), server.chid(), 0, 0));
        int coid2 = on(other, () -> other.connectAttach(1, server.k().pid(), server.chid(), 0, 0));
        assertEquals(other.pid(), (int) on(other, () -> other.msgSend(coid2, ByteBuffer.wrap("warm".getBytes(StandardCharsets.US_ASCII)),
                ByteBuffer.allocate(4))), "the way there and back works");
        net[1].holdOffers(NodePeers.REPLY, true);
        lastNd = -1;
        ExecutorService clients = Executors.newFixedThreadPool(2);
        moreThreads.add(clients);
        // Held by the server; the client leaves after 100 ms, and its outcome cannot go back yet.
        CompletableFuture<Errno> left = CompletableFuture.supplyAsync(() -> {
            try {
                leaving.msgSend(coid, ByteBuffer.wrap("HOLD".getBytes(StandardCharsets.US_ASCII)), null, Duration.ofMillis(100));
                return null;
            } catch (KernelException e) {
                return e.errno();
            }
        }, clients);
        Thread.sleep(400); // its request to leave came to beta and was taken there
        CompletableFuture<Integer> next = CompletableFuture.supplyAsync(() -> other.msgSend(coid2,
                ByteBuffer.wrap("next".getBytes(StandardCharsets.US_ASCII)), ByteBuffer.allocate(4)), clients);
        Waits.eventually("the next message reached the server while the way back was full", () -> lastNd == 1);
        assertTrue(!left.isDone() && !next.isDone(), "neither outcome went back yet");
        net[1].holdOffers(NodePeers.REPLY, false);
        assertEquals(Errno.ETIMEDOUT, left.get(10, TimeUnit.SECONDS), "the client that left");
        assertEquals(other.pid(), (int) next.get(10, TimeUnit.SECONDS), "the next client's reply");
    }

    /**
     * {@code NAME_FLAG_ATTACH_GLOBAL}: a name attached so on one node is found by {@code
     * nameOpen(name, NAME_FLAG_ATTACH_GLOBAL)} on the others, whether it was attached before or
     * after they came up; a local name is not; the name goes when detached and when its node goes.
     */
    @Test
    void b3AGlobalNameIsFoundFromAnotherNode() throws Exception {
        int global = 0x1;
        Server early = startNamedServer("early-global", global);
        net[0].up();
        Server later = startNamedServer("later-global", global);
        startNamedServer("only-local", 0);
        Kernel c = alpha.process("client");
        long end = System.nanoTime() + LIMIT.toNanos();
        int coid = Waits.await(CompletableFuture.supplyAsync(() -> {
            while (true) {
                try {
                    return c.nameOpen("later-global", global);
                } catch (KernelException e) {
                    if (e.errno() != Errno.ENOENT || System.nanoTime() > end) {
                        throw e;
                    }
                    Thread.onSpinWait(); // told a moment after the attach
                }
            }
        }));
        assertEquals(c.pid(), (int) on(c, () -> c.msgSend(coid, ByteBuffer.wrap("hi".getBytes(StandardCharsets.US_ASCII)), null)));
        int coid2 = on(c, () -> c.nameOpen("early-global", global));
        assertEquals(c.pid(), (int) on(c, () -> c.msgSend(coid2, ByteBuffer.allocate(2), null)), "told when the node came up");
        // ConnectServerInfo says which node the server is on, as QNX's _server_info.nd does.
        io.courier.kernel.ServerInfo there = on(c, () -> c.connectServerInfo(coid2));
        assertEquals(new io.courier.kernel.ServerInfo(early.k().pid(), early.chid(), there.scoid(), c.netmgrStrtond("beta")),
                there);
        int localChid = on(c, () -> c.channelCreate(0));
        int self = on(c, () -> c.connectAttach(0, c.pid(), localChid, 0, 0));
        assertEquals(Kernel.ND_LOCAL_NODE, on(c, () -> c.connectServerInfo(self)).nd(), "a server of this node: nd 0");
        assertEquals(Errno.ENOENT, errnoOf(() -> on(c, () -> c.nameOpen("later-global", 0))), "without the flag: this node only");
        assertEquals(Errno.ENOENT, errnoOf(() -> on(c, () -> c.nameOpen("only-local", global))), "a local name stays local");
        assertEquals(Errno.EINVAL, errnoOf(() -> on(c, () -> c.nameOpen("later-global", 0x4))), "unknown flags");
        // Detached over there: gone here.
        on(c, () -> c.msgSend(coid, ByteBuffer.wrap("DTCH".getBytes(StandardCharsets.US_ASCII)), null));
        later.done().get(10, TimeUnit.SECONDS);
        Waits.eventually("the detached name is gone", () -> {
            try {
                c.nameClose(c.nameOpen("later-global", global));
                return false;
            } catch (KernelException e) {
                return e.errno() == Errno.ENOENT;
            }
        });
        // Its node down: its names gone.
        net[0].down("cut");
        assertEquals(Errno.ENOENT, errnoOf(() -> on(c, () -> c.nameOpen("early-global", global))));
        assertTrue(!early.done().isDone(), "the server lives on");
    }

    /** Whether {@code names} holds {@code name} of process {@code pid}. */
    private static boolean holds(java.util.List<io.courier.kernel.NameInfo> names, String name, int pid) {
        return names.stream().anyMatch(n -> n.name().equals(name) && n.pid() == pid);
    }

    /**
     * A node that comes (back) up tells its global names, then their end ({@link
     * NodePeers#OP_NAMES_TOLD}): {@code globalNames(nd)} and a global {@code nameOpen} asked at
     * once after it came up find a name it holds, without a retry (they wait for that end); a
     * name it lacks is ENOENT as soon as its list is told, well before {@link
     * NodePeers#NAMES_WAIT}; a node that is down has none, at once.
     */
    @Test
    void b3AGlobalNameIsFoundAtOnceWhenItsNodeComesBackUp() throws Exception {
        int global = 0x1;
        Server held = startNamedServer("held-global", global);
        Kernel c = alpha.process("client");
        for (int round = 0; round < 5; round++) {
            net[0].up();
            java.util.List<io.courier.kernel.NameInfo> told = alpha.globalNames(1);
            assertTrue(holds(told, "held-global", held.k().pid()), "round " + round + ": " + told);
            assertEquals(told, alpha.globalNamesKnown(1), "once told, the snapshot is the list");
            net[0].down("round " + round);
            assertEquals(java.util.List.of(), alpha.globalNames(1), "a node that is down has none");
            assertEquals(java.util.List.of(), alpha.globalNamesKnown(1), "a node that is down has none");

            long upAt = System.nanoTime();
            net[0].up();
            assertEquals(Errno.ENOENT, errnoOf(() -> on(c, () -> c.nameOpen("held-by-nobody", global))));
            assertTrue(System.nanoTime() - upAt < NodePeers.NAMES_WAIT.toNanos(),
                    "ENOENT once beta's list was told, not after the bound");
            net[0].down("round " + round + " again");

            net[0].up();
            int coid = on(c, () -> c.nameOpen("held-global", global));
            assertEquals(c.pid(), (int) on(c, () -> c.msgSend(coid, ByteBuffer.allocate(2), null)), "round " + round);
            net[0].down("round " + round + " done");
        }
    }

    /**
     * The network has the link to beta but has not told the kernel yet (a network layer tells its
     * listeners a moment after it has a link): {@code globalNames(nd)} and a global {@code
     * nameOpen} asked meanwhile wait for the kernel to be told and for beta's list.
     */
    @Test
    void b3NamesAskedBeforeTheKernelIsToldOfALinkWaitForTheNodesList() throws Exception {
        int global = 0x1;
        Server held = startNamedServer("held-global", global);
        Kernel c = alpha.process("client");
        net[0].connect();
        CompletableFuture<java.util.List<io.courier.kernel.NameInfo>> listed =
                CompletableFuture.supplyAsync(() -> alpha.globalNames(1));
        CompletableFuture<Integer> opened = CompletableFuture.supplyAsync(() -> c.nameOpen("held-global", global));
        net[0].tell();
        java.util.List<io.courier.kernel.NameInfo> told = listed.get(10, TimeUnit.SECONDS);
        assertTrue(holds(told, "held-global", held.k().pid()), told.toString());
        int coid = opened.get(10, TimeUnit.SECONDS);
        assertEquals(c.pid(), (int) on(c, () -> c.msgSend(coid, ByteBuffer.allocate(2), null)));
    }

    /**
     * A node whose kernel never tells its list's end (here nobody is on the other side at all):
     * an interrupted wait for its names is EINTR with the interrupt kept; its going down ends a
     * wait at once; otherwise its names are waited for until {@link NodePeers#NAMES_WAIT} after
     * it came up, then answered with what it told (none), and at once from then on.
     */
    @Test
    void b3ANodeThatNeverEndsItsListOfNamesIsWaitedForOnlyUntilTheBound() throws Exception {
        try (MicrokernelImpl gamma = new MicrokernelImpl(IdleStrategy.BACKOFF)) {
            RingPairNetwork[] mute = RingPairNetwork.pair(folder, "gamma", "mute");
            gamma.joinNetwork(mute[0]);
            mute[0].up();
            CompletableFuture<String> interrupted = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                Thread.currentThread().interrupt();
                try {
                    interrupted.complete("answered " + gamma.globalNames(1));
                } catch (KernelException e) {
                    interrupted.complete(e.errno() + ", interrupt kept: " + Thread.currentThread().isInterrupted());
                }
            });
            assertEquals("EINTR, interrupt kept: true", interrupted.get(10, TimeUnit.SECONDS));

            CompletableFuture<java.util.List<io.courier.kernel.NameInfo>> waiting = new CompletableFuture<>();
            long asked = System.nanoTime();
            Thread waiter = Thread.ofVirtual().start(() -> waiting.complete(gamma.globalNames(1)));
            Waits.eventually("the look-up waits for mute's list",
                    () -> waiter.getState() == Thread.State.TIMED_WAITING || waiting.isDone());
            mute[0].down("test");
            assertEquals(java.util.List.of(), waiting.get(10, TimeUnit.SECONDS));
            assertTrue(System.nanoTime() - asked < NodePeers.NAMES_WAIT.toNanos(), "ended by the node's going down");

            long upAt = System.nanoTime();
            mute[0].up();
            assertEquals(java.util.List.of(), gamma.globalNamesKnown(1), "what mute told so far: nothing");
            assertTrue(System.nanoTime() - upAt < NodePeers.NAMES_WAIT.toNanos() / 2,
                    "globalNamesKnown answers at once, for a display");
            assertEquals(java.util.List.of(), gamma.globalNames(1));
            assertTrue(System.nanoTime() - upAt >= NodePeers.NAMES_WAIT.toNanos(), "waited for until the bound");
            long again = System.nanoTime();
            assertEquals(java.util.List.of(), gamma.globalNames(1));
            Kernel c = gamma.process("client");
            assertEquals(Errno.ENOENT, errnoOf(() -> on(c, () -> c.nameOpen("anything", 0x1))));
            assertTrue(System.nanoTime() - again < NodePeers.NAMES_WAIT.toNanos(), "at once after the bound");
            mute[0].down("test");
        }
    }

    /**
     * What a node is told of a global name follows the first list it was told and ends with the
     * name's state after its last change, whatever order the attaching and detaching threads
     * came in. Beta's attach of "racy" is held in a name watcher (after the name entered beta's
     * table, before beta told the other nodes); alpha comes up meanwhile and finds it in beta's
     * list; it is detached (beta tells alpha), then the attach goes on: alpha must not get the
     * name back.
     */
    @Test
    void b3AnAttachOvertakenByItsDetachAroundANodeComingUpLeavesNoStaleName() throws Exception {
        Kernel racer = beta.process("racer");
        int chid = on(racer, () -> racer.channelCreate(0));
        Proc proc = beta.proc(racer.pid());
        io.courier.kernel.NameAttach attach = new io.courier.kernel.NameAttach("racy", chid);
        java.util.concurrent.CountDownLatch inWatcher = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Runnable stopWatching = beta.watchNames(new MicrokernelImpl.NameWatcher() {
            @Override
            public void attached(io.courier.kernel.NameInfo name) {
                if (name.name().equals("racy")) {
                    inWatcher.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }

            @Override
            public void detached(io.courier.kernel.NameInfo name) {
            }
        });
        try {
            CompletableFuture<Boolean> attaching = CompletableFuture.supplyAsync(() -> beta.attachName(proc, attach, true));
            assertTrue(inWatcher.await(10, TimeUnit.SECONDS), "the attach is held after the table took the name");
            net[0].up();
            assertTrue(holds(alpha.globalNames(1), "racy", racer.pid()), "in the list beta told when alpha came up");
            assertTrue(beta.detachName(proc, attach));
            release.countDown();
            assertTrue(attaching.get(10, TimeUnit.SECONDS));
            // A name attached after both: once alpha has it, alpha heard everything beta told before it.
            Server later = startNamedServer("after-the-race", 0x1);
            Waits.eventually("alpha heard of the later name",
                    () -> holds(alpha.globalNames(1), "after-the-race", later.k().pid()));
            assertTrue(alpha.globalNames(1).stream().noneMatch(n -> n.name().equals("racy")),
                    "no stale name: " + alpha.globalNames(1));
        } finally {
            release.countDown();
            stopWatching.run();
        }
    }

    private static <T> T on(Kernel k, java.util.function.Supplier<T> call) throws Exception {
        try {
            return CompletableFuture.supplyAsync(call).get(20, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw assertInstanceOf(KernelException.class, e.getCause());
        }
    }

    private static Errno errnoOf(java.util.concurrent.Callable<?> call) {
        KernelException e = assertThrows(KernelException.class, () -> {
            try {
                call.call();
            } catch (KernelException k) {
                throw k;
            }
        });
        return e.errno();
    }

    @Test
    void b3NodeNamesAndDescriptorsMapBothWays() throws Exception {
        Kernel c = alpha.process("client");
        assertEquals(1, c.netmgrStrtond("beta"));
        assertEquals(0, c.netmgrStrtond("alpha"), "this node's own name is ND_LOCAL_NODE");
        assertEquals("beta", c.netmgrNdtostr(1));
        assertEquals("alpha", c.netmgrNdtostr(Kernel.ND_LOCAL_NODE));
        assertEquals(Errno.ENOENT, errnoOf(() -> c.netmgrStrtond("gamma")));
        assertEquals(Errno.EINVAL, errnoOf(() -> c.netmgrStrtond("")));
        assertEquals(Errno.EHOSTUNREACH, errnoOf(() -> c.netmgrNdtostr(7)));
        assertEquals(Errno.EHOSTUNREACH, errnoOf(() -> c.netmgrNdtostr(-1)));
        // A kernel that joined no network knows only itself.
        try (MicrokernelImpl alone = new MicrokernelImpl(IdleStrategy.BACKOFF)) {
            Kernel k = alone.process("alone");
            assertEquals("localhost", k.netmgrNdtostr(0));
            assertEquals(Errno.ENOENT, errnoOf(() -> k.netmgrStrtond("beta")));
            assertEquals(Errno.EINVAL, errnoOf(() -> k.connectAttach(1, 1, 1, 0, 0)), "no network: only nd 0");
        }
        assertThrows(IllegalStateException.class, () -> alpha.joinNetwork(net[0]), "once per kernel");
    }

    @Test
    void b3SendReceiveReplyToAProcessOfAnotherNodeByNd() throws Exception {
        net[0].up();
        Server server = startServer(0, new java.util.concurrent.ConcurrentHashMap<>());
        Kernel c = alpha.process("client");
        int nd = c.netmgrStrtond("beta");
        int coid = on(c, () -> c.connectAttach(nd, server.k().pid(), server.chid(), 0, 0));
        // Two IOVs out, two in: gathered there, scattered here.
        ByteBuffer[] out = {ByteBuffer.wrap("hello ".getBytes(StandardCharsets.US_ASCII)),
                ByteBuffer.wrap("node".getBytes(StandardCharsets.US_ASCII))};
        ByteBuffer r1 = ByteBuffer.allocate(4);
        ByteBuffer r2 = ByteBuffer.allocate(16);
        int status = on(c, () -> c.msgSendv(coid, out, new ByteBuffer[] {r1, r2}));
        assertEquals(c.pid(), status, "the server saw the client's own pid");
        assertEquals(beta.process("looker").netmgrStrtond("alpha"), lastNd, "msgInfo: the client's node, as beta numbers it");
        assertEquals("edon", new String(r1.array(), 0, r1.position(), StandardCharsets.US_ASCII));
        assertEquals(" olleh", new String(r2.array(), 0, r2.position(), StandardCharsets.US_ASCII));
        // The errors of a connect: a process the node lacks, an nd no node has.
        assertEquals(Errno.ESRCH, errnoOf(() -> on(c, () -> c.connectAttach(nd, server.k().pid() + 1000, server.chid(), 0, 0))));
        assertEquals(Errno.ESRCH, errnoOf(() -> on(c, () -> c.connectAttach(nd, server.k().pid(), server.chid() + 5, 0, 0))));
        assertEquals(Errno.EHOSTUNREACH, errnoOf(() -> on(c, () -> c.connectAttach(9, server.k().pid(), server.chid(), 0, 0))));
        // Many calls, each answered once, in order.
        for (int i = 0; i < 200; i++) {
            String text = "m" + i;
            ByteBuffer reply = ByteBuffer.allocate(16);
            on(c, () -> c.msgSend(coid, ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)), reply));
            assertEquals(new StringBuilder(text).reverse().toString(),
                    new String(reply.array(), 0, reply.position(), StandardCharsets.US_ASCII));
        }
    }

    /**
     * {@code pidin -n beta}: {@code processes(nd)} lists the other node's processes with their
     * threads as that node's kernel sees them (a server RECEIVE-blocked on its channel), nd 0 this
     * kernel's own; the errors of an nd no node has (EHOSTUNREACH) and of a node that is down
     * (EHOSTDOWN).
     */
    @Test
    void b3TheProcessesOfAnotherNodeAreListedByNd() throws Exception {
        assertEquals(Errno.EHOSTDOWN, errnoOf(() -> alpha.processes(1)), "beta is configured but not up");
        net[0].up();
        Server server = startServer(0, new java.util.concurrent.ConcurrentHashMap<>());
        Kernel mine = alpha.process("on-alpha");
        Waits.eventually("beta lists its server RECEIVE-blocked on its channel, as alpha asks over the network",
                () -> alpha.processes(1).stream().anyMatch(p -> p.pid() == server.k().pid() && p.name().equals("server")
                        && p.channels().contains(server.chid()) && p.threads().stream().anyMatch(
                                t -> t.state() == io.courier.kernel.ThreadState.RECEIVE && t.blockedOn() == server.chid())));
        java.util.List<io.courier.kernel.ProcessInfo> there = alpha.processes(1);
        assertTrue(there.stream().noneMatch(p -> p.name().equals("on-alpha")), "beta's list holds none of alpha's");
        assertEquals(beta.processes().stream().map(io.courier.kernel.ProcessInfo::pid).toList(),
                there.stream().map(io.courier.kernel.ProcessInfo::pid).toList(), "beta's processes, as beta lists them");
        assertTrue(alpha.processes(0).stream().anyMatch(p -> p.pid() == mine.pid()), "nd 0: this node");
        // Gogo's pidin -n beta, on alpha.
        io.courier.kernel.internal.osgi.PidinCommand pidin = new io.courier.kernel.internal.osgi.PidinCommand(alpha);
        String rows = pidin.pidin("-n", "beta");
        assertTrue(rows.matches("(?s)\\s*node\\s+pid.*\\n\\s*beta\\s+" + server.k().pid() + "\\s+\\d+\\s+server/\\S*\\s+\\d+r\\s+RECEIVE\\s+"
                + server.chid() + "\\n.*"), rows);
        assertTrue(pidin.pidin("-n", "nosuch").startsWith("pidin: no node nosuch"));
        assertTrue(pidin.pidin("-x", "beta").startsWith("usage"));
        assertEquals(Errno.EHOSTUNREACH, errnoOf(() -> alpha.processes(9)));
        assertEquals(Errno.EHOSTUNREACH, errnoOf(() -> alpha.processes(-1)));
        net[0].down("test");
        assertEquals(Errno.EHOSTDOWN, errnoOf(() -> alpha.processes(1)));
        assertTrue(pidin.pidin("-n", "beta").startsWith("pidin: node beta: EHOSTDOWN"), pidin.pidin("-n", "beta"));
        try (MicrokernelImpl alone = new MicrokernelImpl(IdleStrategy.BACKOFF)) {
            assertEquals(Errno.EHOSTUNREACH, errnoOf(() -> alone.processes(1)), "no network: only nd 0");
            assertTrue(alone.processes(0).isEmpty());
        }
    }

    /** A node that is up but never answers: {@code processes(nd)} ends with ETIMEDOUT, and the link stays. */
    @Test
    void b3AProcessListThatNeverComesTimesOut() throws Exception {
        try (MicrokernelImpl gamma = new MicrokernelImpl(IdleStrategy.BACKOFF)) {
            RingPairNetwork[] mute = RingPairNetwork.pair(folder, "gamma", "mute");
            gamma.joinNetwork(mute[0]); // nobody joins the other side: nothing consumes or answers
            mute[0].up();
            long start = System.nanoTime();
            assertEquals(Errno.ETIMEDOUT, errnoOf(() -> gamma.processes(1)));
            assertTrue(System.nanoTime() - start >= NodePeers.QUERY_TIMEOUT.toNanos(), "after the query's timeout");
            mute[0].down("test");
        }
    }

    @Test
    void b3ANodeThatGoesDownFailsItsClientsAndIsReachedAgainWhenItReturns() throws Exception {
        Errno before = errnoOf(() -> alpha.process("early").connectAttach(1, 1, 1, 0, 0));
        assertEquals(Errno.EHOSTDOWN, before, "a configured node that is not up");
        net[0].up();
        java.util.Map<Integer, Integer> pulses = new java.util.concurrent.ConcurrentHashMap<>();
        Server server = startServer(ChannelFlags.DISCONNECT, pulses);
        Kernel c = alpha.process("client");
        int coid = on(c, () -> c.connectAttach(1, server.k().pid(), server.chid(), 0, 0));
        CompletableFuture<Errno> held = CompletableFuture.supplyAsync(() -> {
            try {
                c.msgSend(coid, ByteBuffer.wrap("HOLD".getBytes(StandardCharsets.US_ASCII)), ByteBuffer.allocate(4));
                return null;
            } catch (KernelException e) {
                return e.errno();
            }
        });
        Waits.eventually("the client is REPLY-blocked on the other node",
                () -> alpha.sends().stream().anyMatch(s -> s.state() == io.courier.kernel.ThreadState.REPLY));
        net[0].down("cut");
        assertEquals(Errno.ESRCH, held.get(10, TimeUnit.SECONDS), "a client blocked on a node that went down");
        assertEquals(Errno.EBADF, errnoOf(() -> on(c, () -> c.msgSend(coid, ByteBuffer.allocate(1), null))),
                "its connection is dead");
        assertEquals(Errno.EHOSTDOWN,
                errnoOf(() -> on(c, () -> c.connectAttach(1, server.k().pid(), server.chid(), 0, 0))));
        Waits.eventually("the server got DISCONNECT for the client of the node that went",
                () -> pulses.getOrDefault(PulseCode.DISCONNECT, 0) == 1);
        // Back up: reached again by nd.
        net[0].up();
        int again = on(c, () -> c.connectAttach(1, server.k().pid(), server.chid(), 0, 0));
        ByteBuffer reply = ByteBuffer.allocate(8);
        assertEquals(c.pid(), (int) on(c, () -> c.msgSend(again, ByteBuffer.wrap("back".getBytes(StandardCharsets.US_ASCII)), reply)));
        assertEquals("kcab", new String(reply.array(), 0, reply.position(), StandardCharsets.US_ASCII));
        assertTrue(server.done().isDone() == false, "the server lives on");
    }

    /**
     * A node whose records break the protocol is cut off (its link dropped: EHOSTDOWN until it
     * comes up again), never trusted: a global name that is no name, a name record longer than
     * any name, a send-cycle probe whose chain is not whole, an unknown operation, the end of a
     * list of names that is more than a header.
     */
    @Test
    void b3ANodeThatSendsMalformedRecordsIsCutOff() throws Exception {
        byte[][] payloads = {"a/b".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xC3, (byte) 0x28},
                new byte[3 * 255 + 1], new byte[7], new byte[0], new byte[1], new byte[8]};
        int[] ops = {NodePeers.OP_NAME, NodePeers.OP_NAME, NodePeers.OP_NAME, NodePeers.OP_PROBE, 77,
                NodePeers.OP_NAMES_TOLD, NodePeers.OP_NAMES_TOLD};
        Kernel c = alpha.process("client");
        for (int i = 0; i < ops.length; i++) {
            net[0].up();
            ByteBuffer rec = ByteBuffer.allocate(NodePeers.REQUEST_HEADER + payloads[i].length).order(java.nio.ByteOrder.nativeOrder());
            rec.putInt(0, ops[i]).putInt(16, 5).putInt(20, 5).putInt(24, 1).putInt(32, 1).putInt(36, 10).putInt(48, 1);
            rec.put(NodePeers.REQUEST_HEADER, payloads[i]);
            assertTrue(net[1].link(1).offer(NodePeers.REQUEST, new ByteBuffer[] {rec}), "record " + i + " put");
            int n = i;
            Waits.eventually("record " + i + " cut the node off", () -> {
                try {
                    c.connectAttach(1, 1, 1, 0, 0);
                    return false;
                } catch (KernelException e) {
                    return e.errno() == Errno.EHOSTDOWN;
                }
            });
            net[0].down("test " + n);
        }
        // A process list whose count says more than it holds, and one with a thread of state 99.
        ByteBuffer lying = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0, 1000).putInt(4, 0);
        ByteBuffer badState = ProcessListLayout.encode(java.util.List.of(new io.courier.kernel.ProcessInfo(5, "p",
                io.courier.kernel.Credentials.ROOT, java.util.List.of(new io.courier.kernel.ThreadInfo(1, "t", 10,
                        io.courier.kernel.ThreadState.RECEIVE, 1)), java.util.List.of(), java.util.List.of())),
                java.util.List.of(), 256);
        badState.putInt(8 + 12 + 4 + 1 + 4 + 8, 99); // pid, uid, gid, name "p", thread count, tid and priority; then the state
        for (ByteBuffer list : new ByteBuffer[] {lying, badState}) {
            net[0].up();
            ByteBuffer rec = ByteBuffer.allocate(NodePeers.REQUEST_HEADER + list.remaining()).order(java.nio.ByteOrder.nativeOrder());
            rec.putInt(0, NodePeers.OP_PROCS_ANSWER).putLong(8, 1);
            rec.put(NodePeers.REQUEST_HEADER, list, 0, list.remaining());
            assertTrue(net[1].link(1).offer(NodePeers.REQUEST, new ByteBuffer[] {rec}));
            Waits.eventually("a bad process list cut the node off", () -> {
                try {
                    c.connectAttach(1, 1, 1, 0, 0);
                    return false;
                } catch (KernelException e) {
                    return e.errno() == Errno.EHOSTDOWN;
                }
            });
            net[0].down("bad list");
        }
        // A good node again afterwards.
        net[0].up();
        Server server = startServer(0, new java.util.concurrent.ConcurrentHashMap<>());
        int coid = on(c, () -> c.connectAttach(1, server.k().pid(), server.chid(), 0, 0));
        assertEquals(c.pid(), (int) on(c, () -> c.msgSend(coid, ByteBuffer.allocate(3), ByteBuffer.allocate(3))));
    }

    /**
     * Issues 20 and 21: a message from another node (or JVM) makes no garbage where it arrives.
     * The thread that takes the other side's records finds the client's stand-in process, its
     * stand-in thread and its connection to the server, copies the message into the stand-in's
     * buffer and queues it: once warm, none of that allocates (no boxed pid, tid or connection
     * key, no segment over the stand-in's buffer per message). Measured with that thread's
     * allocation counter over 20,000 round trips, with a bound of less than the smallest object
     * (16 bytes) a message on average: what may remain is the JDK's view of the errno capture
     * when the thread sleeps on its futex between two messages (a small segment, where the JIT
     * does not remove it), which is not every message.
     */
    @Test
    @org.junit.jupiter.api.Timeout(120)
    void b3AMessageFromAnotherNodeAllocatesNothingWhereItArrives() throws Exception {
        net[0].up();
        Server server = startServer(0, new java.util.concurrent.ConcurrentHashMap<>());
        Kernel c = alpha.process("client");
        int coid = c.connectAttach(1, server.k().pid(), server.chid(), 0, 0);
        Thread consumer = beta.networkPeers().consumerOf(1);
        assertTrue(consumer != null, "beta takes alpha's records on a thread of its own");
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        ByteBuffer out = ByteBuffer.allocate(8);
        ByteBuffer in = ByteBuffer.allocate(8);
        int rounds = 20_000;
        long allocated = Long.MAX_VALUE;
        for (int pass = 0; pass < 6 && allocated >= 16L * rounds; pass++) {
            long before = mx.getThreadAllocatedBytes(consumer.threadId());
            for (int i = 0; i < rounds; i++) {
                out.clear().putLong(0, i);
                in.clear();
                c.msgSend(coid, out, in);
                assertEquals(Long.reverseBytes(i), in.getLong(0), "the server answers with the bytes reversed");
            }
            allocated = mx.getThreadAllocatedBytes(consumer.threadId()) - before;
        }
        assertTrue(allocated < 16L * rounds, "the records of " + rounds + " messages allocated " + allocated
                + " bytes on the thread that takes them");
    }

    /**
     * The waiting client takes its replies from the link to the other node itself, and the
     * waiting server its messages (issue 21: no consumer between them while they spin), with the
     * bytes, status and nd of any other path.
     */
    @Test
    void b3MessagesAndRepliesBetweenNodesAreTakenByTheWaitingServerAndClientThemselves() throws Exception {
        net[0].up();
        Server server = startServer(0, new java.util.concurrent.ConcurrentHashMap<>());
        Kernel c = alpha.process("client");
        int coid = c.connectAttach(1, server.k().pid(), server.chid(), 0, 0);
        ByteBuffer out = ByteBuffer.allocate(8);
        ByteBuffer in = ByteBuffer.allocate(8);
        int calls = 3_000;
        for (int i = 0; i < calls; i++) {
            out.clear().putLong(0, i);
            in.clear();
            assertEquals(c.pid(), c.msgSend(coid, out, in, LIMIT));
            assertEquals(Long.reverseBytes(i), in.getLong(0), "the server answers with the bytes reversed");
        }
        assertEquals(beta.process("looker").netmgrStrtond("alpha"), lastNd, "the server sees the client's node");
        long byClient = alpha.networkPeers().watchedRecords();
        long byServer = beta.networkPeers().watchedRecords();
        System.out.printf("of %d calls across nodes: replies taken by the waiting client %d, messages by the waiting server %d%n",
                calls, byClient, byServer);
        assertTrue(byClient > 0, "no reply was taken by its waiting client");
        assertTrue(byServer > 0, "no message was taken by the waiting server");
    }

    /** Leaving the network: its nodes are down to the kernel (blocked clients: ESRCH), only nd 0 is valid, and it may join again. */
    @Test
    void b3AKernelThatLeavesTheNetworkMayJoinAgain() throws Exception {
        net[0].up();
        Server server = startServer(0, new java.util.concurrent.ConcurrentHashMap<>());
        Kernel c = alpha.process("client");
        int coid = on(c, () -> c.connectAttach(1, server.k().pid(), server.chid(), 0, 0));
        CompletableFuture<Errno> held = CompletableFuture.supplyAsync(() -> {
            try {
                c.msgSend(coid, ByteBuffer.wrap("HOLD".getBytes(StandardCharsets.US_ASCII)), null);
                return null;
            } catch (KernelException e) {
                return e.errno();
            }
        });
        Waits.eventually("REPLY-blocked", () -> alpha.sends().stream().anyMatch(s -> s.state() == io.courier.kernel.ThreadState.REPLY));
        alpha.leaveNetwork(net[1]); // not the one it joined: nothing
        assertEquals(net[0], alpha.network());
        alpha.leaveNetwork(net[0]);
        assertEquals(Errno.ESRCH, held.get(10, TimeUnit.SECONDS));
        assertEquals(null, alpha.network());
        assertEquals(Errno.EINVAL, errnoOf(() -> on(c, () -> c.connectAttach(1, server.k().pid(), server.chid(), 0, 0))));
        RingPairNetwork[] again = RingPairNetwork.pair(folder, "alpha2", "beta2");
        alpha.joinNetwork(again[0]);
        beta.leaveNetwork(net[1]);
        beta.joinNetwork(again[1]);
        again[0].up();
        int coid2 = on(c, () -> c.connectAttach(1, server.k().pid(), server.chid(), 0, 0));
        assertEquals(c.pid(), (int) on(c, () -> c.msgSend(coid2, ByteBuffer.allocate(2), ByteBuffer.allocate(2))));
    }
}
