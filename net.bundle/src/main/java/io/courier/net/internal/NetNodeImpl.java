package io.courier.net.internal;

import static io.courier.net.internal.HelloLayout.ACCEPTED;
import static io.courier.net.internal.HelloLayout.FROM_INC_OFFSET;
import static io.courier.net.internal.HelloLayout.FROM_NONCE_OFFSET;
import static io.courier.net.internal.HelloLayout.GOODBYE;
import static io.courier.net.internal.HelloLayout.HAS_MAC;
import static io.courier.net.internal.HelloLayout.HELLO;
import static io.courier.net.internal.HelloLayout.NONCE_LENGTH;
import static io.courier.net.internal.HelloLayout.TO_INC_OFFSET;
import static io.courier.net.internal.HelloLayout.TO_NONCE_OFFSET;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.logbuffer.Header;
import io.courier.net.NetConfig;
import io.courier.net.NetListener;
import io.courier.net.NetNode;
import io.courier.net.PeerStatus;
import io.courier.net.UnknownNodeException;
import io.courier.node.Link;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link NetNode} over Aeron: an embedded media driver (one shared thread that backs off to
 * parking when idle), one UDP endpoint with two streams (records, control), and per peer one
 * exclusive publication of each.
 *
 * <p>One conductor thread ({@code courier-net-<name>}) owns all state but the links: it reads
 * the control stream, sends HELLOs (on every change and every heartbeat), decides up and down,
 * and calls the listener. The links' records never pass through it: each link's consumer polls
 * the peer's record image itself.
 *
 * <p>The handshake, per peer (both sides run it at once, symmetrically):
 * <ol>
 * <li>Each sends HELLO with its incarnation and a fresh nonce for that peer.</li>
 * <li>Having heard the peer's nonce, each signs its HELLO (HMAC-SHA256 with the shared key over
 *     both names, incarnations and nonces and its record stream's session): this proves the key
 *     and binds the proof to the peer's fresh challenge.</li>
 * <li>A node that verified the peer's proof for its own current nonce, and has the peer's
 *     record image, says ACCEPTED in its signed HELLOs.</li>
 * <li>A node is up with a peer when it verified the peer's proof and the peer's (verified)
 *     HELLO says ACCEPTED: then both ends bound each other's record streams.</li>
 * </ol>
 * Once up, only verified HELLOs count: every heartbeat carries a proof. A peer with a new
 * incarnation, one that no longer says ACCEPTED (it reset the link), a GOODBYE, silence past the
 * dead-after time, or the end of its record stream, takes it down: the link closes, this node's
 * nonce for the peer and its record stream to it are replaced, and the handshake starts over.
 * Records still on their way in the old streams are never read, on either side.
 */
public final class NetNodeImpl implements NetNode {
    static final int RECORD_STREAM = 1001;
    static final int CONTROL_STREAM = 1002;
    static final int CONTROL_TERM_LENGTH = 64 * 1024;
    /** How often the conductor looks at timeouts. */
    static final long CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /**
     * The longest wait of the media driver's shared thread when idle (system property {@code
     * courier.net.driverMaxParkNanos}, rounded up to a millisecond): a datagram or an offer ends
     * it before ({@link Doorbell}).
     */
    static final long DRIVER_MAX_PARK_NANOS = Long.getLong("courier.net.driverMaxParkNanos", 1_000_000);
    /** The longest park of the conductor when idle. */
    static final long CONDUCTOR_MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private static final Logger LOG = LoggerFactory.getLogger(NetNodeImpl.class);

    private final NetConfig config;
    private final NetListener listener;
    private final Handshake handshake;
    private final OnceLog refused = new OnceLog(LOG);
    private final long incarnation;
    private final PeerState[] byNd;
    private final Map<String, PeerState> byName = new HashMap<>();
    private final Path folder;
    private final long deadAfterNanos;
    private final long heartbeatNanos;
    private final long driverMaxWaitNanos;
    private final long linkMaxParkNanos;
    private MediaDriver driver;
    private Doorbell bell;
    private Aeron aeron;
    private Subscription records;
    private Subscription control;
    private Thread conductor;
    private volatile boolean running = true;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong driverErrors = new AtomicLong();
    /** Guards {@link #opening} and {@link #openingErrors}. */
    private final java.util.concurrent.locks.ReentrantLock openingLock = new java.util.concurrent.locks.ReentrantLock();
    /** Set until {@link #start} has opened the node: what Aeron reports meanwhile waits in {@link #openingErrors}. */
    private boolean opening = true;
    /**
     * Aeron's reports while the node opens: told once it has started, or part of why it did not
     * (its exception says it), so a port in use is one line, not two.
     */
    private final java.util.List<Throwable> openingErrors = new ArrayList<>();

