package io.courier.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.internal.MicrokernelImpl;
import io.courier.testing.Waits;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * B3 (issue 21): waits on another node do not yield. A client waiting for the reply of a server
 * on another node, and a server waiting in {@code msgReceive} on a channel that has had clients
 * on other nodes, spin briefly and then park until the message comes (it takes tens of
 * microseconds at least, and yielding meanwhile takes the cores from the threads that carry it).
 * Both kernels here wait with a yield phase of a hundred million rounds, so a wait that yields
 * stays RUNNABLE for many seconds, as a local server's wait does (the control).
 */
class NetWaitTest extends NetTestSupport {
    private static final IdleStrategy LONG_YIELDS = new IdleStrategy.Backoff(10, 100_000_000);

    private static void parksSoon(Thread t, String what) throws InterruptedException {
        Waits.eventually(what + " parks", () -> t.getState() == Thread.State.WAITING);
        // And stays parked: not a park between two yield phases.
        for (int i = 0; i < 20; i++) {
            Thread.sleep(10);
            assertEquals(Thread.State.WAITING, t.getState(), what + " is parked");
        }
    }

    /** Kernels alpha and beta, each a node of a network of the two on free loopback ports. */
    private MicrokernelImpl[] join(IdleStrategy idle) {
        MicrokernelImpl alpha = new MicrokernelImpl(idle);
        started.add(alpha);
        MicrokernelImpl beta = new MicrokernelImpl(idle);
        started.add(beta);
        int pa = ChildNode.freePort();
        int pb = ChildNode.freePort();
        alpha.joinNetwork(network("alpha", pa, at("beta", pb)));
        beta.joinNetwork(network("beta", pb, at("alpha", pa)));
        return new MicrokernelImpl[] {alpha, beta};
    }

    /** {@code client} connected to channel {@code chid} of {@code server} on node {@code nd}, once beta's processes are known. */
    private static int connect(Kernel client, int nd, Kernel server, int chid) throws InterruptedException {
        for (int i = 0;; i++) {
            try {
                return client.connectAttach(nd, server.pid(), chid, 0, 0);
            } catch (KernelException e) {
                if (i > 200) {
                    throw e;
                }
                Thread.sleep(50); // beta's processes not told to alpha yet
            }
        }
    }

    @Test
    void aClientWaitingForAnotherNodeAndAServerWaitingForItsClientsParkInsteadOfYielding() throws Exception {
        MicrokernelImpl[] k = join(LONG_YIELDS);
        MicrokernelImpl alpha = k[0];
        MicrokernelImpl beta = k[1];

        Kernel server = beta.process("server");
        int chid = server.channelCreate(0);
        CountDownLatch received = new CountDownLatch(1);
        CountDownLatch replyNow = new CountDownLatch(1);
        Thread serverThread = Thread.ofPlatform().daemon().name("server").start(() -> {
            ByteBuffer b = ByteBuffer.allocate(64);
            try {
                for (int i = 0;; i++) {
                    b.clear();
                    long rcvid = server.msgReceive(chid, b, null);
                    if (i == 0) {
                        received.countDown();
                        replyNow.await(30, TimeUnit.SECONDS);
                    }
                    b.flip();
                    server.msgReply(rcvid, i, b);
                }
            } catch (InterruptedException | KernelException e) {
                // The test ends.
            }
        });
        Kernel client = alpha.process("client");
        int nd = client.netmgrStrtond("beta");
        Waits.eventually("beta is up for alpha", () -> alpha.network().link(nd) != null);
        CompletableFuture<Integer> first = new CompletableFuture<>();
        Thread clientThread = Thread.ofPlatform().daemon().name("client").start(() -> {
            try {
                int coid = connect(client, nd, server, chid);
                first.complete(client.msgSend(coid, ByteBuffer.allocate(64).putLong(0, 7), ByteBuffer.allocate(64)));
                // The second call, with the server's channel now known to have clients on other nodes.
                client.msgSend(coid, ByteBuffer.allocate(64), ByteBuffer.allocate(64));
            } catch (RuntimeException | InterruptedException e) {
                first.completeExceptionally(e);
            }
        });
        started.add(() -> {
            serverThread.interrupt();
            clientThread.interrupt();
        });

        // The client waits for a reply the server holds back.
        org.junit.jupiter.api.Assertions.assertTrue(received.await(30, TimeUnit.SECONDS), "the first message came");
        parksSoon(clientThread, "a client waiting for a server on another node");
        replyNow.countDown();
        assertEquals(0, (int) first.get(30, TimeUnit.SECONDS));
        // The second call: the server's receive that met it, and then its wait for the third
        // message that never comes, on a channel with clients on other nodes.
        clientThread.join(30_000);
        parksSoon(serverThread, "a server waiting for clients on other nodes");

        // The control: a local server waiting on a channel that has had no client from another
        // node yields all the while (so the long yield phase is real).
        Kernel local = alpha.process("local-server");
        int localChid = local.channelCreate(0);
        Thread localServer = Thread.ofPlatform().daemon().name("local-server").start(() -> {
            try {
                local.msgReceive(localChid, ByteBuffer.allocate(64), null);
            } catch (KernelException e) {
                // Ended by the test.
            }
        });
        try {
            Thread.sleep(200);
            for (int i = 0; i < 20; i++) {
                Thread.sleep(10);
                assertEquals(Thread.State.RUNNABLE, localServer.getState(), "a local server's wait yields");
            }
        } finally {
            localServer.interrupt(); // EINTR ends its yielding wait
            localServer.join(10_000);
        }
    }

