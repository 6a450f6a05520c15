package io.courier.benchmarks.node;

import io.courier.node.NodeFolder;
import io.courier.node.Ring;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The round trip of {@link NodePingPongBenchmark}{@code .rings} with {@code peer=jvm}, but the
 * echo JVM never spins: it sleeps on its ring's futex doorbell before every message, so each
 * round trip pays one futex wake-up across JVMs (what a RECEIVE-blocked server in another JVM
 * will cost once the kernel uses the rings). The client side spins as usual.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m", "--enable-native-access=ALL-UNNAMED"})
public class NodeWakeUpBenchmark {
    private Path root;
    private Ring ping;
    private Ring pong;
    private Process echo;
    private final ByteBuffer msg = ByteBuffer.allocateDirect(Echo.SIZE);
    private final ByteBuffer reply = ByteBuffer.allocateDirect(Echo.SIZE);
    private final ByteBuffer[] msgs = {msg};
    private final ByteBuffer[] replies = {reply};

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        root = Files.createTempDirectory(Path.of("/dev/shm"), "courier-bench-");
        NodeFolder folder = NodeFolder.open(root, "bench");
        ping = Ring.create(folder, "ping", 1 << 16, "echo");
        pong = Ring.create(folder, "pong", 1 << 16, "echo");
        echo = Echo.startChild("rings", root.toString(), "bench", "ping", "pong", "0", "0");
        Echo.awaitReady(echo);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        echo.getOutputStream().close();
        if (!echo.waitFor(5, TimeUnit.SECONDS)) {
            echo.destroyForcibly();
        }
        ping.close();
        pong.close();
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** One 64-byte round trip whose server side is woken from the futex every time. */
    @Benchmark
    public int sleepingServer() throws InterruptedException {
        while (!ping.offer(1, msgs)) {
            Thread.onSpinWait();
        }
        if (!pong.await(TimeUnit.SECONDS.toNanos(10))) {
            throw new IllegalStateException("no echo within 10 s");
        }
        reply.clear();
        return pong.read(replies);
    }
}
