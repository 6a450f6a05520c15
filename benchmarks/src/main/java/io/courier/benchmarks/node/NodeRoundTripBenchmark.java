package io.courier.benchmarks.node;

import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.internal.MicrokernelImpl;
import io.courier.node.NodeFolder;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
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
 * SPEC B2: a Courier round trip of a 64-byte message and a 64-byte reply ({@code msgSend} on a
 * coid from {@code nameOpen}) to a server in another JVM of the node, beside the same round trip
 * to a server thread in this JVM and a 64-byte ping-pong over a UNIX-domain socket with another
 * JVM, in one run ({@code path}). The far JVMs are {@link Echo} children.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m", "--enable-native-access=ALL-UNNAMED"})
public class NodeRoundTripBenchmark {
    /** "courierAcrossJvms", "courierInJvm" or "unixSocketAcrossJvms". */
    @Param({"courierAcrossJvms", "courierInJvm", "unixSocketAcrossJvms"})
    public String path;

    private Path root;
    private Process child;
    private MicrokernelImpl mk;
    private Thread serverThread;
    private Kernel client;
    private int coid;
    private SocketChannel socket;
    private final ByteBuffer msg = ByteBuffer.allocateDirect(Echo.SIZE);
    private final ByteBuffer reply = ByteBuffer.allocateDirect(Echo.SIZE);

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        root = Files.createTempDirectory(Path.of("/dev/shm"), "courier-bench-");
        for (int i = 0; i < Echo.SIZE; i++) {
            msg.put(i, (byte) ('a' + i % 26));
        }
        switch (path) {
            case "courierAcrossJvms" -> {
                child = Echo.startChild("kernel", root.toString(), "bench");
                Echo.awaitReady(child);
                mk = new MicrokernelImpl(IdleStrategy.BACKOFF, NodeFolder.open(root, "bench"));
                client = mk.process("client");
                coid = client.nameOpen("echo", 0);
            }
            case "courierInJvm" -> {
                mk = new MicrokernelImpl(IdleStrategy.BACKOFF);
                java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
                MicrokernelImpl kernel = mk;
                serverThread = Thread.ofPlatform().daemon().name("echo").start(() -> {
                    // Echo.kernel's loop, on a kernel without a node.
                    Kernel server = kernel.process("echo");
                    int chid = server.nameAttach("echo", 0).chid();
                    ready.countDown();
                    ByteBuffer buf = ByteBuffer.allocateDirect(4096);
                    try {
                        while (true) {
                            buf.clear();
                            long rcvid = server.msgReceive(chid, buf, null);
                            if (rcvid <= 0) {
                                continue;
                            }
                            buf.flip();
                            server.msgReply(rcvid, 0,
                                    io.courier.kernel.IoConnectLayout.type(buf) == io.courier.kernel.IoMsg.IO_CONNECT ? null : buf);
                        }
                    } catch (io.courier.kernel.KernelException e) {
                        // The kernel closed.
                    }
                });
                if (!ready.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the echo server did not start");
                }
                client = mk.process("client");
                coid = client.nameOpen("echo", 0);
            }
            default -> {
                Path sock = root.resolve("echo.sock");
                child = Echo.startChild("uds", sock.toString());
                Echo.awaitReady(child);
                socket = SocketChannel.open(UnixDomainSocketAddress.of(sock));
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (socket != null) {
            socket.close();
        }
        if (mk != null) {
            mk.close();
        }
        if (serverThread != null) {
            serverThread.join(5_000);
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

    /** One round trip by the path of this trial. */
    @Benchmark
    public int roundTrip() throws IOException {
        if (socket == null) {
            msg.clear();
            reply.clear();
            return client.msgSend(coid, msg, reply);
        }
        msg.clear();
        while (msg.hasRemaining()) {
            socket.write(msg);
        }
        reply.clear();
        while (reply.hasRemaining()) {
            if (socket.read(reply) < 0) {
                throw new IOException("the echo JVM closed its socket");
            }
        }
        return reply.get(0);
    }
}