    /**
     * A parked waiter goes on watching the other node's link, and the record it waits for wakes
     * it there: the client takes its reply and the server its message itself, with no consumer
     * woken between, although each had parked (the server holds each reply, and the client
     * pauses between calls, far longer than a wait spins).
     */
    @Test
    void aParkedClientAndAParkedServerTakeWhatTheLinkBringsThemselves() throws Exception {
        MicrokernelImpl[] k = join(IdleStrategy.BACKOFF);
        MicrokernelImpl alpha = k[0];
        MicrokernelImpl beta = k[1];
        Kernel server = beta.process("server");
        int chid = server.channelCreate(0);
        Thread serverThread = Thread.ofPlatform().daemon().name("server").start(() -> {
            ByteBuffer b = ByteBuffer.allocate(64);
            try {
                for (;;) {
                    b.clear();
                    long rcvid = server.msgReceive(chid, b, null);
                    Thread.sleep(2); // the client parks meanwhile
                    b.flip();
                    server.msgReply(rcvid, 0, b);
                }
            } catch (InterruptedException | KernelException e) {
                // The test ends.
            }
        });
        started.add(serverThread::interrupt);
        Kernel client = alpha.process("client");
        int nd = client.netmgrStrtond("beta");
        Waits.eventually("beta is up for alpha", () -> alpha.network().link(nd) != null);
        int coid = connect(client, nd, server, chid);
        int calls = 200;
        CompletableFuture.runAsync(() -> {
            ByteBuffer out = ByteBuffer.allocate(64);
            ByteBuffer in = ByteBuffer.allocate(64);
            for (int i = 0; i < calls; i++) {
                out.clear().putLong(0, i);
                in.clear();
                client.msgSend(coid, out, in);
                assertEquals(i, in.getLong(0), "the reply of call " + i);
                java.util.concurrent.locks.LockSupport.parkNanos(2_000_000); // the server parks meanwhile
            }
        }).get(60, TimeUnit.SECONDS);
        long byClient = alpha.networkRecordsTakenByWaitingThreads();
        long byServer = beta.networkRecordsTakenByWaitingThreads();
        System.out.printf("of %d calls with both sides parked: replies taken by the client %d, messages by the server %d%n",
                calls, byClient, byServer);
        // Most (here 80-90%; none without the wake-up): the link's consumer, which looks every
        // millisecond as long as others watch, takes some first.
        org.junit.jupiter.api.Assertions.assertTrue(byClient >= calls / 2, "replies taken by the parked client: " + byClient);
        org.junit.jupiter.api.Assertions.assertTrue(byServer >= calls / 2, "messages taken by the parked server: " + byServer);
    }

