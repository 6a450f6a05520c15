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
 * JVM and an Aeron IPC ping-pong (an embedded media driver here, the echo JVM its client), in one
 * run ({@code path}). The far JVMs are {@link Echo} children.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED"})
public class NodeRoundTripBenchmark {
    /** "courierAcrossJvms", "courierInJvm", "unixSocketAcrossJvms" or "aeronIpcAcrossJvms". */
    @Param({"courierAcrossJvms", "courierInJvm", "unixSocketAcrossJvms", "aeronIpcAcrossJvms"})
    public String path;

    private Path root;
    private Process child;
    private MicrokernelImpl mk;
    private Thread serverThread;
    private Kernel client;
    private int coid;
    private SocketChannel socket;
    private io.aeron.driver.MediaDriver driver;
    private io.aeron.Aeron aeron;
    private io.aeron.Publication pings;
    private io.aeron.Subscription pongs;
    private org.agrona.concurrent.IdleStrategy aeronIdle;
    private final org.agrona.concurrent.UnsafeBuffer ping = new org.agrona.concurrent.UnsafeBuffer(new byte[Echo.SIZE]);
    private int pongBytes;
    private final io.aeron.logbuffer.FragmentHandler onPong = (buffer, offset, length, header) -> pongBytes = length;
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
            case "aeronIpcAcrossJvms" -> {
                // An embedded media driver here; the echo JVM is a client of it over IPC (shared memory).
                driver = Echo.launchIpcDriver(root.resolve("aeron"));
                aeron = io.aeron.Aeron.connect(new io.aeron.Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
                pings = aeron.addPublication("aeron:ipc", Echo.AERON_PING_STREAM);
                pongs = aeron.addSubscription("aeron:ipc", Echo.AERON_PONG_STREAM);
                aeronIdle = Echo.aeronIdle();
                for (int i = 0; i < Echo.SIZE; i++) {
                    ping.putByte(i, (byte) ('a' + i % 26));
                }
                child = Echo.startChild("aeron", driver.aeronDirectoryName());
                Echo.awaitReady(child);
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!(pings.isConnected() && pongs.isConnected()) && System.nanoTime() < end) {
                    Thread.sleep(1);
                }
                if (!pings.isConnected() || !pongs.isConnected()) {
                    throw new IllegalStateException("the Aeron echo JVM did not connect");
                }
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
        if (aeron != null) {
            aeron.close();
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
        if (driver != null) {
            driver.close();
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** The far JVM of this trial (null for the in-JVM path). */
    public Process echoProcess() {
        return child;
    }

    /** One round trip by the path of this trial. */
    @Benchmark
    public int roundTrip() throws IOException {
        if (pings != null) {
            while (pings.offer(ping, 0, Echo.SIZE) < 0) {
                Thread.onSpinWait();
            }
            pongBytes = 0;
            while (pongBytes == 0) {
                aeronIdle.idle(pongs.poll(onPong, 1));
            }
            aeronIdle.reset();
            return pongBytes;
        }
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
