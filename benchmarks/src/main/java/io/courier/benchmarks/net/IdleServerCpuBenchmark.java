package io.courier.benchmarks.net;

import io.courier.benchmarks.node.NodeRoundTripBenchmark;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * SPEC B2 and B3, issue 20's "CPU used by an idle RECEIVE-blocked server": the CPU the far JVM of
 * each round-trip benchmark burns while nothing is sent, after one round trip set its path up.
 * Each call sleeps {@value #WINDOW_MILLIS} ms and adds the far JVM's CPU time over it (all its
 * threads, user and system, from the OS) in hundredths of a second to {@code farCpuPercent}, which
 * JMH divides by the iteration's seconds: the far JVM's CPU as a percentage of one core. (The
 * primary score, calls per second, is about {@code 1000 / WINDOW_MILLIS} and says nothing.) Paths: a Courier server RECEIVE-blocked in another JVM of the node
 * ({@code courierAcrossJvms}), a reader blocked on a UNIX-domain socket ({@code
 * unixSocketAcrossJvms}), an Aeron IPC subscriber with the peers' idle strategy ({@code
 * aeronIpcAcrossJvms}), a Courier server on another node over Aeron UDP with its media driver
 * ({@code courierKernel}), and a raw Aeron UDP echo with a driver of its own ({@code aeronUdp}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
public class IdleServerCpuBenchmark {
    static final int WINDOW_MILLIS = 500;

    @Param({"courierAcrossJvms", "unixSocketAcrossJvms", "aeronIpcAcrossJvms", "courierKernel", "aeronUdp"})
    public String path;

    private NodeRoundTripBenchmark node;
    private NetRoundTripBenchmark net;
    private ProcessHandle far;

    /** The far JVM's CPU, in hundredths of a second: per second of the iteration, percent of one core. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Cpu {
        public double farCpuPercent;

        @Setup(Level.Iteration)
        public void reset() {
            farCpuPercent = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Process p;
        if (path.endsWith("AcrossJvms")) {
            node = new NodeRoundTripBenchmark();
            node.path = path;
            node.setUp();
            node.roundTrip();
            p = node.echoProcess();
        } else {
            net = new NetRoundTripBenchmark();
            net.path = path;
            net.setUp();
            net.roundTrip();
            p = net.echoProcess();
        }
        far = p.toHandle();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (node != null) {
            node.tearDown();
        }
        if (net != null) {
            net.tearDown();
        }
    }

    private Duration cpu() {
        return far.info().totalCpuDuration().orElseThrow(() -> new IllegalStateException("no CPU time for the far JVM"));
    }

    /** One idle window: nothing is sent; the far JVM's CPU over it is added to {@code farCpuPercent}. */
    @Benchmark
    public void idle(Cpu c) throws InterruptedException {
        Duration before = cpu();
        Thread.sleep(WINDOW_MILLIS);
        c.farCpuPercent += cpu().minus(before).toNanos() / 1e7;
    }
}
