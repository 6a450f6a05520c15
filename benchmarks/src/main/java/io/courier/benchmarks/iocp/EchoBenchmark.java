package io.courier.benchmarks.iocp;

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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SPEC A7 speed: echo request/response on loopback against (a) Courier's completion port echo
 * server (the IBM i seed, {@code workers} worker threads) and (b) the JDK's
 * {@code AsynchronousSocketChannel} + {@code CompletionHandler} echo in a group of
 * {@code workers} threads. Each JMH thread is one client with its own connection doing
 * blocking write-then-read of {@code size} bytes; throughput is round trips per second over all
 * clients, average time is the round-trip latency one client sees. Run with {@code -t 1} for
 * bare latency and {@code -t 4} (or more) for throughput under concurrency. Goal: the
 * completion port within 1.2x of the JDK peer.
 */
@BenchmarkMode({Mode.Throughput, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
@Threads(4)
public class EchoBenchmark {

    /** The server, shared by all client threads of a trial. */
    @State(Scope.Benchmark)
    public static class Server {
        /** {@code iocp}: Courier's completion port; {@code jdk}: AsynchronousSocketChannel. */
        @Param({"iocp", "jdk"})
        public String server;

        /** Message size in bytes. */
        @Param({"64", "4096"})
        public int size;

        /** Worker threads (iocp) or channel group threads (jdk). */
        @Param({"2"})
        public int workers;

        EchoServer echo;

        @Setup(Level.Trial)
        public void start() throws Exception {
            echo = EchoServer.start(server, workers, Math.max(size, 4096));
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            echo.close();
        }
    }

    /** One client connection per benchmark thread. */
    @State(Scope.Thread)
    public static class Client {
        EchoClient client;

        @Setup(Level.Trial)
        public void connect(Server server) throws IOException {
            client = new EchoClient(server.echo.address(), server.size);
        }

        @TearDown(Level.Trial)
        public void disconnect() throws IOException {
            client.close();
        }
    }

    /** One request/response round trip. */
    @Benchmark
    public byte roundTrip(Client client) throws IOException {
        return client.client.roundTrip();
    }
}
