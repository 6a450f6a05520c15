package io.courier.benchmarks.asyncmsg;

import io.courier.asyncmsg.AsyncConnectionAttr;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.asyncmsg.AsyncMsgHeader;
import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Microkernel;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jctools.queues.SpscArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of moving a batch of {@link #BATCH} 64-byte messages from one producer to the
 * consumer, both sides run by one thread: the batch is sent, then received (and the bytes
 * copied into the consumer's buffers). The score is messages per second of one core. Unlike the
 * two-thread benchmarks, it does not depend on how the machine schedules two spinning threads,
 * so it stays comparable on a small or busy machine; it leaves out the cost of cache lines moving
 * between cores.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class BatchedCostBenchmark {
    /** Messages per batch: the connection's count trigger, and the batch the peers move. */
    public static final int BATCH = 64;
    private static final int SIZE = AsyncMsgThroughputBenchmark.SIZE;

    private Microkernel mk;
    private AsyncMessaging producer;
    private AsyncMessaging consumer;
    private int coid;
    private int chid;
    private ByteBuffer msg;
    private ByteBuffer into;
    private ArrayBlockingQueue<ByteBuffer> abq;
    private SpscArrayQueue<ByteBuffer> spsc;

    /** One system with a sending and a receiving process; the peers' queues. */
    @Setup(Level.Trial)
    public void setUp() {
        mk = Microkernel.boot();
        consumer = AsyncMessaging.of(mk.process("consumer"));
        producer = AsyncMessaging.of(mk.process("producer"));
        chid = consumer.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, SIZE, 1024, null, null);
        coid = producer.connectAttach(0, consumer.kernel().pid(), chid, 0, 0,
                AsyncConnectionAttr.of(SIZE, 4096, BATCH));
        msg = ByteBuffer.allocate(SIZE);
        into = ByteBuffer.allocate(SIZE);
        abq = new ArrayBlockingQueue<>(4096);
        spsc = new SpscArrayQueue<>(4096);
    }

    /** Ends the processes. */
    @TearDown(Level.Trial)
    public void tearDown() {
        mk.close();
    }

    /** 64 puts (the last one triggers delivery), one get, 64 frees. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int asyncmsg() {
        for (int i = 0; i < BATCH; i++) {
            producer.put(coid, msg, i, null);
        }
        int n = 0;
        for (AsyncMsgHeader h = consumer.get(chid); h != null;) {
            AsyncMsgHeader next = h.next();
            consumer.free(h);
            h = next;
            n++;
        }
        return n;
    }

    /** 64 offers, 64 polls, each polled message copied. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int arrayBlockingQueue() {
        for (int i = 0; i < BATCH; i++) {
            abq.offer(msg);
        }
        int n = 0;
        for (ByteBuffer m; (m = abq.poll()) != null; n++) {
            into.put(0, m, m.position(), m.remaining());
        }
        return n;
    }

    /** 64 offers, 64 polls, each polled message copied. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int spscArrayQueue() {
        for (int i = 0; i < BATCH; i++) {
            spsc.offer(msg);
        }
        int n = 0;
        for (ByteBuffer m; (m = spsc.poll()) != null; n++) {
            into.put(0, m, m.position(), m.remaining());
        }
        return n;
    }
}
