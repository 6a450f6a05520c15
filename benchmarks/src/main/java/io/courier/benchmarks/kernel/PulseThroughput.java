package io.courier.benchmarks.kernel;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.kernel.Pulse;
import io.courier.kernel.SigEvent;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.MpscArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SPEC K8, K17 speed: {@value #TOTAL} pulses per invocation from {@link #senders} sender threads
 * to one receiver thread that is already running, all platform or all virtual threads, started
 * per invocation ({@code lifetime=invocation}, the default) or at the trial's first invocation
 * and kept until its end ({@code lifetime=trial}), as a server and its clients are: between
 * invocations the receiver then waits in its receive and the senders wait for the next start.
 * The score is pulses per second received.
 *
 * <ul>
 *   <li>{@code pulse}: {@code msgSendPulse} to a receiver in {@code msgReceivePulse};
 *   <li>{@code pulseIntoBuffer}: the same, received by {@code msgReceive} into a 24-byte buffer
 *       (no object per pulse on either side: read {@code gc.alloc.rate.norm} with {@code -prof gc});
 *   <li>{@code event}: the server delivers a SIGEV_PULSE event to its client
 *       ({@code msgDeliverEvent(rcvid, event)}), received by {@code msgReceive} into a buffer;
 *   <li>the peers, handing over a long: {@code arrayBlockingQueue} ({@code put}/{@code take}, as a
 *       blocking hand-over) and {@code mpscArrayQueue} (JCTools, {@code offer}/{@code poll}, spinning
 *       then yielding when empty, as it has no blocking take).
 * </ul>
 *
 * Every queue holds {@value #CAPACITY} (Courier's channel pulse limit); a Courier sender that finds
 * it full parks a microsecond and tries again, a JCTools one yields, ArrayBlockingQueue's blocks.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class PulseThroughput {
    /** Pulses moved per invocation, shared among the senders. */
    static final int TOTAL = 200_000;
    static final int CAPACITY = 1 << 16;
    private static final Long ONE = 1L;

    /** The threads: "platform" or "virtual". */
    @Param({"platform", "virtual"})
    public String threads;

    /** Sender threads: 1 or 4. */
    @Param({"1", "4"})
    public int senders;

    /**
     * How long the threads live: "invocation" (started for each, as before) or "trial" (started
     * once, running throughout, as long-lived server and client threads do). New threads start on
     * their parent's core, so for the first milliseconds of an invocation the receiver and a
     * sender share a core; threads kept for the trial settle where the scheduler puts them.
     */
    @Param({"invocation"})
    public String lifetime;

    private Microkernel mk;
    private Kernel server;
    private Kernel client;
    private int chid;
    private int coid;
    private int clientChid;
    private long clientRcvid;
    private SigEvent event;
    private final CountDownLatch end = new CountDownLatch(1);
    private Thread clientThread;
    private ArrayBlockingQueue<Long> abq;
    private MpscArrayQueue<Long> mpsc;
    /** The threads of this trial, from its first invocation on. */
    private Crew crew;

    /** A server with a channel and a client connected to it; the client also has a channel for events. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        mk = Microkernel.boot();
        server = mk.process("server");
        client = mk.process("client");
        chid = server.channelCreate(0);
        coid = client.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        clientChid = client.channelCreate(0);
        int selfCoid = client.connectAttach(0, client.pid(), clientChid, Kernel.SIDE_CHANNEL, 0);
        event = SigEvent.pulse(selfCoid, 10, 1, 7);
        // One message, so that the server holds a rcvid of the client to deliver events to; the
        // client thread stays (a rcvid names a living thread) until the trial ends.
        clientThread = Thread.ofPlatform().daemon().start(() -> {
            client.msgSend(coid, ByteBuffer.allocate(8), null);
            try {
                end.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        clientRcvid = server.msgReceive(chid, ByteBuffer.allocate(8), null);
        server.msgReply(clientRcvid, 0, null);
        abq = new ArrayBlockingQueue<>(CAPACITY);
        mpsc = new MpscArrayQueue<>(CAPACITY);
    }

    /** Ends the threads, then the processes. */
    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        if (crew != null) {
            crew.stop();
        }
        end.countDown();
        clientThread.join(10_000);
        mk.close();
    }

    /** {@code msgSendPulse} → {@code msgReceivePulse}. */
    @Benchmark
    @OperationsPerInvocation(TOTAL)
    public long pulse() throws InterruptedException {
        return run(n -> {
            for (int i = 0; i < n; i++) {
                sendPulse(i);
            }
        }, () -> {
            long sum = 0;
            for (int i = 0; i < TOTAL; i++) {
                sum += server.msgReceivePulse(chid, null).value();
            }
            return sum;
        });
    }

    /** {@code msgSendPulse} → {@code msgReceive} into a buffer. */
    @Benchmark
    @OperationsPerInvocation(TOTAL)
    public long pulseIntoBuffer() throws InterruptedException {
        return run(n -> {
            for (int i = 0; i < n; i++) {
                sendPulse(i);
            }
        }, () -> receiveIntoBuffer(server, chid));
    }

    /** {@code msgDeliverEvent} of a SIGEV_PULSE event → {@code msgReceive} into a buffer. */
    @Benchmark
    @OperationsPerInvocation(TOTAL)
    public long event() throws InterruptedException {
        return run(n -> {
            for (int i = 0; i < n; i++) {
                for (;;) {
                    try {
                        server.msgDeliverEvent(clientRcvid, event);
                        break;
                    } catch (KernelException e) {
                        full(e);
                    }
                }
            }
        }, () -> receiveIntoBuffer(client, clientChid));
    }

    /** {@link ArrayBlockingQueue#put} → {@link ArrayBlockingQueue#take}. */
    @Benchmark
    @OperationsPerInvocation(TOTAL)
    public long arrayBlockingQueue() throws InterruptedException {
        return run(n -> {
            try {
                for (int i = 0; i < n; i++) {
                    abq.put(ONE);
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, () -> {
            long sum = 0;
            try {
                for (int i = 0; i < TOTAL; i++) {
                    sum += abq.take();
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return sum;
        });
    }

    /** JCTools {@link MpscArrayQueue#offer} → {@link MpscArrayQueue#poll}. */
    @Benchmark
    @OperationsPerInvocation(TOTAL)
    public long mpscArrayQueue() throws InterruptedException {
        return run(n -> {
            for (int i = 0; i < n; i++) {
                while (!mpsc.offer(ONE)) {
                    Thread.yield();
                }
            }
        }, () -> {
            long sum = 0;
            for (int i = 0; i < TOTAL; i++) {
                Long v;
                for (int k = 0; (v = mpsc.poll()) == null; k++) {
                    if (k < 200) {
                        Thread.onSpinWait();
                    } else if (Thread.currentThread().isInterrupted()) {
                        throw new IllegalStateException("the trial ended"); // no blocking take to interrupt
                    } else {
                        Thread.yield();
                    }
                }
                sum += v;
            }
            return sum;
        });
    }

    private void sendPulse(int i) {
        for (;;) {
            try {
                client.msgSendPulse(coid, 10, 1, i);
                return;
            } catch (KernelException e) {
                full(e);
            }
        }
    }

    private static void full(KernelException e) {
        if (e.errno() != Errno.EAGAIN) {
            throw e;
        }
        // Full: the receiver is behind. A short park rather than a yield: virtual senders
        // yielding to one another could keep a sender that holds the channel's lock waiting.
        LockSupport.parkNanos(1_000);
    }

    private static long receiveIntoBuffer(Kernel k, int chid) {
        ByteBuffer b = ByteBuffer.allocate(Pulse.SIZE);
        long sum = 0;
        for (int i = 0; i < TOTAL; i++) {
            b.clear();
            k.msgReceive(chid, b, null);
            sum += b.getLong(8);
        }
        return sum;
    }

    /** What one sender does: send {@code n}. */
    interface Sender {
        void send(int n);
    }

    /** What the receiver does: receive {@value #TOTAL}; returns a checksum. */
    interface Receiver {
        long receive();
    }

    /** One invocation, by threads of its own or by the trial's ({@link #lifetime}). */
    private long run(Sender s, Receiver r) throws InterruptedException {
        if (!"trial".equals(lifetime)) {
            return runFresh(s, r);
        }
        if (crew == null) {
            crew = new Crew(s, r);
        }
        return crew.invocation();
    }

    /** Starts the receiver, then the senders, each with its share; waits for all (threads of this invocation). */
    private long runFresh(Sender s, Receiver r) throws InterruptedException {
        long[] sum = new long[1];
        Thread.Builder b = "virtual".equals(threads) ? Thread.ofVirtual() : Thread.ofPlatform();
        Thread rt = b.start(() -> sum[0] = r.receive());
        Thread[] st = new Thread[senders];
        int share = TOTAL / senders;
        for (int i = 0; i < senders; i++) {
            st[i] = b.start(() -> s.send(share));
        }
        for (Thread t : st) {
            t.join();
        }
        // join's answer, not isAlive() after it: a thread that just ended can be terminated to
        // join a moment before isAlive() says so.
        if (!rt.join(Duration.ofSeconds(60))) {
            throw receiverLate(rt);
        }
        return sum[0];
    }

    /** The error for a receiver that did not get its items in 60 s, with where it is. */
    private IllegalStateException receiverLate(Thread rt) {
        StringBuilder where = new StringBuilder();
        for (StackTraceElement e : rt.getStackTrace()) {
            where.append("\n\tat ").append(e);
        }
        return new IllegalStateException("the receiver did not get its " + TOTAL + " items in 60 s after the "
                + senders + " senders ended; it is " + rt.getState() + where);
    }

    /**
     * The receiver and the senders of a trial. The receiver receives {@value #TOTAL} at a time,
     * round after round, and tells each round its checksum; the senders wait for a round's start,
     * then send their share.
     */
    private final class Crew {
        /** What the threads do now; {@link #stopRound} ends them. */
        private volatile Round current;
        private final Round stopRound = new Round();
        private final Semaphore go = new Semaphore(0);
        private final Thread receiver;
        private final Thread[] senderThreads;

        Crew(Sender s, Receiver r) {
            Thread.Builder b = "virtual".equals(threads) ? Thread.ofVirtual() : Thread.ofPlatform().daemon();
            // The receiver first, so that it is in its receive when the first round begins.
            receiver = b.start(() -> {
                try {
                    while (current != stopRound) {
                        long sum = r.receive();
                        // Read after the round's items: its senders were started after it was set.
                        Round rd = current;
                        rd.sum = sum;
                        rd.received.countDown();
                    }
                } catch (RuntimeException e) {
                    // The trial ended under a blocked receive (interrupted, or its kernel closed).
                    Round rd = current;
                    if (rd != stopRound && rd != null) {
                        rd.failure = e;
                        rd.received.countDown();
                    }
                }
            });
            int share = TOTAL / senders;
            senderThreads = new Thread[senders];
            for (int i = 0; i < senders; i++) {
                senderThreads[i] = b.start(() -> {
                    while (true) {
                        try {
                            go.acquire();
                        } catch (InterruptedException e) {
                            return;
                        }
                        Round rd = current;
                        if (rd == stopRound) {
                            return;
                        }
                        try {
                            s.send(share);
                        } catch (RuntimeException e) {
                            rd.failure = e;
                        }
                        rd.sent.countDown();
                    }
                });
            }
        }

        /** Starts a round and waits until its senders are done and the receiver has all. */
        long invocation() throws InterruptedException {
            Round rd = new Round();
            current = rd;
            go.release(senders);
            if (!rd.sent.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the " + senders + " senders did not send " + TOTAL + " in 60 s");
            }
            if (rd.failure != null) {
                // A sender failed: its items will not all come.
                throw new IllegalStateException("the round failed", rd.failure);
            }
            // await's answer, not a look at the count after it: a timeout is an error.
            if (!rd.received.await(60, TimeUnit.SECONDS)) {
                throw receiverLate(receiver);
            }
            if (rd.failure != null) {
                throw new IllegalStateException("the round failed", rd.failure);
            }
            return rd.sum;
        }

        /** Ends the senders, then the receiver (blocked in its receive: interrupted). */
        void stop() throws InterruptedException {
            current = stopRound;
            go.release(senders);
            for (Thread t : senderThreads) {
                if (!t.join(Duration.ofSeconds(10))) {
                    throw new IllegalStateException("a sender did not end");
                }
            }
            receiver.interrupt();
            if (!receiver.join(Duration.ofSeconds(10))) {
                throw new IllegalStateException("the receiver did not end");
            }
        }
    }

    /** One invocation's outcome. */
    private final class Round {
        final CountDownLatch sent = new CountDownLatch(senders);
        final CountDownLatch received = new CountDownLatch(1);
        volatile long sum;
        volatile RuntimeException failure;
    }
}
