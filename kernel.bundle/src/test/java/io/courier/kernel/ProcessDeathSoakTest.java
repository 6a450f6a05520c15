package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.courier.testing.Waits;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SPEC K15 under traffic, as a hot swap makes it: server processes attach a name, serve for
 * 0.3 to 1.5 s and die, while 8 clients keep opening the names and sending. Every call ends
 * in an answer or a defined errno (never another exception, never a hang), every death
 * completes (the dead server's threads leave msgReceive), and the kernel's tables are empty
 * at the end. {@code -Dcourier.soak.seconds} sets the length of each run (default 8).
 */
class ProcessDeathSoakTest extends KernelTestSupport {
    private static final int NAMES = 3;
    private static final int CLIENTS = 8;
    private static final long SECONDS = Long.getLong("courier.soak.seconds", 8);
    /** What a client may meet while its server dies: the name gone, the server gone or going. */
    private static final Set<Errno> DEFINED = EnumSet.of(Errno.ENOENT, Errno.ESRCH, Errno.ENXIO, Errno.EBADF);

    private final Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(strings = {"platform", "virtual"})
    void k15ProcessDeathCompletesWhileClientsOpenAndSend(String kind) throws Exception {
        Thread.Builder threads = kind.equals("virtual") ? Thread.ofVirtual() : Thread.ofPlatform();
        long end = System.nanoTime() + SECONDS * 1_000_000_000L;
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            Kernel client = mk.process("client-" + i);
            clients.add(threads.start(() -> guard(() -> clientLoop(client, end))));
        }
        List<Thread> launchers = new ArrayList<>();
        List<Thread> servers = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int n = 0; n < NAMES; n++) {
            String name = "soak-" + n;
            launchers.add(threads.start(() -> guard(() -> serverGenerations(name, threads, servers, end))));
        }
        for (Thread t : launchers) {
            joinOrFail(t);
        }
        for (Thread t : clients) {
            joinOrFail(t);
        }
        for (Thread t : List.copyOf(servers)) {
            joinOrFail(t); // a dead server's thread left msgReceive
        }
        if (failure.get() != null) {
            throw new AssertionError("a kernel call failed outside its contract; outcomes " + outcomes, failure.get());
        }
        System.out.printf("process-death soak (%s threads, %d s): %s%n", kind, SECONDS, outcomes);
        assertTrue(count("answered") > 0, "clients were served: " + outcomes);
        assertTrue(count("deaths") >= NAMES, "servers died under traffic: " + outcomes);
        assertEquals(0, ((io.courier.kernel.internal.MicrokernelImpl) mk).deathFaults(),
                "every step of every death completed");
        assertEquals(List.of(), mk.names(), "every name went with its server");
        assertEquals(List.of(), mk.processes(), "every process died, and nothing of it is left");
        assertEquals(List.of(), mk.connections(), "no connection outlives its process");
    }

    /**
     * The narrow race of the soak, made wide: a server dies while its clients, each holding many
     * connections to it (and a COID_DISCONNECT channel, so its death posts a pulse per connection),
     * keep attaching and detaching them. Death must never trip over their lists.
     */
    @ParameterizedTest(name = "{0} threads")
    @ValueSource(strings = {"platform", "virtual"})
    void k15DeathCompletesWhileClientsAttachAndDetach(String kind) throws Exception {
        Thread.Builder threads = kind.equals("virtual") ? Thread.ofVirtual() : Thread.ofPlatform();
        List<Kernel> clients = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Kernel client = mk.process("client-" + i);
            client.channelCreate(ChannelFlags.COID_DISCONNECT | ChannelFlags.PRIVATE);
            clients.add(client);
        }
        for (int round = 0; round < 100; round++) {
            Kernel server = mk.process("server-" + round);
            int chid = server.channelCreate(0);
            java.util.concurrent.CountDownLatch attached = new java.util.concurrent.CountDownLatch(clients.size());
            List<Thread> churn = new ArrayList<>();
            for (Kernel client : clients) {
                churn.add(threads.start(() -> guard(() -> {
                    java.util.ArrayDeque<Integer> coids = new java.util.ArrayDeque<>();
                    try {
                        for (int i = 0; i < 64; i++) {
                            coids.add(client.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, 0));
                        }
                        attached.countDown();
                        for (;;) {
                            client.connectDetach(coids.poll());
                            coids.add(client.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, 0));
                        }
                    } catch (KernelException e) {
                        expect(e, Errno.ESRCH, Errno.ENXIO); // the server is dying or dead
                    } finally {
                        for (int coid : coids) {
                            client.connectDetach(coid);
                        }
                    }
                })));
            }
            assertTrue(attached.await(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
            server.exit();
            for (Thread t : churn) {
                joinOrFail(t);
            }
            if (failure.get() != null) {
                throw new AssertionError("round " + round, failure.get());
            }
        }
        assertEquals(0, ((io.courier.kernel.internal.MicrokernelImpl) mk).deathFaults(),
                "every step of every death completed");
        assertEquals(List.of(), mk.connections(), "no connection outlives its server");
    }

    /** Attaches {@code name} in a new process again and again; each serves a while and dies. */
    private void serverGenerations(String name, Thread.Builder threads, List<Thread> servers, long end)
            throws InterruptedException {
        int generation = 0;
        while (System.nanoTime() - end < 0) {
            Kernel server = mk.process(name + "-server-" + generation++);
            NameAttach attach;
            try {
                attach = server.nameAttach(name, 0);
            } catch (KernelException e) {
                // The previous generation's name may still be going; try again.
                expect(e, Errno.EEXIST);
                server.exit();
                continue;
            }
            servers.add(threads.start(() -> guard(() -> serve(server, attach.chid()))));
            Thread.sleep(ThreadLocalRandom.current().nextLong(300, 1500));
            server.exit();
            count("deaths", 1);
        }
    }

    /** A server thread: answers every message, detaches disconnected scoids, ends with its process. */
    private void serve(Kernel server, int chid) {
        ByteBuffer in = ByteBuffer.allocate(64);
        ByteBuffer out = ByteBuffer.allocate(8);
        for (;;) {
            in.clear();
            long rcvid;
            try {
                rcvid = server.msgReceive(chid, in, null);
            } catch (KernelException e) {
                expect(e, Errno.ESRCH); // its process died
                return;
            }
            try {
                if (rcvid == 0) {
                    in.flip();
                    Pulse p = Pulse.from(in);
                    if (p.code() == PulseCode.DISCONNECT) {
                        server.connectDetach(p.scoid());
                    }
                } else {
                    out.clear();
                    out.putLong(0, rcvid);
                    server.msgReply(rcvid, 0, out);
                }
            } catch (KernelException e) {
                expect(e, Errno.ESRCH, Errno.EINVAL); // the client or this process died meanwhile
            }
        }
    }

    /**
     * A client with a COID_DISCONNECT channel of its own (so each server death also posts it
     * COIDDEATH pulses) that opens one to three connections to a name, sends on them and closes
     * them, again and again.
     */
    private void clientLoop(Kernel client, long end) {
        ByteBuffer msg = ByteBuffer.allocate(16);
        ByteBuffer reply = ByteBuffer.allocate(8);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int own = client.channelCreate(ChannelFlags.COID_DISCONNECT | ChannelFlags.PRIVATE);
        List<Integer> coids = new ArrayList<>();
        while (System.nanoTime() - end < 0) {
            String name = "soak-" + random.nextInt(NAMES);
            try {
                for (int c = 1 + random.nextInt(3); c > 0; c--) {
                    coids.add(client.nameOpen(name, 0));
                }
            } catch (KernelException e) {
                count(e.errno().name(), expect(e, DEFINED));
                // A client waits a moment for the next server, as a user's would (a virtual
                // thread that never blocks would also keep the launchers off the carriers).
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
            sending:
            for (int i = 0; i < random.nextInt(20); i++) {
                for (int coid : coids) {
                    try {
                        reply.clear();
                        client.msgSend(coid, msg.clear().putInt(0, IoMsg.IO_MAX + 1), reply);
                        count("answered", 1);
                    } catch (KernelException e) {
                        count(e.errno().name(), expect(e, DEFINED));
                        break sending;
                    }
                }
            }
            for (int coid : coids) {
                client.nameClose(coid); // the client's own coids: always there to close
            }
            coids.clear();
            while (drainOnePulse(client, own)) {
                count("coiddeath", 1);
            }
        }
        client.exit();
    }

    /** Takes a waiting COIDDEATH pulse off the client's channel, if there is one. */
    private static boolean drainOnePulse(Kernel client, int chid) {
        try {
            Pulse p = client.msgReceivePulse(chid, java.time.Duration.ZERO);
            assertEquals(PulseCode.COIDDEATH, p.code());
            return true;
        } catch (KernelException e) {
            expect(e, Errno.ETIMEDOUT);
            return false;
        }
    }

    private static long expect(KernelException e, Errno... allowed) {
        return expect(e, Set.of(allowed));
    }

    private static long expect(KernelException e, Set<Errno> allowed) {
        if (!allowed.contains(e.errno())) {
            throw new AssertionError("unexpected " + e.errno() + ", allowed " + allowed, e);
        }
        return 1;
    }

    private void guard(ThrowingRunnable body) {
        try {
            body.run();
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private void count(String what, long n) {
        outcomes.computeIfAbsent(what, k -> new AtomicLong()).addAndGet(n);
    }

    private long count(String what) {
        AtomicLong n = outcomes.get(what);
        return n == null ? 0 : n.get();
    }

    private static void joinOrFail(Thread t) throws InterruptedException {
        t.join(SECONDS * 1000 + WAIT.toMillis());
        if (t.isAlive()) {
            // The hung thread's own stack first: the dump of all threads leaves out virtual ones.
            StringBuilder own = new StringBuilder(t.toString()).append(' ').append(t.getState()).append('\n');
            for (StackTraceElement e : t.getStackTrace()) {
                own.append("    at ").append(e).append('\n');
            }
            fail("a soak thread hangs:\n" + own + Waits.threadDump());
        }
    }
}
