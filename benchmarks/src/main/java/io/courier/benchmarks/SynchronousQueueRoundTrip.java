package io.courier.benchmarks;

import java.nio.ByteBuffer;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The plain-Java peer of a kernel send/receive/reply round trip: the client hands a message to a
 * server thread through one {@link SynchronousQueue}, the server copies it into its receive
 * buffer and answers through another, and the client copies the reply into its reply buffer.
 * Two hand-offs and two copies of {@code size} bytes per operation, as {@code MsgSend} /
 * {@code MsgReceive} / {@code MsgReply} do.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SynchronousQueueRoundTrip {
    /** The message and reply size in bytes. */
    @Param("64")
    public int size;

    private final SynchronousQueue<ByteBuffer> requests = new SynchronousQueue<>();
    private final SynchronousQueue<ByteBuffer> replies = new SynchronousQueue<>();
    private ByteBuffer send;
    private ByteBuffer reply;
    private Thread server;

    @Setup(Level.Trial)
    public void startServer() {
        send = ByteBuffer.allocateDirect(size);
        reply = ByteBuffer.allocateDirect(size);
        ByteBuffer serverReceive = ByteBuffer.allocateDirect(size);
        ByteBuffer serverReply = ByteBuffer.allocateDirect(size);
        server = Thread.ofPlatform().daemon().name("server").start(() -> {
            try {
                while (true) {
                    ByteBuffer message = requests.take();
                    serverReceive.clear();
                    serverReceive.put(message.duplicate());
                    serverReply.clear();
                    serverReply.put(serverReceive.flip());
                    replies.put(serverReply.flip());
                }
            } catch (InterruptedException e) {
                // the trial is over
            }
        });
    }

    @TearDown(Level.Trial)
    public void stopServer() throws InterruptedException {
        server.interrupt();
        server.join();
    }

    /** One round trip: send, the server receives and replies, the reply is copied back. */
    @Benchmark
    public ByteBuffer roundTrip() throws InterruptedException {
        requests.put(send);
        ByteBuffer answer = replies.take();
        reply.clear();
        reply.put(answer);
        return reply;
    }
}
