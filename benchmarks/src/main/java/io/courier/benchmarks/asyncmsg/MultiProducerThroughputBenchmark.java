package io.courier.benchmarks.asyncmsg;

import io.courier.asyncmsg.AsyncConnectionAttr;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.asyncmsg.AsyncMsgHeader;
import io.courier.kernel.ChannelFlags;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.jctools.queues.MpscArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
 * SPEC A3 speed with several producers: 64-byte messages put by 1 or 4 threads on one ordinary
 * (any-thread) asynchronous connection (count trigger 64), one consumer getting and freeing
 * them; beside the same with a JCTools {@link MpscArrayQueue} of 4096 (offer a buffer, poll and
 * copy its 64 bytes). Groups {@code asyncmsg1}, {@code asyncmsg4}, {@code mpsc1}, {@code mpsc4}
 * (the digit is the producers); read {@code received}, messages per second that reached the
 * consumer. A producer yields on a full queue, the consumer on an empty one, as in
 * {@link AsyncMsgThroughputBenchmark}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Group)
public class MultiProducerThroughputBenchmark {
    private static final int SIZE = AsyncMsgThroughputBenchmark.SIZE;

    private Microkernel mk;
    private AsyncMessaging producer;
    private AsyncMessaging consumer;
    private int coid;
    private int chid;
    private ByteBuffer msg;
    private ByteBuffer into;
    private MpscArrayQueue<ByteBuffer> mpsc;

    /** One system, a receiving process and a sending one with an ordinary connection; the peer's queue. */
    @Setup(Level.Trial)
    public void setUp() {
        mk = Microkernel.boot();
        consumer = AsyncMessaging.of(mk.process("consumer"));
        producer = AsyncMessaging.of(mk.process("producer"));
        chid = consumer.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, SIZE, 1024, null, null);
        coid = producer.connectAttach(0, consumer.kernel().pid(), chid, 0, 0,
                AsyncConnectionAttr.builder().bufferSize(SIZE).maxNumBuffer(4096).triggerNumMsg(64)
                        .singleSender(false).build());
        msg = ByteBuffer.allocate(SIZE);
        into = ByteBuffer.allocate(SIZE);
        mpsc = new MpscArrayQueue<>(4096);
    }

    /** Ends the processes. */
    @TearDown(Level.Trial)
    public void tearDown() {
        mk.close();
    }

    /** One producer: one put. */
    @Benchmark
    @Group("asyncmsg1")
    @GroupThreads(1)
    public void put1(Moved moved) {
        put(moved);
    }

    /** The consumer of one producer. */
    @Benchmark
    @Group("asyncmsg1")
    @GroupThreads(1)
    public void get1(Moved moved) {
        get(moved);
    }

    /** Four producers: one put each. */
    @Benchmark
    @Group("asyncmsg4")
    @GroupThreads(4)
    public void put4(Moved moved) {
        put(moved);
    }

    /** The consumer of four producers. */
    @Benchmark
    @Group("asyncmsg4")
    @GroupThreads(1)
    public void get4(Moved moved) {
        get(moved);
    }

    /** One producer: one offer. */
    @Benchmark
    @Group("mpsc1")
    @GroupThreads(1)
    public void offer1(Moved moved) {
        offer(moved);
    }

    /** The consumer of one producer. */
    @Benchmark
    @Group("mpsc1")
    @GroupThreads(1)
    public void poll1(Moved moved) {
        poll(moved);
    }

    /** Four producers: one offer each. */
    @Benchmark
    @Group("mpsc4")
    @GroupThreads(4)
    public void offer4(Moved moved) {
        offer(moved);
    }

    /** The consumer of four producers. */
    @Benchmark
    @Group("mpsc4")
    @GroupThreads(1)
    public void poll4(Moved moved) {
        poll(moved);
    }

    private void put(Moved moved) {
        try {
            producer.put(coid, msg, 0, null);
        } catch (KernelException full) {
            moved.refused++;
            Thread.yield();
        }
    }

    private void get(Moved moved) {
        AsyncMsgHeader h = consumer.get(chid);
        if (h == null) {
            moved.empty++;
            Thread.yield();
            return;
        }
        long n = 0;
        while (h != null) {
            AsyncMsgHeader next = h.next();
            consumer.free(h);
            h = next;
            n++;
        }
        moved.received += n;
    }

    private void offer(Moved moved) {
        if (!mpsc.offer(msg)) {
            moved.refused++;
            Thread.yield();
        }
    }

    private void poll(Moved moved) {
        ByteBuffer m = mpsc.poll();
        if (m == null) {
            moved.empty++;
            Thread.yield();
            return;
        }
        into.put(0, m, m.position(), m.remaining());
        moved.received++;
    }
}
