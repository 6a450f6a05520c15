package io.courier.benchmarks.node;

import io.courier.node.NodeFolder;
import io.courier.node.Ring;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The far side of the ping-pong benchmarks: echoes 64-byte messages back, over two rings or
 * over a UNIX-domain socket. It runs as a thread of the benchmark's JVM or as a JVM of its own
 * ({@link #main}); a child JVM ends when its standard input closes (its parent is gone).
 */
public final class Echo {
    static final int SIZE = 64;

    private Echo() {
    }

    /** Starts a child JVM echoing with {@code args} (the benchmark's own class path). */
    static Process startChild(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                Echo.class.getName()));
        // The node's wait settings, as this JVM was given them, for the echo's side too.
        for (String prop : new String[] {"courier.node.spinNanos", "courier.node.yieldNanos"}) {
            if (System.getProperty(prop) != null) {
                cmd.add(cmd.size() - 1, "-D" + prop + "=" + System.getProperty(prop)); // before the class name
            }
        }
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /**
     * Reads the child's "READY" line (bounded); the node and net benchmarks' echo JVMs both say it.
     * Returns its words: "READY" and whatever the child added (the net benchmarks' asyncmsg server
     * says its pid and chid).
     */
    public static String[] awaitReady(Process child) throws IOException, InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        StringBuilder line = new StringBuilder();
        while (System.nanoTime() < end) {
            if (child.getInputStream().available() > 0) {
                int c = child.getInputStream().read();
                if (c == '\n') {
                    if (line.toString().equals("READY") || line.toString().startsWith("READY ")) {
                        return line.toString().split(" ");
                    }
                    line.setLength(0);
                } else {
                    line.append((char) c);
                }
            } else if (!child.isAlive()) {
                throw new IllegalStateException("the echo JVM ended: " + child.exitValue());
            } else {
                Thread.sleep(5);
            }
        }
        throw new IllegalStateException("the echo JVM did not start within 30 s");
    }

    /**
     * Echoes records from {@code in} back on {@code out} until interrupted or the rings close,
     * waiting with the ring's adaptive default ({@code spinNanos < 0}) or a fixed strategy.
     */
    static void rings(Ring in, Ring out, long spinNanos, long yieldNanos) {
        ByteBuffer buf = ByteBuffer.allocateDirect(SIZE);
        ByteBuffer[] bufs = {buf};
        try {
            while (!Thread.currentThread().isInterrupted()) {
                long limit = TimeUnit.MILLISECONDS.toNanos(200);
                if (!(spinNanos < 0 ? in.await(limit) : in.await(limit, spinNanos, yieldNanos))) {
                    continue;
                }
                buf.clear();
                in.read(bufs);
                buf.flip();
                while (!out.offer(1, bufs)) {
                    Thread.onSpinWait();
                }
            }
        } catch (InterruptedException | IllegalStateException e) {
            // Stopped, or the rings were closed under us: the benchmark is over.
        }
    }

    /** Echoes 64-byte messages on {@code ch} until it closes. */
    static void socket(SocketChannel ch) {
        ByteBuffer buf = ByteBuffer.allocateDirect(SIZE);
        try (ch) {
            while (true) {
                buf.clear();
                while (buf.hasRemaining()) {
                    if (ch.read(buf) < 0) {
                        return;
                    }
                }
                buf.flip();
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
        } catch (IOException e) {
            // Closed: the benchmark is over.
        }
    }

    /**
     * A Courier server: a kernel in node {@code name} under {@code root} whose process attaches
     * {@code echo} and answers every message with its own bytes ({@code _IO_CONNECT} with none).
     * Returns when the kernel closes.
     */
    static void kernel(Path root, String name, Runnable ready) {
        try (io.courier.kernel.internal.MicrokernelImpl mk = new io.courier.kernel.internal.MicrokernelImpl(
                io.courier.kernel.IdleStrategy.BACKOFF, NodeFolder.open(root, name))) {
            io.courier.kernel.Kernel server = mk.process("echo");
            int chid = server.nameAttach("echo", 0).chid();
            ready.run();
            ByteBuffer buf = ByteBuffer.allocateDirect(Math.max(SIZE, 4096));
            while (true) {
                buf.clear();
                long rcvid = server.msgReceive(chid, buf, null);
                if (rcvid <= 0) {
                    continue; // a pulse (a client's DISCONNECT)
                }
                buf.flip();
                if (io.courier.kernel.IoConnectLayout.type(buf) == io.courier.kernel.IoMsg.IO_CONNECT) {
                    server.msgReply(rcvid, 0, null);
                } else {
                    server.msgReply(rcvid, 0, buf);
                }
            }
        } catch (io.courier.kernel.KernelException e) {
            // The kernel closed: the benchmark is over.
        }
    }

    /** The Aeron IPC streams of the ping-pong peer: pings to the echo JVM, pongs back. */
    static final int AERON_PING_STREAM = 10;
    static final int AERON_PONG_STREAM = 11;

    /**
     * The far side of the Aeron IPC ping-pong: a client of the media driver whose folder is
     * {@code dir} (the benchmark's embedded driver), which answers each ping on the pong stream
     * with the same bytes. Spins briefly, then backs off, between polls.
     */
    static void aeron(String dir, Runnable ready) {
        io.aeron.Aeron.Context ctx = new io.aeron.Aeron.Context().aeronDirectoryName(dir);
        try (io.aeron.Aeron aeron = io.aeron.Aeron.connect(ctx);
                io.aeron.Subscription pings = aeron.addSubscription("aeron:ipc", AERON_PING_STREAM);
                io.aeron.Publication pongs = aeron.addPublication("aeron:ipc", AERON_PONG_STREAM)) {
            ready.run();
            org.agrona.concurrent.IdleStrategy idle = aeronIdle();
            io.aeron.logbuffer.FragmentHandler echo = (buffer, offset, length, header) -> {
                while (pongs.offer(buffer, offset, length) < 0) {
                    if (pongs.isClosed()) {
                        return;
                    }
                    Thread.onSpinWait();
                }
            };
            while (!pings.isClosed()) {
                idle.idle(pings.poll(echo, 16));
            }
        }
    }

    /**
     * The embedded media driver of the Aeron IPC peers (in folder {@code dir}): shared threading,
     * spin, yield, then park 1 µs up to 1 ms when idle; its folder deleted at start and shutdown.
     */
    public static io.aeron.driver.MediaDriver launchIpcDriver(Path dir) {
        return io.aeron.driver.MediaDriver.launchEmbedded(new io.aeron.driver.MediaDriver.Context()
                .aeronDirectoryName(dir.toString())
                .threadingMode(io.aeron.driver.ThreadingMode.SHARED)
                .sharedIdleStrategy(new org.agrona.concurrent.BackoffIdleStrategy(100, 10, 1_000, 1_000_000))
                .dirDeleteOnStart(true).dirDeleteOnShutdown(true));
    }

    /** The idle strategy of both sides of the Aeron peer: spin, yield, then park from 1 µs up to 100 µs. */
    public static org.agrona.concurrent.IdleStrategy aeronIdle() {
        return new org.agrona.concurrent.BackoffIdleStrategy(100, 10, 1_000, 100_000);
    }

    /** {@code rings ROOT NODE IN OUT [SPIN_NANOS YIELD_NANOS]} (fixed strategy), {@code kernel ROOT NODE}, {@code aeron DIR} or {@code uds PATH}. */
    public static void main(String[] args) throws Exception {
        Thread.ofPlatform().daemon().start(() -> {
            try {
                while (System.in.read() >= 0) {
                    // Nothing is sent: we only wait for the end.
                }
            } catch (IOException e) {
                // Treated as the end.
            }
            Runtime.getRuntime().halt(0);
        });
        if (args[0].equals("rings")) {
            NodeFolder folder = NodeFolder.open(Path.of(args[1]), args[2]);
            try (Ring in = Ring.open(folder, args[3], "benchmark"); Ring out = Ring.open(folder, args[4], "benchmark")) {
                System.out.println("READY");
                System.out.flush();
                rings(in, out, args.length > 5 ? Long.parseLong(args[5]) : -1,
                        args.length > 6 ? Long.parseLong(args[6]) : 0);
            }
        } else if (args[0].equals("aeron")) {
            aeron(args[1], () -> {
                System.out.println("READY");
                System.out.flush();
            });
        } else if (args[0].equals("kernel")) {
            kernel(Path.of(args[1]), args[2], () -> {
                System.out.println("READY");
                System.out.flush();
            });
        } else {
            try (ServerSocketChannel server = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(args[1]));
                System.out.println("READY");
                System.out.flush();
                socket(server.accept());
            }
        }
    }
}