    /**
     * K13 across nodes: a client that leaves its call the instant it sent (its timeout already
     * over) sends its request to leave right behind its message, and the server's thread, which
     * takes what the link brings while it waits, often meets both in one look, the message
     * handed to itself and not yet copied. That hand-off is taken back, as for a message still
     * queued, and the client leaves at once (the thread must not wait for its own copy), so each
     * call ends with ETIMEDOUT and the server goes on answering.
     */
    @Test
    void aClientThatLeavesTheInstantItSentNeverStopsAServerWatchingTheLink() throws Exception {
        Caller caller = callerOfAHoldingOrEchoingServer(1);
        Kernel client = caller.client();
        int coid = caller.coid();
        CompletableFuture.runAsync(() -> {
            ByteBuffer held = ByteBuffer.allocate(64).putLong(0, -1);
            ByteBuffer in = ByteBuffer.allocate(64);
            for (int i = 0; i < 300; i++) {
                KernelException e = org.junit.jupiter.api.Assertions.assertThrows(KernelException.class,
                        () -> client.msgSend(coid, held.clear(), null, java.time.Duration.ofNanos(1)));
                assertEquals(io.courier.kernel.Errno.ETIMEDOUT, e.errno(), "call " + i);
                if (i % 100 == 99) {
                    in.clear();
                    client.msgSend(coid, ByteBuffer.allocate(64).putLong(0, i), in);
                    assertEquals(i, in.getLong(0), "the server still answers after call " + i);
                }
            }
        }).get(60, TimeUnit.SECONDS);
    }

