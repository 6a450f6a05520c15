package io.courier.benchmarks.node;

import io.courier.node.NodeFolder;
import io.courier.node.Ring;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The node transport's round trip (issue 20, B2; the transport alone, before the kernel uses
 * it): a 64-byte message over one ring and its 64-byte echo over another, beside the same
 * ping-pong over a UNIX-domain socket ({@code SocketChannel} with a
 * {@code UnixDomainSocketAddress}). The echo side is a thread of this JVM ({@code peer=thread})
 * or a second JVM ({@code peer=jvm}). One operation is one round trip.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m", "--enable-native-access=ALL-UNNAMED"})
public class NodePingPongBenchmark {
    @Param({"thread", "jvm"})
    public String peer;

    private Path root;
    private Ring ping;
    private Ring pong;
    private SocketChannel socket;
    private Thread echoThread;
    private Process echoJvm;
    private Process echoJvmUds;
    private ServerSocketChannel server;
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
        Path sock = root.resolve("echo.sock");
        for (int i = 0; i < Echo.SIZE; i++) {
            msg.put(i, (byte) i);
        }
        if (peer.equals("thread")) {
            Ring in = Ring.open(folder, "ping", "benchmark");
            Ring out = Ring.open(folder, "pong", "benchmark");
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(sock));
            echoThread = Thread.ofPlatform().daemon().name("echo").start(() -> {
                try (in; out) {
                    Thread sockets = Thread.ofPlatform().daemon().name("echo-uds").start(() -> {
                        try {
                            Echo.socket(server.accept());
                        } catch (IOException e) {
                            // closed
                        }
                    });
                    Echo.rings(in, out, -1, 0);
                    sockets.interrupt();
                }
            });
            socket = SocketChannel.open(UnixDomainSocketAddress.of(sock));
        } else {
            echoJvm = Echo.startChild("rings", root.toString(), "bench", "ping", "pong");
            Echo.awaitReady(echoJvm);
            Process udsJvm = Echo.startChild("uds", sock.toString());
            Echo.awaitReady(udsJvm);
            socket = SocketChannel.open(UnixDomainSocketAddress.of(sock));
            echoJvmUds = udsJvm;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        socket.close();
        if (echoThread != null) {
            echoThread.interrupt();
            echoThread.join(5_000);
            server.close();
        }
        for (Process p : new Process[] {echoJvm, echoJvmUds}) {
            if (p != null) {
                p.getOutputStream().close();
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
        ping.close();
        pong.close();
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** One 64-byte round trip over two rings (spin, then the futex doorbell). */
    @Benchmark
    public int rings() throws InterruptedException {
        while (!ping.offer(1, msgs)) {
            Thread.onSpinWait();
        }
        if (!pong.await(TimeUnit.SECONDS.toNanos(10))) {
            throw new IllegalStateException("no echo within 10 s");
        }
        reply.clear();
        return pong.read(replies);
    }

    /** The peer: one 64-byte round trip over a UNIX-domain socket. */
    @Benchmark
    public int unixSocket() throws IOException {
        msg.clear();
        while (msg.hasRemaining()) {
            socket.write(msg);
        }
        reply.clear();
        while (reply.hasRemaining()) {
            if (socket.read(reply) < 0) {
                throw new IOException("the echo closed");
            }
        }
        return reply.position();
    }
}
