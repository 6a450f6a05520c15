package io.courier.benchmarks.asyncmsg;

import io.courier.asyncmsg.AsyncConnectionAttr;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.asyncmsg.AsyncMsgHeader;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.internal.MicrokernelImpl;
import io.courier.node.NodeFolder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
 * the same to a channel of this JVM ({@code path=inJvm}), in one run. The producer is the
 * benchmark thread (trigger {@link #trigger}, 4,096 slots); the consumer is a thread of the
 * server's JVM getting batches (blocking) and freeing each header. Read {@code received}: puts
 * accepted per second. The connection holds at most 4,096 messages not yet got, so over an
 * iteration what is accepted is what reached the consumer, give or take those 4,096.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
public class NodeAsyncMsgThroughputBenchmark {
    static final int SIZE = 64;

    @Param({"acrossJvms", "inJvm"})
    public String path;

    @Param({"64"})
    public int trigger;

    private Path root;
    private Process child;
    private MicrokernelImpl mk;
    private AsyncMessaging producer;
    private int coid;
    private final ByteBuffer msg = ByteBuffer.allocate(SIZE);

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
            String[] ready = readyLine(child);
            pid = Integer.parseInt(ready[1]);
            chid = Integer.parseInt(ready[2]);
            mk = new MicrokernelImpl(IdleStrategy.BACKOFF, NodeFolder.open(root, "bench"));
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

    /** The producer's connection: 64-byte messages, {@code slots} slots (4,096 here), count trigger {@code trigger}. */
    public static AsyncConnectionAttr attr(int trigger, int slots) {
        return AsyncConnectionAttr.builder().bufferSize(SIZE).maxNumBuffer(slots).triggerNumMsg(trigger).build();
    }

    private static String[] readyLine(Process p) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        for (String l; (l = r.readLine()) != null;) {
            if (l.startsWith("READY ")) {
                return l.split(" ");
            }
        }
        throw new IllegalStateException("the consumer JVM ended before it was ready");
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
        if (child != null) {
            child.getOutputStream().close();
            if (!child.waitFor(5, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** One put; a full connection is counted, not waited for (the CPU is yielded to the pump). */
    @Benchmark
    public void put(Moved moved) {
        try {
            producer.put(coid, msg, 0, null);
            moved.received++;
        } catch (KernelException full) {
            moved.refused++;
            Thread.yield();
        }
    }

    /** The consumer JVM: {@code ROOT NODE}; ends when its standard input closes. */
    public static void main(String[] args) throws Exception {
        MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, NodeFolder.open(Path.of(args[0]), args[1]));
        int[] made = sink(mk);
        System.out.println("READY " + made[0] + " " + made[1]);
        System.out.flush();
        while (System.in.read() >= 0) {
            // Nothing is sent: we only wait for the end.
        }
        Runtime.getRuntime().halt(0);
    }
}
