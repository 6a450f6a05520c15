package io.courier.benchmarks.kernel;

import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * SPEC B4: what a client blocked in the kernel costs. Each invocation blocks {@code clients}
 * virtual threads at once and reads the heap they hold (after full collections) as the
 * {@code bytesPerClient} counter: Courier's clients REPLY-blocked on one server (received,
 * not yet replied), beside the same number of bare virtual threads parked with
 * {@link LockSupport#park()}. The difference is what the kernel adds to a blocked thread. The
 * time of an invocation (blocking them all, then answering them all) is reported too. Four
 * warm-up invocations: until the kernel's calls are compiled, a blocked client's stack holds
 * interpreted frames, half again as large.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class BlockedClients {

    /** How many clients block at once. */
    @State(Scope.Benchmark)
    public static class Size {
        @Param({"100000"})
        public int clients;
    }

    /** The heap each blocked client held, in bytes. */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Footprint {
        public double bytesPerClient;

        @Setup(Level.Iteration)
        public void clear() {
            bytesPerClient = 0;
        }
    }

    /** Courier: {@code clients} virtual threads REPLY-blocked on one server, then all answered. */
    @Benchmark
    public long courier(Size size, Footprint footprint) throws InterruptedException {
        int n = size.clients;
        try (Microkernel mk = Microkernel.boot()) {
            Kernel server = mk.process("server");
            Kernel client = mk.process("client");
            int chid = server.channelCreate(0);
            int coid = client.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, 0);
            ByteBuffer in = ByteBuffer.allocate(8);
            // One message for every client: a send leaves its source buffer's position alone.
            ByteBuffer msg = ByteBuffer.allocate(8);
            Thread[] threads = new Thread[n];
            long[] rcvids = new long[n];
            long before = usedHeap();
            for (int i = 0; i < n; i++) {
                threads[i] = Thread.ofVirtual().start(() -> client.msgSend(coid, msg, null));
            }
            for (int i = 0; i < n; i++) {
                in.clear();
                rcvids[i] = server.msgReceive(chid, in, null);
            }
            footprint.bytesPerClient = (double) (usedHeap() - before) / n;
            for (long rcvid : rcvids) {
                server.msgReply(rcvid, 0, null);
            }
            for (Thread t : threads) {
                t.join();
            }
            return rcvids[n - 1];
        }
    }

    /** The peer: {@code clients} bare virtual threads parked at once, then all unparked. */
    @Benchmark
    public long bareParkedThread(Size size, Footprint footprint) throws InterruptedException {
        int n = size.clients;
        Thread[] threads = new Thread[n];
        // As many longs as Courier's rcvids, so that both hold the same arrays.
        long[] tokens = new long[n];
        AtomicInteger parked = new AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
        long before = usedHeap();
        for (int i = 0; i < n; i++) {
            threads[i] = Thread.ofVirtual().start(() -> {
                parked.incrementAndGet();
                while (!released.get()) {
                    LockSupport.park();
                }
            });
        }
        for (int i = 0; i < n; i++) {
            tokens[i] = i;
        }
        while (parked.get() < n) {
            Thread.sleep(1);
        }
        footprint.bytesPerClient = (double) (usedHeap() - before) / n;
        released.set(true);
        for (Thread t : threads) {
            LockSupport.unpark(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        return tokens[n - 1];
    }

    /** The heap in use after full collections. */
    static long usedHeap() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(20);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
