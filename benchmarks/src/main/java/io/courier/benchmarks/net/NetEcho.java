package io.courier.benchmarks.net;

import io.courier.net.NetConfig;
import io.courier.net.NetListener;
import io.courier.net.NetNode;
import io.courier.node.Link;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The far JVM of the node-to-node benchmarks, on loopback: it answers (echo) or swallows (sink)
 * 64-byte records over a Courier {@link Link} to another node, over a raw Aeron UDP stream pair
 * with a media driver of its own (Aeron's own idle strategy and a backoff wait, see {@link #driver}
 * and {@link #idle}), over the same raw Aeron pair with a driver in {@code INVOKER} mode whose duty
 * cycle its one thread runs while it spins (answers only, see {@link #aeronSpin}), or over TCP; or
 * it is a Courier node whose kernel serves another node: a kernel echo server, or an asynchronous
 * channel whose consumer gets and frees. It ends when its standard input closes.
 */
public final class NetEcho {
    static final int SIZE = 64;
    static final int STREAM = 10;
    static final long MAX_PARK_NANOS = Long.getLong("courier.net.maxParkNanos", 1_000_000);
    static final byte[] KEY = "courier-benchmark-key-0123456789".getBytes();

    /** What the end of standard input closes before the JVM halts. */
    private static volatile Runnable cleanUp;

    private NetEcho() {
    }

    /** Starts a child JVM with {@code args} on this JVM's class path. */
    static Process startChild(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), NetEcho.class.getName()));
        for (String prop : new String[] {"courier.net.driverMaxParkNanos", "courier.net.maxParkNanos", "courier.net.helpNanos"}) {
            if (System.getProperty(prop) != null) {
                cmd.add(cmd.size() - 1, "-D" + prop + "=" + System.getProperty(prop)); // before the class name
            }
        }
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }


    static void stop(Process child) throws Exception {
        if (child != null) {
            child.getOutputStream().close();
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
    }

    /**
     * The raw peer's media driver: Aeron's own idle strategy, as a plain Aeron user sets it up
     * (shared thread, spins, yields, then parks from 1 µs doubling up to 1 ms): what a node used
     * before its doorbell, which the raw peer does not have (the {@code courierLink} path is
     * Aeron with it).
     */
    static io.aeron.driver.MediaDriver driver(Path dir) {
        return io.aeron.driver.MediaDriver.launch(new io.aeron.driver.MediaDriver.Context()
                .aeronDirectoryName(dir.toString())
                .threadingMode(io.aeron.driver.ThreadingMode.SHARED)
                .sharedIdleStrategy(new org.agrona.concurrent.BackoffIdleStrategy(100, 10, 1_000,
                        Long.getLong("courier.net.driverMaxParkNanos", 1_000_000)))
                .termBufferSparseFile(true)
                .dirDeleteOnStart(true).dirDeleteOnShutdown(true));
    }

    /**
     * The spinning raw peer's media driver ({@code aeronUdpSpin}): Aeron's {@code INVOKER} mode, as
     * a Courier node's driver runs (no driver thread at all): its duty cycle (conductor, sender and
     * receiver together) runs only when a thread calls {@code driver.sharedAgentInvoker().invoke()},
     * which the peer's one thread does while it spins, so its datagrams are sent and read on that
     * thread. Nothing else runs the driver: a peer must invoke it while it waits for anything,
     * connections included ({@link #awaitConnected}).
     */
    static io.aeron.driver.MediaDriver invokerDriver(Path dir) {
        return io.aeron.driver.MediaDriver.launch(new io.aeron.driver.MediaDriver.Context()
                .aeronDirectoryName(dir.toString())
                .threadingMode(io.aeron.driver.ThreadingMode.INVOKER)
                .termBufferSparseFile(true)
                .dirDeleteOnStart(true).dirDeleteOnShutdown(true));
    }

    /**
     * A client of {@code driver} (an {@link #invokerDriver}) whose synchronous calls to the driver
     * ({@code addSubscription}, {@code addExclusivePublication}) run the driver's duty cycle on the
     * calling thread while they wait for its answer ({@code Aeron.Context.driverAgentInvoker}), so
     * that the thread that will spin on the driver is the only one that ever invokes it. The
     * client's conductor keeps its own thread (Aeron's default, asleep 16 ms at a time): it only
     * handles the driver's notices (images coming and going) and keepalives, nothing of a round trip.
     */
    static io.aeron.Aeron invokerClient(io.aeron.driver.MediaDriver driver) {
        return io.aeron.Aeron.connect(new io.aeron.Aeron.Context()
                .aeronDirectoryName(driver.aeronDirectoryName())
                .driverAgentInvoker(driver.sharedAgentInvoker()));
    }

    /**
     * Runs {@code invoker} (an {@link #invokerDriver}'s) until {@code pub} and {@code sub} are both
     * connected: in {@code INVOKER} mode nothing else sends the setup and status frames. Throws if
     * that takes over 30 s.
     */
    static void awaitConnected(org.agrona.concurrent.AgentInvoker invoker, io.aeron.Publication pub,
            io.aeron.Subscription sub) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!(pub.isConnected() && sub.isConnected())) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("the Aeron peer did not connect within 30 s (publication "
                        + pub.isConnected() + ", subscription " + sub.isConnected() + ")");
            }
            if (invoker.invoke() == 0) {
                Thread.onSpinWait();
            }
        }
    }

    static String udp(int port, int termLength) {
        return "aeron:udp?endpoint=127.0.0.1:" + port + "|interface=127.0.0.1:0|term-length=" + termLength;
    }

    /**
     * The raw peer's wait, a plain backoff (a link's consumer waited so before the doorbell woke
     * it): spins 20 µs, then parks from 1 µs doubling up to 1 ms (or {@code
     * courier.net.maxParkNanos}), until {@code ready} says so.
     */
    static void idle(java.util.function.BooleanSupplier ready) {
        long start = System.nanoTime();
        long park = 1_000;
        while (!ready.getAsBoolean()) {
            if (System.nanoTime() - start < 20_000) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(park);
                park = Math.min(park * 2, MAX_PARK_NANOS);
            }
        }
    }

    /**
     * {@code link MYPORT PEERPORT echo|sink}, {@code kernel MYPORT PEERPORT}, {@code async MYPORT PEERPORT},
     * {@code aeron MYPORT PEERPORT echo|sink}, {@code aeronSpin MYPORT PEERPORT} (echo) or {@code tcp PORT}.
     */
    public static void main(String[] args) throws Exception {
        Thread.ofPlatform().daemon().start(() -> {
            try {
                while (System.in.read() >= 0) {
                    // Nothing is sent: we only wait for the end.
                }
            } catch (IOException e) {
                // Treated as the end.
            }
            Runnable c = cleanUp;
            if (c != null) {
                c.run(); // the node's or driver's folder in /dev/shm
            }
            Runtime.getRuntime().halt(0);
        });
        boolean echo = args.length > 3 && args[3].equals("echo");
        switch (args[0]) {
            case "link" -> link(Integer.parseInt(args[1]), Integer.parseInt(args[2]), echo);
            case "kernel" -> kernel(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            case "async" -> async(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            case "aeron" -> aeron(Integer.parseInt(args[1]), Integer.parseInt(args[2]), echo);
            case "aeronSpin" -> aeronSpin(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            default -> tcp(Integer.parseInt(args[1]));
        }
    }

    /** Says READY, followed by {@code words} if any. */
    private static void ready(String... words) {
        System.out.println(String.join(" ", java.util.stream.Stream.concat(java.util.stream.Stream.of("READY"),
                java.util.stream.Stream.of(words)).toList()));
        System.out.flush();
    }

    private static void link(int myPort, int peerPort, boolean echo) throws InterruptedException {
        NetConfig config = NetConfig.of("echo", myPort, List.of(new NetConfig.Peer("bench", "127.0.0.1", peerPort)), KEY);
        NetNode[] node = new NetNode[1];
        node[0] = NetNode.start(config, new NetListener() {
            @Override
            public void nodeUp(int nd, String name, long incarnation) {
                Link link = node[0].link(nd);
                Thread.ofPlatform().daemon().name("echo").start(() -> serve(link, echo));
            }

            @Override
            public void nodeDown(int nd, String name, String reason) {
                // The benchmark is over.
            }
        });
        cleanUp = node[0]::close;
        ready();
        Thread.currentThread().join();
    }

    /** The global name of the {@code kernel} echo server. */
    static final String KERNEL_ECHO = "bench-echo";

    /**
     * A Courier kernel on node "echo" whose server (global name {@link #KERNEL_ECHO}) replies to
     * every message with its bytes: the far end of a kernel round trip across nodes.
     */
    private static void kernel(int myPort, int peerPort) throws InterruptedException {
        io.courier.kernel.Kernel server = joinedKernel(myPort, peerPort).process("echo");
        Thread.ofPlatform().daemon().name("echo").start(() -> {
            int chid = server.nameAttach(KERNEL_ECHO, 0x1).chid();
            ready();
            ByteBuffer buf = ByteBuffer.allocate(4096);
            while (true) {
                buf.clear();
                long rcvid = server.msgReceive(chid, buf, null);
                if (rcvid != 0) {
                    buf.flip();
                    server.msgReply(rcvid, 0, buf);
                }
            }
        });
        Thread.currentThread().join();
    }

    /** A Courier kernel on node "echo" that joined the network of it and node "bench". */
    private static io.courier.kernel.internal.MicrokernelImpl joinedKernel(int myPort, int peerPort) {
        NetConfig config = NetConfig.of("echo", myPort, List.of(new NetConfig.Peer("bench", "127.0.0.1", peerPort)), KEY);
        io.courier.kernel.internal.MicrokernelImpl mk = new io.courier.kernel.internal.MicrokernelImpl();
        io.courier.net.NetNetwork net = io.courier.net.NetNetwork.start(config);
        mk.joinNetwork(net);
        cleanUp = net::close;
        return mk;
    }

    /**
     * A Courier kernel on node "echo" with an asynchronous channel (64-byte messages, 4,096
     * buffers) whose consumer thread gets (blocking) and frees, as in the asyncmsg benchmark
     * across the JVMs of a node; says {@code READY pid chid}. Clients of node "bench" reach it
     * through this JVM's asyncmsg gateway, whose name is global.
     */
    private static void async(int myPort, int peerPort) throws InterruptedException {
        int[] made = io.courier.benchmarks.asyncmsg.NodeAsyncMsgThroughputBenchmark.sink(joinedKernel(myPort, peerPort));
        ready(Integer.toString(made[0]), Integer.toString(made[1]));
        Thread.currentThread().join();
    }

    private static void serve(Link link, boolean echo) {
        ByteBuffer buf = ByteBuffer.allocateDirect(link.maxPayload());
        ByteBuffer[] bufs = {buf};
        io.courier.node.RecordHandler handler = (type, seg, offset, length) -> {
            if (echo) {
                buf.clear().limit(length);
                MemorySegment.copy(seg, offset, MemorySegment.ofBuffer(buf), 0, length);
                while (!link.offer(type, bufs)) {
                    Thread.onSpinWait();
                }
            }
        };
        try {
            while (true) {
                if (link.await(100_000_000L)) {
                    link.poll(handler, 64);
                }
            }
        } catch (IllegalStateException | InterruptedException e) {
            // The link went down: the benchmark is over.
        }
    }

    private static void aeron(int myPort, int peerPort, boolean echo) throws IOException {
        Path dir = Files.createTempDirectory(Path.of("/dev/shm"), "courier-bench-echo-");
        try (io.aeron.driver.MediaDriver driver = driver(dir.resolve("aeron"));
                io.aeron.Aeron aeron = io.aeron.Aeron.connect(new io.aeron.Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
                io.aeron.Subscription in = aeron.addSubscription("aeron:udp?endpoint=127.0.0.1:" + myPort, STREAM);
                io.aeron.ExclusivePublication out = aeron.addExclusivePublication(udp(peerPort, 1 << 20), STREAM)) {
            cleanUp = () -> {
                org.agrona.CloseHelper.quietCloseAll(aeron, driver);
                dir.toFile().delete();
            };
            ready();
            io.aeron.logbuffer.FragmentHandler handler = (buffer, offset, length, header) -> {
                if (echo) {
                    while (out.offer(buffer, offset, length) < 0) {
                        Thread.onSpinWait();
                    }
                }
            };
            int[] got = {0};
            while (true) {
                idle(() -> (got[0] = in.poll(handler, 64)) > 0);
            }
        }
    }

    /** Cleared by the end of standard input: {@link #aeronSpin}'s thread stops spinning and closes. */
    private static volatile boolean spinning = true;

    /**
     * The far end of {@code aeronUdpSpin}: the raw Aeron UDP pair of {@link #aeron} with an
     * {@link #invokerDriver} and no wait at all. The one thread busy-spins: it runs the driver's
     * duty cycle and polls; a record is offered back at once (running the duty cycle between
     * tries while the offer fails), and the next duty cycle sends it. The end of standard input
     * stops the spin, and this thread closes the client and the driver and deletes the folder
     * (closing them under a thread that still runs the driver would unmap its files under it).
     */
    private static void aeronSpin(int myPort, int peerPort) throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/dev/shm"), "courier-bench-echo-");
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        cleanUp = () -> {
            spinning = false;
            try {
                closed.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (io.aeron.driver.MediaDriver driver = invokerDriver(dir.resolve("aeron"));
                io.aeron.Aeron aeron = invokerClient(driver);
                io.aeron.Subscription in = aeron.addSubscription("aeron:udp?endpoint=127.0.0.1:" + myPort, STREAM);
                io.aeron.ExclusivePublication out = aeron.addExclusivePublication(udp(peerPort, 1 << 20), STREAM)) {
            org.agrona.concurrent.AgentInvoker invoker = driver.sharedAgentInvoker();
            io.aeron.logbuffer.FragmentHandler handler = (buffer, offset, length, header) -> {
                while (out.offer(buffer, offset, length) < 0) {
                    invoker.invoke();
                }
            };
            ready();
            while (spinning) {
                invoker.invoke();
                in.poll(handler, 64);
            }
        } finally {
            try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } finally {
                closed.countDown();
            }
        }
    }

    private static void tcp(int port) throws IOException {
        try (ServerSocket server = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            ready();
            try (Socket s = server.accept()) {
                s.setTcpNoDelay(true);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                byte[] buf = new byte[SIZE];
                while (true) {
                    int n = 0;
                    while (n < SIZE) {
                        int r = in.read(buf, n, SIZE - n);
                        if (r < 0) {
                            return;
                        }
                        n += r;
                    }
                    out.write(buf);
                }
            }
        }
    }
}
