package io.courier.benchmarks.net;

import java.io.IOException;
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
 * SPEC B3 (issue 21): the round trip of a 64-byte record between two nodes in two JVMs on
 * loopback: a Courier kernel {@code msgSend} to a server of the other node found by its global
 * name, answered with the same 64 bytes ({@code courierKernel}); over a Courier node-to-node
 * {@code Link} ({@code courierLink}: offer, then await and
 * poll the echo; Aeron with the node's doorbell, see the README), beside two raw Aeron UDP
 * ping-pongs and a TCP socket ping-pong with TCP_NODELAY ({@code tcp}), in one run. The far JVM
 * is a {@link NetEcho}.
 *
 * <p>The raw Aeron peers use the same channels, stream and 1 MB terms, each side with a media
 * driver of its own:
 * <ul>
 *   <li>{@code aeronUdp}: Aeron as a plain user sets it up: a {@code SHARED} driver thread with a
 *       backoff idle strategy that parks up to 1 ms ({@link NetEcho#driver}), and an application
 *       thread that waits with a backoff that parks ({@link NetEcho#idle}); each round trip pays
 *       wake-ups of parked threads;
 *   <li>{@code aeronUdpSpin}: the best raw Aeron round trip the machine allows, as a Courier node
 *       runs its driver: each side's driver in {@code INVOKER} mode (no driver thread,
 *       {@link NetEcho#invokerDriver}), and one application thread on each side busy-spins: it
 *       offers (running the driver's duty cycle between tries), then runs the duty cycle and polls
 *       until the echo comes, so each datagram is sent and read on that thread with nothing woken.
 *       The far side does the same, offering each record back at once. On two cores the two
 *       spinning threads take both.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
public class NetRoundTripBenchmark {
    @Param({"courierKernel", "courierLink", "aeronUdp", "aeronUdpSpin", "tcp"})
    public String path;

    private NetPeers peers;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        peers = new NetPeers(path, true);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        peers.close();
    }

    /** The far JVM of this trial. */
    Process echoProcess() {
        return peers.child();
    }

    @Benchmark
    public int roundTrip() throws Exception {
        NetPeers p = peers;
        p.got = 0;
        if (p.kernel != null) {
            p.request.clear();
            p.reply.clear();
            return p.kernel.msgSend(p.coid, p.request, p.reply) + p.reply.position();
        }
        if (p.link != null) {
            while (!p.link.offer(1, p.iov)) {
                Thread.onSpinWait();
            }
            while (p.got == 0) {
                if (p.link.await(1_000_000_000L)) {
                    p.link.poll(p.onRecord, 1);
                }
            }
            return p.got;
        }
        if (p.invoker != null) {
            org.agrona.concurrent.AgentInvoker invoker = p.invoker;
            while (p.pub.offer(p.aeronPayload, 0, NetEcho.SIZE) < 0) {
                invoker.invoke();
            }
            while (true) {
                invoker.invoke(); // the first sends the record
                if (p.sub.poll(p.onFragment, 1) > 0) {
                    return p.got;
                }
            }
        }
        if (p.pub != null) {
            while (p.pub.offer(p.aeronPayload, 0, NetEcho.SIZE) < 0) {
                Thread.onSpinWait();
            }
            NetEcho.idle(() -> p.sub.poll(p.onFragment, 1) > 0);
            return p.got;
        }
        p.tcpOut.write(p.tcpPayload);
        int n = 0;
        while (n < NetEcho.SIZE) {
            int r = p.tcpIn.read(p.tcpPayload, n, NetEcho.SIZE - n);
            if (r < 0) {
                throw new IOException("the echo JVM closed its socket");
            }
            n += r;
        }
        return n;
    }
}
