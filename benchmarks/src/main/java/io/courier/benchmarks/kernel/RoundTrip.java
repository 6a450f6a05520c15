package io.courier.benchmarks.kernel;

import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Exchanger;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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
 * A round trip of a 64-byte message and a 64-byte reply between a client and a server thread:
 * Courier's {@code msgSend}/{@code msgReceive}/{@code msgReply} beside a {@link SynchronousQueue}
 * and an {@link Exchanger} ping-pong doing the same two copies (request into the server's
 * buffer, reply into the client's), and the bare hand-off ({@link Handoff}) that shows the floor. The platform benchmarks run the client on the JMH thread;
 * the virtual ones run {@value #BATCH} round trips between two virtual threads per invocation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class RoundTrip {
    /** Round trips per invocation of the virtual-thread benchmarks. */
    static final int BATCH = 1000;
    static final int SIZE = 64;
    static final int STOP = 1;

    /** A Courier server thread answering every message with 64 bytes. */
    @State(Scope.Benchmark)
    public static class Courier {
        /** Clients REPLY-blocked on the server the whole time (delayed replies it never gives; SPEC B4). */
        @Param({"0", "1000", "100000"})
        public int idleClients;
        /** Send-cycle detection (SPEC K19) on or off. */
        @Param({"true", "false"})
        public boolean deadlockDetection;
        /** The threads: "platform" or "virtual". */
        @Param({"platform", "virtual"})
        public String threads;
        /**
         * Flight Recorder events: "off" (in the code, no recording), "disabled" (the code not
         * reached: {@code -Dcourier.trace.disable=true}) or "recording" (a recording of every
         * Courier event runs).
         */
        @Param({"off"})
        public String tracing;

        Microkernel mk;
        jdk.jfr.Recording recording;
        Kernel server;
        Kernel client;
        int chid;
        int coid;
        Thread serverThread;
        final ByteBuffer send = ByteBuffer.allocateDirect(SIZE);
        final ByteBuffer reply = ByteBuffer.allocateDirect(SIZE);
        final List<Thread> idle = new ArrayList<>();

        @Setup(Level.Trial)
        public void start() throws InterruptedException {
            System.setProperty("courier.deadlock.detect", Boolean.toString(deadlockDetection));
            System.setProperty("courier.trace.disable", Boolean.toString("disabled".equals(tracing)));
            if ("recording".equals(tracing)) {
                recording = new jdk.jfr.Recording();
                for (String e : new String[] {"io.courier.MsgSend", "io.courier.MsgReceive", "io.courier.MsgReply"}) {
                    recording.enable(e).withThreshold(java.time.Duration.ZERO);
                }
                recording.setToDisk(false);
                recording.setMaxSize(64L << 20);
                recording.start();
            }
            mk = Microkernel.boot();
            server = mk.process("server");
            client = mk.process("client");
            chid = server.channelCreate(0);
            coid = client.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, 0);
            int idleChid = server.channelCreate(0);
            // One connection for all of them, as the threads of one process share a coid.
            int idleCoid = client.connectAttach(0, server.pid(), idleChid, Kernel.SIDE_CHANNEL, 0);
            for (int i = 0; i < idleClients; i++) {
                idle.add(Thread.ofVirtual().start(() -> {
                    try {
                        client.msgSend(idleCoid, ByteBuffer.allocate(8), null);
                    } catch (RuntimeException e) {
                        // released at tear-down
                    }
                }));
            }
            ByteBuffer scratch = ByteBuffer.allocate(8);
            for (int i = 0; i < idleClients; i++) {
                scratch.clear();
                server.msgReceive(idleChid, scratch, null); // received, never replied: REPLY-blocked
            }
            Runnable loop = () -> {
                ByteBuffer in = ByteBuffer.allocateDirect(Math.max(SIZE, io.courier.kernel.Pulse.SIZE));
                ByteBuffer out = ByteBuffer.allocateDirect(SIZE);
                for (;;) {
                    in.clear();
                    long rcvid = server.msgReceive(chid, in, null);
                    if (rcvid == 0) {
                        return;
                    }
                    server.msgReply(rcvid, 0, out);
                }
            };
            serverThread = startServer(threads, loop);
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            client.msgSendPulse(coid, 10, STOP, 0);
            serverThread.join(10_000);
            mk.close();
            if (recording != null) {
                recording.close();
            }
            for (Thread t : idle) {
                t.join(10_000);
            }
        }

        int roundTrip() {
            reply.clear();
            return client.msgSend(coid, send, reply);
        }
    }

    /** Courier round trip; for "virtual", a virtual client runs a batch against the virtual server. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int courier(Courier s) throws InterruptedException {
        if ("virtual".equals(s.threads)) {
            int[] sum = new int[1];
            Thread c = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < BATCH; i++) {
                    sum[0] += s.roundTrip();
                }
            });
            c.join();
            return sum[0];
        }
        int sum = 0;
        for (int i = 0; i < BATCH; i++) {
            sum += s.roundTrip();
        }
        return sum;
    }

    /** Two {@link SynchronousQueue}s: request one way, reply the other. */
    @State(Scope.Benchmark)
    public static class Queues {
        /** The threads: "platform" or "virtual". */
        @Param({"platform", "virtual"})
        public String threads;

        final SynchronousQueue<ByteBuffer> requests = new SynchronousQueue<>();
        final SynchronousQueue<ByteBuffer> replies = new SynchronousQueue<>();
        final ByteBuffer send = ByteBuffer.allocateDirect(SIZE);
        final ByteBuffer reply = ByteBuffer.allocateDirect(SIZE);
        Thread serverThread;

        @Setup(Level.Trial)
        public void start() {
            Runnable loop = () -> {
                ByteBuffer in = ByteBuffer.allocateDirect(SIZE);
                ByteBuffer out = ByteBuffer.allocateDirect(SIZE);
                try {
                    for (;;) {
                        ByteBuffer m = requests.take();
                        in.clear();
                        in.put(m.duplicate()); // copy 1: into the server's buffer
                        replies.put(out.duplicate());
                    }
                } catch (InterruptedException e) {
                    // the trial is over
                }
            };
            serverThread = startServer(threads, loop);
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            stopServer(serverThread);
        }

        int roundTrip() throws InterruptedException {
            requests.put(send);
            ByteBuffer r = replies.take();
            reply.clear();
            reply.put(r); // copy 2: into the client's buffer
            return reply.position();
        }
    }

    /** The {@link SynchronousQueue} peer. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int synchronousQueue(Queues s) throws InterruptedException {
        return batch(s.threads, s::roundTrip);
    }

    /** Two threads swapping buffers through one {@link Exchanger}. */
    @State(Scope.Benchmark)
    public static class Exchange {
        /** The threads: "platform" or "virtual". */
        @Param({"platform", "virtual"})
        public String threads;

        final Exchanger<ByteBuffer> exchanger = new Exchanger<>();
        final ByteBuffer send = ByteBuffer.allocateDirect(SIZE);
        final ByteBuffer reply = ByteBuffer.allocateDirect(SIZE);
        Thread serverThread;

        @Setup(Level.Trial)
        public void start() {
            Runnable loop = () -> {
                ByteBuffer in = ByteBuffer.allocateDirect(SIZE);
                ByteBuffer out = ByteBuffer.allocateDirect(SIZE);
                try {
                    ByteBuffer m = exchanger.exchange(null);
                    for (;;) {
                        in.clear();
                        in.put(m.duplicate()); // copy 1
                        m = exchanger.exchange(out.duplicate());
                    }
                } catch (InterruptedException e) {
                    // the trial is over
                }
            };
            serverThread = startServer(threads, loop);
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            stopServer(serverThread);
        }

        int roundTrip() throws InterruptedException {
            // One exchange hands the request over and, the server being one step behind, takes
            // the reply to the previous request: a request/reply pair per exchange.
            ByteBuffer r = exchanger.exchange(send);
            if (r != null) {
                reply.clear();
                reply.put(r); // copy 2
            }
            return reply.position();
        }
    }

    /** The {@link Exchanger} peer. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int exchanger(Exchange s) throws InterruptedException {
        return batch(s.threads, s::roundTrip);
    }

    /**
     * The floor of a round trip between two threads: a buffer reference handed over through one
     * volatile field each way, the waiting side waiting with Courier's own {@link IdleStrategy}
     * (spin, yield, then park), the same two copies. No queue, no ids, no checks:
     * what is left of a round trip when nothing but the hand-off and the copies remain, so that
     * the other figures of a run can be read against what this machine allows at that moment.
     */
    @State(Scope.Benchmark)
    public static class Handoff {
        /** The threads: "platform" or "virtual". */
        @Param({"platform", "virtual"})
        public String threads;

        final ByteBuffer send = ByteBuffer.allocateDirect(SIZE);
        final ByteBuffer reply = ByteBuffer.allocateDirect(SIZE);
        volatile ByteBuffer request;
        volatile ByteBuffer response;
        volatile Thread client;
        volatile boolean stop;
        Thread serverThread;

        /** Courier's own default wait, so that the floor waits exactly as the kernel's calls do. */
        static void idle(int round) {
            IdleStrategy.BACKOFF.idle(round, Long.MAX_VALUE);
        }

        @Setup(Level.Trial)
        public void start() {
            Runnable loop = () -> {
                ByteBuffer in = ByteBuffer.allocateDirect(SIZE);
                ByteBuffer out = ByteBuffer.allocateDirect(SIZE);
                for (;;) {
                    ByteBuffer m;
                    for (int r = 0; (m = request) == null; r++) {
                        if (stop) {
                            return;
                        }
                        idle(r);
                    }
                    request = null;
                    in.clear();
                    in.put(m.duplicate()); // copy 1
                    response = out.duplicate();
                    LockSupport.unpark(client);
                }
            };
            serverThread = startServer(threads, loop);
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            stop = true;
            LockSupport.unpark(serverThread);
            serverThread.join(10_000);
        }

        int roundTrip() {
            client = Thread.currentThread();
            request = send;
            LockSupport.unpark(serverThread);
            ByteBuffer r;
            for (int k = 0; (r = response) == null; k++) {
                idle(k);
            }
            response = null;
            reply.clear();
            reply.put(r); // copy 2
            return reply.position();
        }
    }

    /** The bare hand-off: the floor of this machine at the time of the run. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int handoff(Handoff s) throws InterruptedException {
        return batch(s.threads, s::roundTrip);
    }

    /** Starts a peer's or Courier's server loop on a "platform" or "virtual" thread. */
    static Thread startServer(String threads, Runnable loop) {
        return "virtual".equals(threads) ? Thread.ofVirtual().start(loop)
                : Thread.ofPlatform().daemon().name("server").start(loop);
    }

    /** Stops a peer's server loop, which ends on interruption. */
    static void stopServer(Thread server) throws InterruptedException {
        server.interrupt();
        server.join(10_000);
    }

    /** A blocking round trip. */
    interface Trip {
        int run() throws InterruptedException;
    }

    static int batch(String threads, Trip trip) throws InterruptedException {
        if ("virtual".equals(threads)) {
            int[] sum = new int[1];
            Thread c = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < BATCH; i++) {
                        sum[0] += trip.run();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            c.join();
            return sum[0];
        }
        int sum = 0;
        for (int i = 0; i < BATCH; i++) {
            sum += trip.run();
        }
        return sum;
    }
}