    // Conductor-only buffers.
    private final byte[] outFrame = new byte[HelloLayout.MAX_FRAME];
    private final UnsafeBuffer outFrameBuffer = new UnsafeBuffer(outFrame);
    private final ByteBuffer inFrame = ByteBuffer.allocate(HelloLayout.MAX_FRAME).order(ByteOrder.LITTLE_ENDIAN);
    private final FragmentHandler onControl = this::onControl;
    private final Map<Integer, Long> unboundSince = new HashMap<>();
    /** Sessions of unbound record streams found to be a peer's old ones (logged once, at debug). Conductor only. */
    private final java.util.Set<Integer> formerStreams = new java.util.HashSet<>();

    private NetNodeImpl(NetConfig config, NetListener listener, Path folder, long driverMaxWaitNanos,
            long linkMaxParkNanos) {
        this.config = config;
        this.driverMaxWaitNanos = driverMaxWaitNanos;
        this.linkMaxParkNanos = linkMaxParkNanos;
        this.listener = listener;
        this.folder = folder;
        this.handshake = new Handshake(config.key());
        this.incarnation = handshake.newIncarnation();
        this.deadAfterNanos = config.deadAfter().toNanos();
        this.heartbeatNanos = config.heartbeat().toNanos();
        List<NetConfig.Peer> sorted = new ArrayList<>(config.peers());
        sorted.sort(Comparator.comparing(NetConfig.Peer::name));
        byNd = new PeerState[sorted.size() + 1];
        for (int i = 0; i < sorted.size(); i++) {
            PeerState p = new PeerState(i + 1, sorted.get(i));
            handshake.newNonce(p.myNonce);
            byNd[i + 1] = p;
            byName.put(p.config.name(), p);
        }
    }

    /** See {@link NetNode#start}. */
    public static NetNode start(NetConfig config, NetListener listener) {
        return start(config, listener, DRIVER_MAX_PARK_NANOS, NetLinkImpl.MAX_PARK_NANOS);
    }

    /**
     * As {@link #start(NetConfig, NetListener)}, with the longest wait of the idle media driver
     * and of an idle link consumer given (the doorbell's test makes them long, so that only its
     * wake-ups can be what delivers a record soon).
     */
    static NetNodeImpl start(NetConfig config, NetListener listener, long driverMaxWaitNanos, long linkMaxParkNanos) {
        if (config == null || listener == null) {
            throw new IllegalArgumentException("a node starts with a configuration and a listener");
        }
        Path folder;
        try {
            Path shm = Path.of("/dev/shm");
            String root = System.getProperty("courier.net.root");
            Path base = root != null ? Path.of(root)
                    : Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
            sweepStale(base, config.name());
            folder = Files.createTempDirectory(base, "courier-net-" + config.name() + "-");
        } catch (IOException e) {
            throw new IllegalStateException("node " + config.name() + ": cannot make its media driver's folder", e);
        }
        NetNodeImpl node = new NetNodeImpl(config, listener, folder, driverMaxWaitNanos, linkMaxParkNanos);
        try {
            node.open();
        } catch (RuntimeException e) {
            node.release();
            throw new IllegalStateException("node " + config.name() + " cannot start on " + config.bindHost() + ":"
                    + config.port() + ": " + reason(e, config), e);
        }
        for (Throwable t : node.opened()) {
            node.onDriverError(t); // the node started: what Aeron reported meanwhile is told as any later report
        }
        return node;
    }

