package io.courier.benchmarks.asyncmsg;

import io.courier.asyncmsg.AsyncConnectionAttr;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.asyncmsg.AsyncMsgHeader;
import io.courier.kernel.ChannelFlags;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SPEC A3–A5 speed: one producer puts 64-byte messages on an asynchronous connection (count
 * trigger {@link #trigger}, single-sender or not), one consumer gets the batches on a non-blocking channel and frees
 * each header. The bytes move once, from the producer's buffer into the channel's receive
 * buffer, as in the peers ({@link QueuePeerThroughputBenchmark}), whose consumer copies the 64
 * bytes out of what it polled. Read {@code received}: messages per second that reached the consumer.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Group)
public class AsyncMsgThroughputBenchmark {
    /** Message size in bytes. */
    public static final int SIZE = 64;

    /** Messages that make a batch (the connection's {@code triggerNumMsg}). */
    @Param({"64"})
    public int trigger;

    /**
     * Whether the connection is {@linkplain AsyncConnectionAttr#singleSender() single-sender}
     * (puts without a lock, as the single-producer JCTools peer) or takes puts from any thread.
     */
    @Param({"true", "false"})
    public boolean singleSender;

    private Microkernel mk;
    private AsyncMessaging producer;
    private AsyncMessaging consumer;
    private int coid;
    private int chid;
    private ByteBuffer msg;

    /** One system, a receiving process and a sending one. */
    @Setup(Level.Trial)
    public void setUp() {
        mk = Microkernel.boot();
        consumer = AsyncMessaging.of(mk.process("consumer"));
        producer = AsyncMessaging.of(mk.process("producer"));
        chid = consumer.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, SIZE, 1024, null, null);
        coid = producer.connectAttach(0, consumer.kernel().pid(), chid, 0, 0,
                AsyncConnectionAttr.builder().bufferSize(SIZE).maxNumBuffer(4096).triggerNumMsg(trigger)
                        .singleSender(singleSender).build());
        msg = ByteBuffer.allocate(SIZE);
        for (int i = 0; i < SIZE; i++) {
            msg.put(i, (byte) i);
        }
    }

    /** Ends the processes. */
    @TearDown(Level.Trial)
    public void tearDown() {
        mk.close();
    }

    /** The producer: one put; a full ring is counted, not waited for. */
    @Benchmark
    @Group("asyncmsg")
    @GroupThreads(1)
    public void put(Moved moved) {
        try {
            producer.put(coid, msg, 0, null);
        } catch (KernelException full) {
            moved.refused++;
            Thread.yield();
        }
    }

    /** The consumer: one get of whatever was delivered, each header freed. */
    @Benchmark
    @Group("asyncmsg")
    @GroupThreads(1)
    public void get(Moved moved) {
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
}
