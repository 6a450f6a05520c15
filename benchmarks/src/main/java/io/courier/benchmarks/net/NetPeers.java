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
 * pair with a media driver of its own ("aeronUdp"), a TCP socket ("tcp"), or a Courier kernel
 * whose client sends to the echo JVM's kernel server by its global name ("courierKernel").
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
    final ByteBuffer request = ByteBuffer.allocate(NetEcho.SIZE);
    final ByteBuffer reply = ByteBuffer.allocate(NetEcho.SIZE);
    private io.aeron.driver.MediaDriver driver;
    private io.aeron.Aeron aeron;
    io.aeron.ExclusivePublication pub;
    io.aeron.Subscription sub;
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
        this.path = path;
        root = Files.createTempDirectory(Path.of("/dev/shm"), "courier-bench-net-");
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
            case "courierKernel" -> {
                child = NetEcho.startChild("kernel", Integer.toString(theirs), Integer.toString(mine));
                Echo.awaitReady(child);
                mk = new io.courier.kernel.internal.MicrokernelImpl();
                net = io.courier.net.NetNetwork.start(NetConfig.of("bench", mine,
                        List.of(new NetConfig.Peer("echo", "127.0.0.1", theirs)), NetEcho.KEY));
                mk.joinNetwork(net);
                kernel = mk.process("bench");
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (coid < 0) {
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

    void close() throws Exception {
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
