package io.courier.benchmarks.net;

import java.util.concurrent.TimeUnit;
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
 * SPEC B3 (issue 21): 64-byte records one way from this node to another JVM's node on loopback,
 * which takes each (polls it) and drops it: over a Courier node-to-node {@code Link}
 * ({@code courierLink}) beside a raw Aeron UDP stream whose media driver has Aeron's own idle
 * strategy ({@code aeronUdp}, {@link NetEcho#driver}), in one run. One op is one record accepted by the sender; Aeron's flow
 * control holds the sender to what the receiver takes, so this is the rate the receiver keeps.
 *
 * <p>{@code courierAsync}: asyncmsg across nodes. This node's client puts 64-byte messages on
 * {@link #connections} connections in turn (4,096 slots each, count trigger {@link #trigger}) to
 * an asynchronous channel of the other node, whose consumer thread gets (blocking) and frees; each
 * batch is one kernel message to that node's asyncmsg gateway. One op is one put accepted (a full
 * connection is waited for, yielding): a connection holds at most 4,096 messages without an
 * outcome, so over an iteration what is accepted is what the consumer got, give or take those.
 * {@code trigger} and {@code connections} mean nothing to the other paths.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
public class NetThroughputBenchmark {
    @Param({"courierLink", "courierAsync", "aeronUdp"})
    public String path;

    /** courierAsync: each connection's count trigger. */
    @Param({"64"})
    public int trigger;

    /** courierAsync: the connections put to in turn (each has one batch on its way at a time). */
    @Param({"1"})
    public int connections;

    private NetPeers peers;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        peers = new NetPeers(path, false, trigger, connections);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        peers.close();
    }

    @Benchmark
    public boolean send() {
        NetPeers p = peers;
        if (p.am != null) {
            p.put();
            return true;
        }
        if (p.link != null) {
            while (!p.link.offer(1, p.iov)) {
                Thread.onSpinWait();
            }
            return true;
        }
        while (p.pub.offer(p.aeronPayload, 0, NetEcho.SIZE) < 0) {
            Thread.onSpinWait();
        }
        return true;
    }
}