    /**
     * K13 across nodes under load: four client threads on alpha (two of them virtual) leave 800
     * calls of random kinds at random moments, by timeout and by interrupt, while two server
     * threads on beta answer, hold or work on them. Every call ends as its kind allows (answered,
     * ETIMEDOUT, EINTR), and the server still answers after.
     */
    @Test
    void clientsLeavingAtRandomMomentsAcrossNodesAllEndAndTheServerGoesOn() throws Exception {
        Caller caller = callerOfAHoldingOrEchoingServer(2);
        Kernel client = caller.client();
        int coid = caller.coid();
        long seed = System.nanoTime();
        java.util.List<CompletableFuture<Void>> clients = new java.util.ArrayList<>();
        for (int c = 0; c < 4; c++) {
            java.util.Random rnd = new java.util.Random(seed + c);
            // Two platform threads and two virtual ones: an interrupted virtual thread runs the
            // driver's cycles as it waits too.
            Thread.Builder builder = c < 2 ? Thread.ofPlatform().daemon() : Thread.ofVirtual();
            clients.add(Waits.start(builder.name("client-" + c), () -> leaveAtRandom(client, coid, rnd)).done());
        }
        try {
            CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(40, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError("seed " + seed + "\n" + Waits.threadDump(), e);
        }
        ByteBuffer in = ByteBuffer.allocate(64);
        CompletableFuture.runAsync(() -> client.msgSend(coid, ByteBuffer.allocate(64).putLong(0, 7), in))
                .get(10, TimeUnit.SECONDS);
        assertEquals(7, in.getLong(0), "the server still answers");
    }

    /** A client process on one node and its connection to a server on the other. */
    private record Caller(Kernel client, int coid) {
    }

    /**
     * A client on alpha connected to an UNBLOCK channel on beta that {@code threads} threads serve
     * as {@link #serveHoldingOrEchoing} says, once beta is up for alpha.
     */
    private Caller callerOfAHoldingOrEchoingServer(int threads) throws InterruptedException {
        MicrokernelImpl[] k = join(IdleStrategy.BACKOFF);
        MicrokernelImpl alpha = k[0];
        Kernel server = k[1].process("server");
        int chid = server.channelCreate(io.courier.kernel.ChannelFlags.UNBLOCK);
        serveHoldingOrEchoing(server, chid, threads);
        Kernel client = alpha.process("client");
        int nd = client.netmgrStrtond("beta");
        Waits.eventually("beta is up for alpha", () -> alpha.network().link(nd) != null);
        return new Caller(client, connect(client, nd, server, chid));
    }

    /**
     * {@code threads} threads serve UNBLOCK channel {@code chid} of {@code server} until the test
     * ends: a message is a long, echoed back, except -1 (held until its client leaves: the
     * UNBLOCK pulse ends it with {@code msgError(rcvid, -1)}) and -2 (echoed after 0.2 ms busy).
     */
    private void serveHoldingOrEchoing(Kernel server, int chid, int threads) {
        for (int s = 0; s < threads; s++) {
            Thread serverThread = Thread.ofPlatform().daemon().name("server-" + s).start(() -> {
                ByteBuffer b = ByteBuffer.allocate(64);
                try {
                    for (;;) {
                        b.clear();
                        long rcvid = server.msgReceive(chid, b, null);
                        if (rcvid == 0) {
                            io.courier.kernel.Pulse p = io.courier.kernel.Pulse.from(b.flip());
                            if (p.code() == io.courier.kernel.PulseCode.UNBLOCK) {
                                try {
                                    server.msgError(p.value(), -1);
                                } catch (KernelException gone) {
                                    // Answered or left meanwhile.
                                }
                            }
                            continue;
                        }
                        long n = b.getLong(0);
                        if (n == -2) {
                            long until = System.nanoTime() + 200_000;
                            while (System.nanoTime() - until < 0) {
                                Thread.onSpinWait();
                            }
                        }
                        if (n != -1) {
                            server.msgReply(rcvid, 0, b.flip());
                        }
                    }
                } catch (KernelException e) {
                    // The test ends.
                }
            });
            started.add(serverThread::interrupt);
        }
    }

    /** 200 calls of random kinds on {@code coid}, each outcome checked. */
    private static void leaveAtRandom(Kernel client, int coid, java.util.Random rnd) {
        ByteBuffer in = ByteBuffer.allocate(64);
        for (int i = 0; i < 200; i++) {
            int kind = rnd.nextInt(4);
            java.time.Duration soon = java.time.Duration.ofNanos(rnd.nextInt(300_000));
            String what = "call " + i + " of kind " + kind + " (timeout " + soon.toNanos() + " ns)";
            ByteBuffer out = ByteBuffer.allocate(64);
            in.clear();
            switch (kind) {
                case 0 -> {
                    client.msgSend(coid, out.putLong(0, i), in);
                    assertEquals(i, in.getLong(0), what);
                }
                case 1 -> assertEquals(io.courier.kernel.Errno.ETIMEDOUT, org.junit.jupiter.api.Assertions.assertThrows(
                        KernelException.class, () -> client.msgSend(coid, out.putLong(0, -1), null, soon), what).errno(), what);
                case 2 -> {
                    try {
                        client.msgSend(coid, out.putLong(0, -2), in, soon);
                        assertEquals(-2, in.getLong(0), what);
                    } catch (KernelException e) {
                        assertEquals(io.courier.kernel.Errno.ETIMEDOUT, e.errno(), what);
                    }
                }
                default -> {
                    Thread me = Thread.currentThread();
                    Thread interrupter = Thread.ofVirtual().start(() -> {
                        java.util.concurrent.locks.LockSupport.parkNanos(soon.toNanos());
                        me.interrupt();
                    });
                    KernelException e = org.junit.jupiter.api.Assertions.assertThrows(KernelException.class,
                            () -> client.msgSend(coid, out.putLong(0, -1), null), what);
                    assertEquals(io.courier.kernel.Errno.EINTR, e.errno(), what);
                    try {
                        interrupter.join(10_000);
                    } catch (InterruptedException late) {
                        // Not the call's: it had ended.
                    }
                    Thread.interrupted();
                }
            }
        }
    }
}
