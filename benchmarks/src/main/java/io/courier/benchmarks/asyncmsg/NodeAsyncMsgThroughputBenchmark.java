package io.courier.benchmarks.asyncmsg;

import io.courier.asyncmsg.AsyncConnectionAttr;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.asyncmsg.AsyncMsgHeader;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.internal.MicrokernelImpl;
import io.courier.node.NodeFolder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 20 (B2): asyncmsg throughput of 64-byte messages to a channel in another JVM of the node
 * ({@code path=acrossJvms}: each batch one kernel message to that JVM's asyncmsg gateway) beside
 * the same to a channel of this JVM ({@code path=inJvm}) and, as the peer, Aeron IPC throughput
 * of 64-byte messages to another JVM ({@code path=aeronIpcAcrossJvms}), in one run. The producer is the
 * benchmark thread (trigger {@link #trigger}, 4,096 slots); the consumer is a thread of the
 * server's JVM getting batches (blocking) and freeing each header. Read {@code received}: puts
 * accepted per second. The connection holds at most 4,096 messages not yet got, so over an
 * iteration what is accepted is what reached the consumer, give or take those 4,096.
 *
 * <p>{@code path=aeronIpcAcrossJvms}: this JVM runs an embedded media driver (set up as the Aeron
 * ping-pong peer of {@code node.NodeRoundTripBenchmark}: shared threading, its back-off, its
 * folder under this trial's temporary root in {@code /dev/shm}); the child JVM ({@link #main}
 * with {@code aeron DIR}) is a client of it, subscribes to an {@code aeron:ipc} stream and polls
 * (up to {@value #AERON_POLL_LIMIT} fragments a poll), counts and drops the fragments. Each
 * {@code put} offers one 64-byte message on an exclusive publication of that stream: an accepted
 * offer counts {@code received}, a refused one (back pressure, not connected, admin action...)
 * counts {@code refused} and yields the CPU, as a full Courier connection does. Both JVMs wait
 * between polls with the idle strategy of the Aeron ping-pong peer ({@code Echo.aeronIdle()}: spin,
 * yield, then park from 1 µs up to 100 µs); the producer never idles but on a refusal. An accepted
 * offer is in the log, not yet polled: the publication may run ahead of the subscriber by its term
 * window (half the default 64 MiB IPC term, about 350,000 messages of 96 framed bytes), so over an
 * iteration what is accepted is what the child polled give or take those; at tear-down the child
 * drains the log and says on standard error how many fragments it got, and this JVM how many
 * offers were accepted over the trial (warm-up included), which must be equal.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
public class NodeAsyncMsgThroughputBenchmark {
    static final int SIZE = 64;

    /** "acrossJvms", "inJvm" or "aeronIpcAcrossJvms". */
    @Param({"acrossJvms", "inJvm", "aeronIpcAcrossJvms"})
    public String path;

    /** The Aeron IPC stream of {@code path=aeronIpcAcrossJvms}. */
    static final int AERON_STREAM = 20;
    /** The child's fragment limit per poll on that stream. */
    static final int AERON_POLL_LIMIT = 64;
    /** What one 64-byte message takes in the Aeron log: its 32-byte header and itself, 32-byte aligned. */
    static final int AERON_FRAMED = 96;

    @Param({"64"})
    public int trigger;

    private Path root;
    private Process child;
    private MicrokernelImpl mk;
    private AsyncMessaging producer;
    private int coid;
    private final ByteBuffer msg = ByteBuffer.allocate(SIZE);
    private io.aeron.driver.MediaDriver driver;
    private io.aeron.Aeron aeron;
    private io.aeron.ExclusivePublication publication;
    private final org.agrona.concurrent.UnsafeBuffer aeronMsg = new org.agrona.concurrent.UnsafeBuffer(new byte[SIZE]);

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        root = Files.createTempDirectory(Path.of("/dev/shm"), "courier-bench-");
        int pid;
        int chid;
        if (path.equals("acrossJvms")) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    NodeAsyncMsgThroughputBenchmark.class.getName(), root.toString(), "bench"));
            child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String[] ready = io.courier.benchmarks.node.Echo.awaitReady(child); // bounded (30 s); fails if the child ends
            pid = Integer.parseInt(ready[1]);
            chid = Integer.parseInt(ready[2]);
            mk = new MicrokernelImpl(IdleStrategy.BACKOFF, NodeFolder.open(root, "bench"));
        } else if (path.equals("aeronIpcAcrossJvms")) {
            try {
                setUpAeron();
            } catch (Exception | Error e) {
                tearDown(); // JMH tears nothing down after a failed set-up: the driver, the child, the folder
                throw e;
            }
            return;
        } else {
            mk = new MicrokernelImpl(IdleStrategy.BACKOFF);
            int[] made = sink(mk);
            pid = made[0];
            chid = made[1];
        }
        producer = AsyncMessaging.of(mk.process("producer"));
        coid = producer.connectAttach(0, pid, chid, 0, 0, attr(trigger, 4096));
        for (int i = 0; i < SIZE; i++) {
            msg.put(i, (byte) i);
        }
    }

    /**
     * {@code path=aeronIpcAcrossJvms}: the embedded media driver (as {@code NodeRoundTripBenchmark}'s),
     * this JVM's client and exclusive publication, and the subscribing child JVM, connected.
     */
    private void setUpAeron() throws Exception {
        driver = io.courier.benchmarks.node.Echo.launchIpcDriver(root.resolve("aeron"));
        aeron = io.aeron.Aeron.connect(new io.aeron.Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
        publication = aeron.addExclusivePublication("aeron:ipc", AERON_STREAM);
        for (int i = 0; i < SIZE; i++) {
            aeronMsg.putByte(i, (byte) i);
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                NodeAsyncMsgThroughputBenchmark.class.getName(), "aeron", driver.aeronDirectoryName()));
        child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        io.courier.benchmarks.node.Echo.awaitReady(child); // bounded (30 s); fails if the child ends
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!publication.isConnected() && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        if (!publication.isConnected()) {
            throw new IllegalStateException("the Aeron subscriber JVM did not connect within 10 s (alive: " + child.isAlive() + ")");
        }
    }

    /** The producer's connection: 64-byte messages, {@code slots} slots (4,096 here), count trigger {@code trigger}. */
    public static AsyncConnectionAttr attr(int trigger, int slots) {
        return AsyncConnectionAttr.builder().bufferSize(SIZE).maxNumBuffer(slots).triggerNumMsg(trigger).build();
    }

    /**
     * A consumer process on {@code mk}: a blocking channel and a thread getting from it; returns pid
     * and chid. Also the far end of the asyncmsg path across nodes ({@code net.NetEcho}).
     */
    public static int[] sink(MicrokernelImpl mk) {
        Kernel k = mk.process("consumer");
        AsyncMessaging am = AsyncMessaging.of(k);
        int chid = am.channelCreate(0, 0666, SIZE, 4096, null, null);
        Thread.ofPlatform().daemon().name("consumer").start(() -> {
            try {
                while (true) {
                    for (AsyncMsgHeader h = am.get(chid); h != null;) {
                        AsyncMsgHeader next = h.next();
                        am.free(h);
                        h = next;
                    }
                }
            } catch (KernelException e) {
                // The kernel closed: the benchmark is over.
            }
        });
        return new int[] {k.pid(), chid};
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (mk != null) {
            mk.close();
        }
        if (publication != null) {
            // Every offer accepted over the trial: the child, drained, must have polled as many.
            // A term ends in a padding frame where the next message does not fit (64 bytes of a 64 MiB term).
            long position = publication.position();
            long term = publication.termBufferLength();
            long accepted = position / term * (term / AERON_FRAMED) + position % term / AERON_FRAMED;
            System.err.println("aeron: offers accepted over the trial: " + accepted + " (publication position " + position + ")");
            publication.close();
        }
        if (child != null) {
            child.getOutputStream().close();
            if (!child.waitFor(5, TimeUnit.SECONDS)) {
                child.destroyForcibly();
                child.waitFor(5, TimeUnit.SECONDS);
            }
        }
        if (aeron != null) {
            aeron.close();
        }
        if (driver != null) {
            driver.close();
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** One put; a full connection is counted, not waited for (the CPU is yielded to the pump). */
    @Benchmark
    public void put(Moved moved) {
        if (publication != null) {
            if (publication.offer(aeronMsg, 0, SIZE) > 0) {
                moved.received++;
            } else {
                moved.refused++;
                Thread.yield();
            }
            return;
        }
        try {
            producer.put(coid, msg, 0, null);
            moved.received++;
        } catch (KernelException full) {
            moved.refused++;
            Thread.yield();
        }
    }

    /**
     * The consumer JVM: {@code ROOT NODE}, or {@code aeron DIR} (the Aeron subscriber, a client of
     * the media driver in {@code DIR}); ends when its standard input closes.
     */
    public static void main(String[] args) throws Exception {
        if (args[0].equals("aeron")) {
            aeronSubscriber(args[1]);
            return;
        }
        MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, NodeFolder.open(Path.of(args[0]), args[1]));
        int[] made = sink(mk);
        System.out.println("READY " + made[0] + " " + made[1]);
        System.out.flush();
        while (System.in.read() >= 0) {
            // Nothing is sent: we only wait for the end.
        }
        Runtime.getRuntime().halt(0);
    }

    /**
     * The Aeron subscriber JVM: polls the stream with {@code Echo.aeronIdle()} between polls, counting
     * and dropping the fragments, until its standard input closes; then drains what is left in
     * the log (the publication is closed first) and says on standard error how many it got.
     */
    static void aeronSubscriber(String dir) throws Exception {
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread.ofPlatform().daemon().start(() -> {
            try {
                while (System.in.read() >= 0) {
                    // Nothing is sent: we only wait for the end.
                }
            } catch (IOException e) {
                // Treated as the end.
            }
            running.set(false);
        });
        long[] fragments = {0};
        io.aeron.logbuffer.FragmentHandler drop = (buffer, offset, length, header) -> fragments[0]++;
        try (io.aeron.Aeron aeron = io.aeron.Aeron.connect(new io.aeron.Aeron.Context().aeronDirectoryName(dir));
                io.aeron.Subscription sub = aeron.addSubscription("aeron:ipc", AERON_STREAM)) {
            System.out.println("READY");
            System.out.flush();
            org.agrona.concurrent.IdleStrategy idle = io.courier.benchmarks.node.Echo.aeronIdle();
            while (running.get()) {
                idle.idle(sub.poll(drop, AERON_POLL_LIMIT));
            }
            while (sub.poll(drop, Integer.MAX_VALUE) > 0) {
                // What was accepted before the end and not yet polled.
            }
            System.err.println("aeron: fragments the subscriber JVM polled over the trial: " + fragments[0]);
            System.err.flush();
        }
        Runtime.getRuntime().halt(0);
    }
}
