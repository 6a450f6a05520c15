package io.courier.benchmarks.net;

import io.courier.benchmarks.node.Echo;
import io.courier.net.NetConfig;
import io.courier.net.NetListener;
import io.courier.net.NetNode;
import io.courier.node.Link;
import io.courier.node.RecordHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * This JVM's side of the node-to-node benchmarks, by path: a Courier node whose {@link Link} goes
 * to the {@link NetEcho} JVM's node ("courierLink"), a raw Aeron UDP publication and subscription
 * pair with a media driver of its own, as a plain Aeron user sets it up (a shared driver thread
 * with Aeron's backoff idle strategy, and a backoff wait: "aeronUdp"), the same pair with a driver
 * in {@code INVOKER} mode whose duty cycle the benchmark thread runs itself while it spins, as a
 * Courier node runs its driver, the best raw Aeron round trip the machine allows ("aeronUdpSpin",
 * round trips only; {@link #invoker}), a TCP socket ("tcp"), a Courier kernel
 * whose client sends to the echo JVM's kernel server by its global name ("courierKernel"), or the
 * same kernel whose client's asyncmsg connections go to the echo JVM's asynchronous channel
 * through that node's gateway ("courierAsync").
 */
final class NetPeers {
    final String path;
    private final Path root;
    private Process child;
    private NetNode node;
    Link link;
    private io.courier.kernel.internal.MicrokernelImpl mk;
    private io.courier.net.NetNetwork net;
    io.courier.kernel.Kernel kernel;
    int coid = -1;
    io.courier.asyncmsg.AsyncMessaging am;
    /** courierAsync: the connections, put to in turn. */
    int[] acoids;
    int turn;
    /** courierAsync: the slots of each connection. */
    int slots;
    private boolean closed;
    /** Closes what a trial that failed left open, when the benchmark JVM ends. */
    private final Thread atExit = new Thread(() -> {
        try {
            close();
        } catch (Exception e) {
            // The JVM is ending: nothing more to do.
        }
    });
    final ByteBuffer request = ByteBuffer.allocate(NetEcho.SIZE);
    final ByteBuffer reply = ByteBuffer.allocate(NetEcho.SIZE);
    private io.aeron.driver.MediaDriver driver;
    private io.aeron.Aeron aeron;
    io.aeron.ExclusivePublication pub;
    io.aeron.Subscription sub;
    /**
     * aeronUdpSpin: the duty cycle of this side's {@code INVOKER} media driver, which nothing but
     * the thread that calls it runs: the benchmark thread, between tries of an offer and while it
     * waits for the echo.
     */
    org.agrona.concurrent.AgentInvoker invoker;
    private Socket socket;
    InputStream tcpIn;
    OutputStream tcpOut;

    final ByteBuffer payload = ByteBuffer.allocateDirect(NetEcho.SIZE);
    final ByteBuffer[] iov = {payload};
    final org.agrona.concurrent.UnsafeBuffer aeronPayload = new org.agrona.concurrent.UnsafeBuffer(ByteBuffer.allocateDirect(NetEcho.SIZE));
    final byte[] tcpPayload = new byte[NetEcho.SIZE];
    int got;
    final RecordHandler onRecord = (type, seg, offset, length) -> got++;
    final io.aeron.logbuffer.FragmentHandler onFragment = (buffer, offset, length, header) -> got++;

    NetPeers(String path, boolean echo) throws Exception {
        this(path, echo, 64, 1);
    }

    /**
     * {@code trigger} and {@code connections} are for courierAsync: each connection's count
     * trigger (64-byte messages, 4,096 slots, as across the JVMs of a node) and how many there are.
     */
    NetPeers(String path, boolean echo, int trigger, int connections) throws Exception {
        this.path = path;
        root = Files.createTempDirectory(Path.of("/dev/shm"), "courier-bench-net-");
        Runtime.getRuntime().addShutdownHook(atExit);
        for (int i = 0; i < NetEcho.SIZE; i++) {
            payload.put(i, (byte) ('a' + i % 26));
            aeronPayload.putByte(i, (byte) ('a' + i % 26));
        }
        int mine = freePort();
        int theirs = freePort();
        String mode = echo ? "echo" : "sink";
        switch (path) {
            case "courierLink" -> {
                child = NetEcho.startChild("link", Integer.toString(theirs), Integer.toString(mine), mode);
                Echo.awaitReady(child);
                CountDownLatch up = new CountDownLatch(1);
                node = NetNode.start(NetConfig.of("bench", mine, List.of(new NetConfig.Peer("echo", "127.0.0.1", theirs)),
                        NetEcho.KEY), new NetListener() {
                            @Override
                            public void nodeUp(int nd, String name, long incarnation) {
                                up.countDown();
                            }

                            @Override
                            public void nodeDown(int nd, String name, String reason) {
                                System.err.println("the echo node went down: " + reason);
                            }
                        });
                if (!up.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the echo node did not come up");
                }
                link = node.link(1);
            }
            case "courierKernel", "courierAsync" -> {
                boolean async = path.equals("courierAsync");
                child = NetEcho.startChild(async ? "async" : "kernel", Integer.toString(theirs), Integer.toString(mine));
                String[] ready = Echo.awaitReady(child);
                mk = new io.courier.kernel.internal.MicrokernelImpl();
                net = io.courier.net.NetNetwork.start(NetConfig.of("bench", mine,
                        List.of(new NetConfig.Peer("echo", "127.0.0.1", theirs)), NetEcho.KEY));
                mk.joinNetwork(net);
                kernel = mk.process("bench");
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                if (async) {
                    connectAsync(Integer.parseInt(ready[1]), Integer.parseInt(ready[2]), trigger, connections, end);
                }
                while (!async && coid < 0) {
                    try {
                        coid = kernel.nameOpen(NetEcho.KERNEL_ECHO, 0x1);
                    } catch (io.courier.kernel.KernelException e) {
                        if (System.nanoTime() > end) {
                            throw e;
                        }
                        Thread.sleep(10);
                    }
                }
            }
            case "aeronUdp" -> {
                child = NetEcho.startChild("aeron", Integer.toString(theirs), Integer.toString(mine), mode);
                Echo.awaitReady(child);
                driver = NetEcho.driver(root.resolve("aeron"));
                aeron = io.aeron.Aeron.connect(new io.aeron.Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
                sub = aeron.addSubscription("aeron:udp?endpoint=127.0.0.1:" + mine, NetEcho.STREAM);
                pub = aeron.addExclusivePublication(NetEcho.udp(theirs, 1 << 20), NetEcho.STREAM);
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!(pub.isConnected() && (!echo || sub.isConnected())) && System.nanoTime() < end) {
                    Thread.sleep(1);
                }
                if (!pub.isConnected()) {
                    throw new IllegalStateException("the Aeron echo JVM did not connect");
                }
            }
            case "aeronUdpSpin" -> {
                if (!echo) {
                    throw new IllegalArgumentException("aeronUdpSpin is a round trip only: nothing would run the driver");
                }
                child = NetEcho.startChild("aeronSpin", Integer.toString(theirs), Integer.toString(mine));
                Echo.awaitReady(child);
                driver = NetEcho.invokerDriver(root.resolve("aeron"));
                invoker = driver.sharedAgentInvoker();
                aeron = NetEcho.invokerClient(driver); // its adds run the driver on this thread while they wait
                sub = aeron.addSubscription("aeron:udp?endpoint=127.0.0.1:" + mine, NetEcho.STREAM);
                pub = aeron.addExclusivePublication(NetEcho.udp(theirs, 1 << 20), NetEcho.STREAM);
                NetEcho.awaitConnected(invoker, pub, sub);
            }
            default -> {
                child = NetEcho.startChild("tcp", Integer.toString(theirs));
                Echo.awaitReady(child);
                socket = new Socket(InetAddress.getLoopbackAddress(), theirs);
                socket.setTcpNoDelay(true);
                tcpIn = socket.getInputStream();
                tcpOut = socket.getOutputStream();
            }
        }
    }

    /**
     * courierAsync: waits until node "echo" told its asyncmsg gateway's global name (it follows
     * the link's coming up), then makes {@code connections} connections to channel {@code chid}
     * of process {@code pid} there.
     */
    private void connectAsync(int pid, int chid, int trigger, int connections, long end) throws InterruptedException {
        int nd = -1;
        while (nd < 0 || mk.globalNames(nd).stream().noneMatch(n -> n.name().startsWith("courier-asyncmsg-gateway"))) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("node echo did not tell its asyncmsg gateway");
            }
            Thread.sleep(10);
            try {
                nd = kernel.netmgrStrtond("echo");
            } catch (io.courier.kernel.KernelException e) {
                // Not known yet.
            }
        }
        // A batch is one kernel message, and a kernel message crosses nodes as one record of the
        // link: 64 bytes of kernel header, asyncmsg's 32-byte batch header, then a 4-byte length and
        // the bytes of each message. The ring holds what one record carries (4,096 at most), so
        // that a full ring still goes as one batch (the node sender splits a bigger ring into
        // batches of a record each; the figures in RESULTS were taken with this size).
        slots = Math.min(4096, (net.link(nd).maxPayload() - 64 - 32) / (NetEcho.SIZE + 4));
        am = io.courier.asyncmsg.AsyncMessaging.of(kernel);
        acoids = new int[connections];
        for (int i = 0; i < connections; i++) {
            acoids[i] = am.connectAttach(nd, pid, chid, 0, 0,
                    io.courier.benchmarks.asyncmsg.NodeAsyncMsgThroughputBenchmark.attr(trigger, slots));
        }
    }

    /** courierAsync: one put of the 64-byte payload to the next connection, yielding while it is full; one message accepted. */
    void put() {
        int c = acoids[turn++ % acoids.length];
        while (true) {
            try {
                am.put(c, payload, 0, null);
                return;
            } catch (io.courier.kernel.KernelException e) {
                if (e.errno() != io.courier.kernel.Errno.EAGAIN) {
                    throw e;
                }
                Thread.yield(); // the CPU goes to the connection's pump, as in the asyncmsg benchmarks
            }
        }
    }

    /** The far JVM. */
    Process child() {
        return child;
    }

    static int freePort() {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Ends the far JVM and closes everything here; the folders go. Once. */
    synchronized void close() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        if (Thread.currentThread() != atExit) {
            Runtime.getRuntime().removeShutdownHook(atExit);
        }
        try {
            closeAsync();
        } finally {
            closeRest();
        }
    }

    private void closeAsync() {
        if (acoids != null) {
            long put = 0;
            long got = 0;
            for (io.courier.asyncmsg.AsyncConnectionInfo c : io.courier.asyncmsg.AsyncMessaging.connections(mk)) {
                if (c.pid() == kernel.pid()) {
                    put += c.put();
                    got += c.got();
                }
            }
            System.err.println("courierAsync: " + put + " messages put, " + got + " got by the server (the rest in flight; "
                    + acoids.length + " connection(s) of " + slots + " slots)");
            for (int c : acoids) {
                try {
                    am.connectDetach(c);
                } catch (io.courier.kernel.KernelException e) {
                    // Gone already (a failed trial): the kernel's close ends the rest.
                }
            }
        }
    }

    private void closeRest() throws Exception {
        if (socket != null) {
            socket.close();
        }
        NetEcho.stop(child);
        if (node != null) {
            node.close();
        }
        if (net != null) {
            net.close();
        }
        if (mk != null) {
            mk.close();
        }
        if (aeron != null) {
            aeron.close();
        }
        if (driver != null) {
            driver.close();
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
