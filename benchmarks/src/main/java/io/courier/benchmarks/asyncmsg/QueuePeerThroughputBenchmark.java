package io.courier.benchmarks.asyncmsg;

import java.nio.ByteBuffer;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jctools.queues.SpscArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
 * The peers of {@link AsyncMsgThroughputBenchmark}: one producer offers a 64-byte buffer to a
 * queue of 4096, an {@link ArrayBlockingQueue} or a JCTools {@link SpscArrayQueue} (a
 * benchmark-only dependency), and one consumer polls and copies the 64 bytes into its own
 * buffer. Read {@code received}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Group)
public class QueuePeerThroughputBenchmark {
    /** The peer: "ArrayBlockingQueue" or "SpscArrayQueue". */
    @Param({"ArrayBlockingQueue", "SpscArrayQueue"})
    public String peer;

    private Queue<ByteBuffer> queue;
    private ByteBuffer msg;
    private ByteBuffer into;

    /** The queue and the buffers. */
    @Setup(Level.Trial)
    public void setUp() {
        queue = switch (peer) {
            case "ArrayBlockingQueue" -> new ArrayBlockingQueue<>(4096);
            case "SpscArrayQueue" -> new SpscArrayQueue<>(4096);
            default -> throw new IllegalArgumentException("no peer " + peer);
        };
        msg = ByteBuffer.allocate(AsyncMsgThroughputBenchmark.SIZE);
        into = ByteBuffer.allocate(AsyncMsgThroughputBenchmark.SIZE);
    }

    /** The producer: one offer. */
    @Benchmark
    @Group("peer")
    @GroupThreads(1)
    public void offer(Moved moved) {
        if (!queue.offer(msg)) {
            moved.refused++;
            Thread.yield();
        }
    }

    /** The consumer: one poll and the copy. */
    @Benchmark
    @Group("peer")
    @GroupThreads(1)
    public void poll(Moved moved) {
        ByteBuffer m = queue.poll();
        if (m == null) {
            moved.empty++;
            Thread.yield();
            return;
        }
        into.put(0, m, m.position(), m.remaining());
        moved.received++;
    }
}
