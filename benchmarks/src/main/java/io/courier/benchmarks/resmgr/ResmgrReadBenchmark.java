package io.courier.benchmarks.resmgr;

import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.resmgr.Dcmd;
import io.courier.resmgr.IoAttr;
import io.courier.resmgr.IoFunc;
import io.courier.resmgr.IoReadLayout;
import io.courier.resmgr.Ocb;
import io.courier.resmgr.OpenFlags;
import io.courier.resmgr.Resmgr;
import io.courier.resmgr.ResmgrContext;
import io.courier.resmgr.ResmgrHandler;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SPEC R2 speed: {@code read()} of 64 bytes through a resource manager (an {@code _IO_READ}
 * header out, 64 bytes of reply straight into the caller's buffer, the manager's OCB lookup,
 * read check, entry lock and handler on the way) against the bare round trip it is built on:
 * {@code msgSend} of the same 16-byte header to a plain {@code msgReceive}/{@code msgReply} loop
 * answering the same 64 bytes. Goal: {@code read64} at most 1.3 times {@code bareMsgSend64}.
 * {@code devctl} is there for the anchor: QNX 7.1's devctl round trip takes 3.8 µs on a
 * Raspberry Pi 4.
 *
 * <p>Run: {@code java -jar benchmarks.jar ResmgrReadBenchmark -f 1 -wi 2 -i 3}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ResmgrReadBenchmark {
    private static final int PAYLOAD = 64;
    private static final int DCMD_GET = Dcmd.from(Dcmd.DCMD_MISC, 1, 4);

    private Microkernel mk;
    private Kernel client;
    private Resmgr rm;
    private int fd;
    private int coid;
    private Thread bareServer;
    private final ByteBuffer request = ByteBuffer.allocate(IoReadLayout.SIZE);
    private final ByteBuffer reply = ByteBuffer.allocate(PAYLOAD);
    private final ByteBuffer devReply = ByteBuffer.allocate(4);

    /** A device answering every read with the same 64 bytes, and one devctl. */
    static final class Device implements ResmgrHandler {
        private final ByteBuffer data = ByteBuffer.allocate(PAYLOAD).asReadOnlyBuffer();

        @Override
        public ByteBuffer read(ResmgrContext ctx, Ocb ocb, int nbytes) {
            // Replying never moves the source's position: one buffer serves every read.
            return data;
        }

        @Override
        public int devctl(ResmgrContext ctx, Ocb ocb, int dcmd, ByteBuffer in, ByteBuffer out) {
            if (dcmd == DCMD_GET) {
                IoFunc.putInt(out, 42);
                return 0;
            }
            return IoFunc.devctlDefault(ocb, dcmd, in, out);
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        mk = Microkernel.boot();
        Kernel server = mk.process("bare-server");
        int chid = server.channelCreate(0);
        bareServer = Thread.ofPlatform().daemon().name("bare-server").start(() -> serve(server, chid));
        Resmgr manager = Resmgr.of(mk.process("manager"));
        manager.resmgrAttach("/dev/bench", 0, new IoAttr(io.courier.resmgr.Mode.S_IFCHR | 0666, 0, 0), new Device());
        client = mk.process("client");
        rm = Resmgr.of(client);
        fd = rm.open("/dev/bench", OpenFlags.O_RDONLY);
        coid = client.connectAttach(Kernel.ND_LOCAL_NODE, server.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        IoReadLayout.put(request, 0, PAYLOAD);
    }

    /** The bare server: receive, reply 64 bytes, nothing else. */
    private static void serve(Kernel server, int chid) {
        ByteBuffer in = ByteBuffer.allocate(256);
        ByteBuffer out = ByteBuffer.allocate(PAYLOAD);
        try {
            for (;;) {
                in.clear();
                long rcvid = server.msgReceive(chid, in, null);
                if (rcvid > 0) {
                    server.msgReply(rcvid, PAYLOAD, out);
                }
            }
        } catch (KernelException e) {
            // the kernel closed: done
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        rm.close(fd);
        mk.close();
        bareServer.join(5_000);
    }

    /** The peer: the bare Send/Receive/Reply round trip with the same sizes. */
    @Benchmark
    public int bareMsgSend64() {
        reply.clear();
        return client.msgSend(coid, request, reply);
    }

    /** {@code read()} of 64 bytes through the manager. */
    @Benchmark
    public int read64() {
        reply.clear();
        return rm.read(fd, reply);
    }

    /** {@code devctl()} getting an int, for the QNX anchor. */
    @Benchmark
    public int devctl() {
        devReply.clear();
        return rm.devctl(fd, DCMD_GET, null, devReply);
    }
}