    /**
     * Why a node could not open, in a user's words where the cause is a common one (the port held
     * by another process, an address this machine does not have), else the exception's message.
     */
    static String reason(Throwable e, NetConfig config) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (m.contains("Address already in use")) {
                return "UDP port " + config.port() + " is in use by another process (another runtime configured as a node"
                        + " with this port?)";
            }
            if (m.contains("Cannot assign requested address")) {
                return "this machine has no address " + config.bindHost() + " (bindHost)";
            }
        }
        return e.getMessage();
    }

    /** A media driver whose heartbeat is older than this is dead (Aeron's own default driver timeout). */
    static final long STALE_DRIVER_MS = 10_000;

    /**
     * Deletes the folders an earlier run of node {@code name} left under {@code base} (it was
     * killed before it could delete its own): each one older than {@link #STALE_DRIVER_MS} whose
     * media driver's heartbeat stopped. A folder of a node that runs is never touched.
     */
    static void sweepStale(Path base, String name) {
        java.util.regex.Pattern mine = java.util.regex.Pattern.compile("courier-net-" + java.util.regex.Pattern.quote(name)
                + "-\\d+");
        long now = System.currentTimeMillis();
        try (Stream<Path> s = Files.list(base)) {
            for (Path d : s.filter(p -> mine.matcher(p.getFileName().toString()).matches()).toList()) {
                try {
                    if (now - Files.getLastModifiedTime(d).toMillis() < STALE_DRIVER_MS
                            || io.aeron.CommonContext.isDriverActive(d.resolve("aeron").toFile(), STALE_DRIVER_MS, m -> {
                            })) {
                        continue;
                    }
                    try (Stream<Path> w = Files.walk(d)) {
                        w.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                    }
                    LOG.info("node {}: deleted {}, left by an earlier run that ended without deleting it", name, d);
                } catch (IOException | RuntimeException e) {
                    LOG.debug("node {}: cannot look at {}: {}", name, d, e.toString());
                }
            }
        } catch (IOException e) {
            LOG.debug("node {}: cannot list {}: {}", name, base, e.toString());
        }
    }

    private void open() {
        try {
            bell = new Doorbell(driverMaxWaitNanos, RECORD_STREAM);
        } catch (IOException e) {
            throw new IllegalStateException("node " + config.name() + ": cannot open a selector for its media driver", e);
        }
        driver = MediaDriver.launch(new MediaDriver.Context()
                .aeronDirectoryName(folder.resolve("aeron").toString())
                // INVOKER: the doorbell's thread runs the duty cycle, and so may a thread that waits
                // for a record or has just offered one (Doorbell).
                .threadingMode(ThreadingMode.INVOKER)
                .receiveChannelEndpointSupplier(bell.receivers())
                .sendChannelEndpointSupplier(bell.senders())
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .termBufferSparseFile(true)
                .warnIfDirectoryExists(false)
                .printConfigurationOnStart(false)
                .errorHandler(this::onDriverError));
        bell.start(driver.sharedAgentInvoker(), this::onDriverError, config.name());
        aeron = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(driver.aeronDirectoryName())
                .errorHandler(this::onDriverError));
        String endpoint = "aeron:udp?endpoint=" + hostPort(config.bindHost(), config.port());
        records = aeron.addSubscription(endpoint, RECORD_STREAM);
        control = aeron.addSubscription(endpoint, CONTROL_STREAM);
        for (int nd = 1; nd < byNd.length; nd++) {
            PeerState p = byNd[nd];
            p.control = aeron.addExclusivePublication(channelTo(p, CONTROL_TERM_LENGTH), CONTROL_STREAM);
            p.records = aeron.addExclusivePublication(channelTo(p, NetLinkImpl.TERM_LENGTH), RECORD_STREAM);
        }
        LOG.info("node {} (incarnation {}) listening on {}:{}, peers {}", config.name(), incarnation, config.bindHost(),
                config.port(), config.peers());
        conductor = Thread.ofPlatform().daemon().name("courier-net-" + config.name()).start(this::run);
    }

    private String channelTo(PeerState p, int termLength) {
        // interface=: the sending socket is bound to this node's own address, not to every one.
        return "aeron:udp?endpoint=" + hostPort(p.config.host(), p.config.port()) + "|interface="
                + hostPort(config.bindHost(), 0) + "|term-length=" + termLength;
    }

    private static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** The node opened: Aeron's reports are told from now on; returns those it made while the node opened. */
    private java.util.List<Throwable> opened() {
        openingLock.lock();
        try {
            opening = false;
            java.util.List<Throwable> out = new ArrayList<>(openingErrors);
            openingErrors.clear();
            return out;
        } finally {
            openingLock.unlock();
        }
    }

    private void onDriverError(Throwable t) {
        openingLock.lock();
        try {
            if (opening) {
                openingErrors.add(t);
                return;
            }
        } finally {
            openingLock.unlock();
        }
        long n = driverErrors.incrementAndGet();
        if (n <= 10 || Long.bitCount(n) == 1) {
            LOG.warn("node {}: Aeron reports ({} so far): {}", config.name(), n, t.toString());
        }
    }

    // ---- NetNode ------------------------------------------------------------------------------

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public long incarnation() {
        return incarnation;
    }

    @Override
    public String ndToStr(int nd) {
        if (nd == ND_LOCAL_NODE) {
            return config.name();
        }
        return peer(nd).config.name();
    }

    @Override
    public int strToNd(String name) {
        if (config.name().equals(name)) {
            return ND_LOCAL_NODE;
        }
        PeerState p = name == null ? null : byName.get(name);
        if (p == null) {
            throw new UnknownNodeException("no node named \"" + name + "\" in node " + config.name() + "'s configuration");
        }
        return p.nd;
    }

    @Override
    public Link link(int nd) {
        PeerState p = peer(nd);
        NetLinkImpl l = p.link;
        return p.up && l != null && !l.isClosed() ? l : null;
    }

    private PeerState peer(int nd) {
        if (nd <= 0 || nd >= byNd.length) {
            throw new UnknownNodeException("no node with nd " + nd + " in node " + config.name() + "'s configuration (1 to "
                    + (byNd.length - 1) + (nd == 0 ? "; 0 is this node" : "") + ")");
        }
        return byNd[nd];
    }

    @Override
    public List<PeerStatus> peers() {
        List<PeerStatus> list = new ArrayList<>(byNd.length - 1);
        for (int nd = 1; nd < byNd.length; nd++) {
            list.add(byNd[nd].status());
        }
        return list;
    }

    /** The node's doorbell (for tests). */
    Doorbell doorbell() {
        return bell;
    }

    /** How many frames or streams from outside were refused (for tests). */
    public long refusedCount() {
        return refused.count();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running = false;
        if (conductor != null) {
            LockSupport.unpark(conductor);
            try {
                conductor.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        release();
        LOG.info("node {} closed", config.name());
    }

    private void release() {
        for (int nd = 1; nd < byNd.length; nd++) {
            NetLinkImpl l = byNd[nd].link;
            if (l != null) {
                l.close("node " + config.name() + " closed");
            }
        }
        try {
            if (aeron != null) {
                aeron.close();
            }
        } catch (RuntimeException e) {
            LOG.warn("node {}: closing the Aeron client: {}", config.name(), e.toString());
        }
        if (bell != null) {
            bell.stop();
        }
        try {
            if (driver != null) {
                driver.close();
            }
        } catch (RuntimeException e) {
            LOG.warn("node {}: closing the media driver: {}", config.name(), e.toString());
        }
        if (bell != null) {
            bell.close();
        }
        try (Stream<Path> s = Files.walk(folder)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            LOG.warn("node {}: cannot delete {}: {}", config.name(), folder, e.toString());
        }
    }

    // ---- the conductor ------------------------------------------------------------------------

    private void run() {
        long nextBeat = System.nanoTime();
        long nextCheck = nextBeat;
        long park = 0;
        while (running) {
            int work = 0;
            try {
                if (aeron.isClosed()) {
                    failed();
                    break;
                }
                work += control.poll(onControl, 16);
                long now = System.nanoTime();
                if (now - nextCheck >= 0) {
                    check(now);
                    nextCheck = now + CHECK_NANOS;
                }
                if (now - nextBeat >= 0) {
                    for (int nd = 1; nd < byNd.length; nd++) {
                        byNd[nd].dirty = true;
                    }
                    nextBeat = now + heartbeatNanos;
                }
                for (int nd = 1; nd < byNd.length; nd++) {
                    PeerState p = byNd[nd];
                    if (p.dirty) {
                        p.dirty = !send(p, HELLO);
                        work++;
                    }
                }
            } catch (Throwable t) {
                LOG.error("node {}: the conductor failed and goes on", config.name(), t);
                work = 0;
            }
            if (work > 0) {
                park = 0;
            } else {
                park = park == 0 ? 100_000 : Math.min(park * 2, CONDUCTOR_MAX_PARK_NANOS);
                LockSupport.parkNanos(this, park);
            }
        }
        if (!aeron.isClosed()) {
            leave();
        }
    }

    /**
     * The Aeron client closed under us (its media driver stopped answering): every peer is down
     * and this node is of no more use; it says so, and the owner closes and restarts it.
     */
    private void failed() {
        LOG.error("node {}: its media driver stopped (Aeron closed): every peer is down; close and restart the node",
                config.name());
        for (int nd = 1; nd < byNd.length; nd++) {
            PeerState p = byNd[nd];
            if (p.up) {
                p.up = false;
                NetLinkImpl l = p.link;
                p.link = null;
                l.close("node " + config.name() + "'s media driver stopped");
                try {
                    listener.nodeDown(p.nd, p.config.name(), "this node's media driver stopped");
                } catch (RuntimeException e) {
                    LOG.error("node {}: the listener failed on nodeDown of {}", config.name(), p, e);
                }
            }
        }
    }

    /** Says GOODBYE to the peers that are up and closes their links (no listener calls). */
    private void leave() {
        boolean said = false;
        for (int nd = 1; nd < byNd.length; nd++) {
            PeerState p = byNd[nd];
            try {
                if (p.up) {
                    said |= send(p, GOODBYE);
                }
                NetLinkImpl l = p.link;
                if (l != null) {
                    l.close("node " + config.name() + " closed");
                }
                p.up = false;
            } catch (RuntimeException e) {
                LOG.warn("node {}: leaving {}: {}", config.name(), p, e.toString());
            }
        }
        if (said) {
            // Let the driver's sender put the goodbyes on the wire before it goes.
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    private void check(long now) {
        for (int nd = 1; nd < byNd.length; nd++) {
            PeerState p = byNd[nd];
            if (p.up) {
                NetLinkImpl l = p.link;
                if (now - p.lastHeardNanos > deadAfterNanos) {
                    down(p, "heard nothing for " + TimeUnit.NANOSECONDS.toMillis(now - p.lastHeardNanos) + " ms");
                } else if (l.isClosed()) {
                    down(p, "its link was closed here");
                } else if (l.imageClosed()) {
                    down(p, "its record stream ended");
                }
            } else {
                if (p.proven && now - p.lastHeardNanos > deadAfterNanos) {
                    p.proven = false;
                    p.peerAccepted = false;
                    p.dirty = true;
                }
                maybeUp(p);
            }
        }
        checkStrangers(now);
    }

    /** Logs (once per source) record streams that no peer's proof bound; they are never read. */
    private void checkStrangers(long now) {
        List<Image> images = records.images();
        for (Image img : images) {
            int s = img.sessionId();
            if (bound(s)) {
                unboundSince.remove(s);
                continue;
            }
            Long since = unboundSince.putIfAbsent(s, now);
            if (since != null && now - since > deadAfterNanos) {
                String peer = formerPeer(s);
                if (peer != null) {
                    // A peer's stream from before a down, a cut or its restart: it ends when Aeron lets it go.
                    if (formerStreams.add(s)) {
                        LOG.debug("node {}: ignoring the old record stream of node {} (session {}) until it ends",
                                config.name(), peer, s);
                    }
                } else {
                    refused.warn("stream:" + host(img.sourceIdentity()), "node {}: ignoring a record stream from {}"
                            + " (session {}) that no configured peer's proof names: a stranger's", config.name(),
                            img.sourceIdentity(), s);
                }
            }
        }
        if (unboundSince.size() > images.size()) {
            Iterator<Integer> it = unboundSince.keySet().iterator();
            while (it.hasNext()) {
                int s = it.next();
                if (images.stream().noneMatch(i -> i.sessionId() == s)) {
                    it.remove();
                    formerStreams.remove(s);
                }
            }
        }
    }

    /** The name of the peer whose record stream {@code session} was (or is, while it is not proven), or null. */
    private String formerPeer(int session) {
        for (int nd = 1; nd < byNd.length; nd++) {
            PeerState p = byNd[nd];
            if (session != 0 && (p.peerRecordSession == session || p.formerRecordSession == session)) {
                return p.config.name();
            }
        }
        return null;
    }

    private boolean bound(int session) {
        for (int nd = 1; nd < byNd.length; nd++) {
            PeerState p = byNd[nd];
            if (p.proven && p.peerRecordSession == session) {
                return true;
            }
        }
        return false;
    }

    private static String host(String sourceIdentity) {
        int colon = sourceIdentity == null ? -1 : sourceIdentity.lastIndexOf(':');
        return colon > 0 ? sourceIdentity.substring(0, colon) : String.valueOf(sourceIdentity);
    }

    /** One control frame: everything is checked before it is believed. */
    private void onControl(DirectBuffer buffer, int offset, int length, Header header) {
        String source = header.context() instanceof Image img ? img.sourceIdentity() : "?";
        String from = host(source);
        if ((header.flags() & FrameDescriptor.UNFRAGMENTED) != FrameDescriptor.UNFRAGMENTED || length > HelloLayout.MAX_FRAME) {
            refused.warn("malformed:" + from, "node {}: refused a control message of {} bytes from {}: too long",
                    config.name(), length, source);
            return;
        }
        inFrame.clear();
        buffer.getBytes(offset, inFrame, 0, length);
        inFrame.limit(length);
        String why = HelloLayout.malformed(inFrame);
        if (why != null) {
            refused.warn("malformed:" + from, "node {}: refused a control frame from {}: {}", config.name(), source, why);
            return;
        }
        String peerName = HelloLayout.fromName(inFrame);
        String to = HelloLayout.toName(inFrame);
        if (!to.equals(config.name())) {
            refused.warn("to:" + from + "/" + to, "node {}: refused a hello from {} ({}) meant for node {}", config.name(),
                    peerName, source, to);
            return;
        }
        PeerState p = byName.get(peerName);
        if (p == null) {
            refused.warn("unknown:" + peerName, "node {}: refused node {} at {}: not a configured peer", config.name(),
                    peerName, source);
            return;
        }
        int kind = inFrame.get(HelloLayout.KIND_OFFSET);
        int flags = inFrame.get(HelloLayout.FLAGS_OFFSET);
        boolean forUs = (flags & HAS_MAC) != 0 && inFrame.getLong(TO_INC_OFFSET) == incarnation
                && sameNonce(inFrame, TO_NONCE_OFFSET, p.myNonce);
        if (forUs && !handshake.verify(inFrame)) {
            refused.warn("key:" + peerName, "node {}: refused node {} at {}: its proof does not match the shared key",
                    config.name(), peerName, source);
            // Taken as an unsigned HELLO (which proves nothing): its nonce is still answered, so
            // the peer sees our proof fail too and says so in its own log.
            forUs = false;
        }
        onHello(p, kind, flags, forUs, System.nanoTime());
    }

    private static boolean sameNonce(ByteBuffer f, int at, byte[] nonce) {
        int diff = 0;
        for (int i = 0; i < NONCE_LENGTH; i++) {
            diff |= f.get(at + i) ^ nonce[i];
        }
        return diff == 0;
    }

    /** A well-formed HELLO or GOODBYE from {@code p}; {@code proof}: it carries a verified proof for our nonce. */
    private void onHello(PeerState p, int kind, int flags, boolean proof, long now) {
        long fromInc = inFrame.getLong(FROM_INC_OFFSET);
        int session = inFrame.getInt(HelloLayout.RECORD_SESSION_OFFSET);
        if (p.up) {
            if (!proof) {
                return; // nothing unproven moves a link that is up
            }
            if (fromInc != p.incarnation) {
                down(p, "restarted (incarnation " + fromInc + ")");
            } else if (kind == GOODBYE) {
                down(p, "left");
                p.heard = false;
                return;
            } else if ((flags & ACCEPTED) == 0) {
                down(p, "reset the link");
            } else if (session != p.peerRecordSession) {
                down(p, "changed its record stream");
            } else {
                p.lastHeardNanos = now;
                return;
            }
            proof = false; // our nonce changed with the down: the proof was for the old one
        }
        if (kind == GOODBYE) {
            if (proof) {
                p.heard = false;
                p.proven = false;
                p.peerAccepted = false;
            }
            return;
        }
        if (!p.heard || p.peerInc != fromInc || !sameNonce(inFrame, FROM_NONCE_OFFSET, p.peerNonce)) {
            p.heard = true;
            p.peerInc = fromInc;
            inFrame.get(FROM_NONCE_OFFSET, p.peerNonce);
            p.proven = false;
            p.peerAccepted = false;
            p.dirty = true;
        }
        if (proof) {
            if (!p.proven || p.peerRecordSession != session) {
                p.dirty = true;
            }
            p.proven = true;
            if (p.peerRecordSession != 0 && p.peerRecordSession != session) {
                p.formerRecordSession = p.peerRecordSession;
            }
            p.peerRecordSession = session;
            p.peerAccepted = (flags & ACCEPTED) != 0;
            p.lastHeardNanos = now;
            maybeUp(p);
        }
    }

    /** Whether we hold the peer's proof and its record image (what ACCEPTED says). */
    private Image acceptedImage(PeerState p) {
        return p.proven ? records.imageBySessionId(p.peerRecordSession) : null;
    }

    private void maybeUp(PeerState p) {
        if (p.up || !p.peerAccepted) {
            return;
        }
        Image img = acceptedImage(p);
        if (img == null || img.isClosed() || !p.records.isConnected()) {
            return;
        }
        NetLinkImpl l = new NetLinkImpl(p.config.name(), p.records, img, bell, linkMaxParkNanos);
        bell.add(l);
        p.incarnation = p.peerInc;
        p.link = l;
        p.up = true;
        p.dirty = true;
        LOG.info("node {}: node {} up (incarnation {})", config.name(), p, p.peerInc);
        try {
            listener.nodeUp(p.nd, p.config.name(), p.peerInc);
        } catch (RuntimeException e) {
            LOG.error("node {}: the listener failed on nodeUp of {}", config.name(), p, e);
        }
    }

    private void down(PeerState p, String reason) {
        boolean wasUp = p.up;
        NetLinkImpl l = p.link;
        p.up = false;
        p.link = null;
        if (l != null) {
            l.close("node " + p.config.name() + " is down: " + reason);
        }
        handshake.newNonce(p.myNonce);
        p.proven = false;
        p.peerAccepted = false;
        p.dirty = true;
        if (!wasUp) {
            return;
        }
        // A new record stream: what is still on its way in the old one is never read there.
        ExclusivePublication old = p.records;
        p.records = aeron.addExclusivePublication(channelTo(p, NetLinkImpl.TERM_LENGTH), RECORD_STREAM);
        old.close();
        LOG.info("node {}: node {} down: {}", config.name(), p, reason);
        try {
            listener.nodeDown(p.nd, p.config.name(), reason);
        } catch (RuntimeException e) {
            LOG.error("node {}: the listener failed on nodeDown of {}", config.name(), p, e);
        }
    }

    /** Sends {@code kind} to {@code p}; false when it should be tried again soon. */
    private boolean send(PeerState p, int kind) {
        byte[] self = config.name().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] to = p.config.name().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int len = HelloLayout.NAMES_OFFSET + self.length + to.length;
        ByteBuffer f = ByteBuffer.wrap(outFrame, 0, len).order(ByteOrder.LITTLE_ENDIAN);
        java.util.Arrays.fill(outFrame, (byte) 0);
        int flags = 0;
        if (p.heard) {
            flags |= HAS_MAC;
            if (acceptedImage(p) != null) {
                flags |= ACCEPTED;
            }
        }
        f.putInt(HelloLayout.MAGIC_OFFSET, HelloLayout.MAGIC)
                .put(HelloLayout.VERSION_OFFSET, (byte) HelloLayout.VERSION)
                .put(HelloLayout.KIND_OFFSET, (byte) kind)
                .put(HelloLayout.FLAGS_OFFSET, (byte) flags)
                .put(HelloLayout.FROM_LEN_OFFSET, (byte) self.length)
                .put(HelloLayout.TO_LEN_OFFSET, (byte) to.length)
                .putInt(HelloLayout.RECORD_SESSION_OFFSET, p.records.sessionId())
                .putLong(FROM_INC_OFFSET, incarnation)
                .putLong(TO_INC_OFFSET, p.heard ? p.peerInc : 0)
                .put(FROM_NONCE_OFFSET, p.myNonce);
        if (p.heard) {
            f.put(TO_NONCE_OFFSET, p.peerNonce);
        }
        f.put(HelloLayout.NAMES_OFFSET, self).put(HelloLayout.NAMES_OFFSET + self.length, to);
        if (p.heard) {
            handshake.sign(outFrame, len);
        }
        long r = p.control.offer(outFrameBuffer, 0, len);
        bell.ring();
        return r > 0 || r == io.aeron.Publication.NOT_CONNECTED || r == io.aeron.Publication.CLOSED;
    }
}
