package io.courier.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Credentials;
import io.courier.kernel.Errno;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.SigEvent;
import io.courier.kernel.internal.node.NodeKernelChild;
import io.courier.kernel.internal.node.NodeTestSupport;
import io.courier.testing.Waits;
import java.io.BufferedReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * Issue 20 (B2): a client in one JVM as a server in another sees it, and how it leaves a call.
 * The server's kernel keeps a stand-in for each client process and thread, so {@code msgInfo}
 * gives the client's own pid, tid and priority and {@code connectClientInfo} its credentials
 * (K7); a timeout, a signal or an interrupt is decided by the server's kernel as in one JVM
 * (K13: on the name's UNBLOCK channel the server hears of it and ends the call); pulses and
 * pulse events cross JVMs with the sender's priority (K8, K17).
 */
class NodeClientsTest extends NodeTestSupport {
    private static final Duration LIMIT = Duration.ofSeconds(10);

    private record Server(Process process, BufferedReader out, int pid, int chid) {
    }

    private Server startServer(String name) throws Exception {
        Process child = NodeKernelChild.start("attach", root.toString(), nodeName, name);
        BufferedReader out = NodeKernelChild.output(child);
        String[] f = NodeKernelChild.expectLine(child, out, "ATTACHED ").split(" ");
        return new Server(child, out, Integer.parseInt(f[1]), Integer.parseInt(f[2]));
    }

    /** The body of a test with a kernel of this JVM in the node and a server in another JVM. */
    private interface WithServer {
        void run(MicrokernelImpl mk, Server server) throws Exception;
    }

    /**
     * Runs {@code body} with a kernel of this JVM joined to the test's node and a server JVM that
     * attached {@code name}; the kernel is closed, then the server JVM killed, whatever happens.
     */
    private void withServer(String name, WithServer body) throws Exception {
        Server server = null;
        try (MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            server = startServer(name);
            body.run(mk, server);
        } finally {
            if (server != null) {
                NodeKernelChild.stop(server.process());
            }
        }
    }

    private static String ask(Kernel k, int coid, String what) {
        ByteBuffer reply = ByteBuffer.allocate(128);
        k.msgSend(coid, ByteBuffer.wrap(what.getBytes(StandardCharsets.US_ASCII)), reply, LIMIT);
        return new String(reply.array(), 0, reply.position(), StandardCharsets.US_ASCII);
    }

    /** The errno a call on another thread fails with (within 10 s), or null when it succeeds. */
    private static Errno errnoOf(Runnable call) throws Exception {
        try {
            CompletableFuture.runAsync(call).get(10, TimeUnit.SECONDS);
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return assertInstanceOf(KernelException.class, e.getCause()).errno();
        }
    }

    private static int crcOf(String text) {
        CRC32 crc = new CRC32();
        crc.update(text.getBytes(StandardCharsets.US_ASCII));
        return (int) crc.getValue();
    }

    @Test
    void k7TheServerSeesTheClientsOwnPidTidPriorityAndCredentials() throws Exception {
        withServer("info", (mk, server) -> {
            Kernel k = mk.process("client", new Credentials(1234, 567));
            Kernel other = mk.process("other", new Credentials(99, 98));
            String[] mine = CompletableFuture.supplyAsync(() -> {
                int coid = k.nameOpen("info", 0);
                k.setPriority(17);
                String[] f = ask(k, coid, "INFO").split(" ");
                assertEquals(Integer.toString(k.tid()), f[1], "the client's own tid");
                return f;
            }).get(20, TimeUnit.SECONDS);
            assertEquals(Integer.toString(k.pid()), mine[0], "the client's own pid, not a stand-in's");
            assertEquals("17", mine[2], "the message carries the client's priority");
            assertEquals("1234", mine[4], "connectClientInfo: the client's uid");
            assertEquals("567", mine[5], "connectClientInfo: the client's gid");
            // Another process: another server connection (scoid), its own pid and credentials.
            String[] theirs = CompletableFuture.supplyAsync(() -> ask(other, other.nameOpen("info", 0), "INFO").split(" "))
                    .get(20, TimeUnit.SECONDS);
            assertEquals(Integer.toString(other.pid()), theirs[0]);
            assertEquals("99", theirs[4]);
            assertTrue(!theirs[3].equals(mine[3]), "one server connection per client process: " + theirs[3]);
            assertEquals(Integer.toString(io.courier.kernel.Kernel.PRIORITY_DEFAULT), theirs[2]);
        });
    }

    @Test
    void k9MessagesFromAnotherJvmQueueByPriorityThenAge() throws Exception {
        withServer("order", (mk, server) -> {
            Kernel k = mk.process("client");
            int coid = CompletableFuture.supplyAsync(() -> k.nameOpen("order", 0)).get(10, TimeUnit.SECONDS);
            // The server is busy for a second; meanwhile messages of priorities 5, 30, 15 and 30 queue there.
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
            CompletableFuture<Void> busy = CompletableFuture.runAsync(
                    () -> k.msgSend(coid, ByteBuffer.wrap("WAIT".getBytes(StandardCharsets.US_ASCII)), null, LIMIT), pool);
            awaitBlocked(mk, 1);
            java.util.List<CompletableFuture<Void>> sends = new java.util.ArrayList<>();
            String[] tags = {"5a", "30a", "15a", "30b"};
            for (int i = 0; i < tags.length; i++) {
                String tag = tags[i];
                int prio = Integer.parseInt(tag.substring(0, tag.length() - 1));
                sends.add(CompletableFuture.runAsync(() -> {
                    k.setPriority(prio);
                    k.msgSend(coid, ByteBuffer.wrap(("ORD:" + tag).getBytes(StandardCharsets.US_ASCII)), null, LIMIT);
                }, pool));
                awaitBlocked(mk, 2 + i);
                Thread.sleep(20); // in the server's queue, not only in the ring
            }
            busy.get(10, TimeUnit.SECONDS);
            for (CompletableFuture<Void> f : sends) {
                f.get(10, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertEquals("30a,30b,15a,5a", CompletableFuture.supplyAsync(() -> ask(k, coid, "ORDS")).get(10, TimeUnit.SECONDS),
                    "priority first, then age, as in one JVM");
        });
    }

    /** Waits until {@code n} threads of {@code mk} are blocked on a server (at most 10 s). */
    private static void awaitBlocked(MicrokernelImpl mk, int n) throws InterruptedException {
        long end = System.nanoTime() + LIMIT.toNanos();
        while (mk.sends().stream().filter(s -> s.state() == io.courier.kernel.ThreadState.REPLY).count() < n
                && System.nanoTime() < end) {
            Thread.sleep(2);
        }
        assertTrue(mk.sends().stream().filter(s -> s.state() == io.courier.kernel.ThreadState.REPLY).count() >= n,
                n + " clients blocked");
    }

    /** How many messages wait in the queue of channel {@code chid} of this JVM's process {@code pid}. */
    private static int queued(MicrokernelImpl mk, int pid, int chid) {
        Channel ch = mk.proc(pid).channels.get(chid);
        ch.lock.lock();
        try {
            return ch.senders.size();
        } finally {
            ch.lock.unlock();
        }
    }

    /** Waits (at most 10 s) until {@code n} messages wait on channel {@code chid} of process {@code pid}. */
    private static void awaitQueued(MicrokernelImpl mk, int pid, int chid, int n) throws InterruptedException {
        long end = System.nanoTime() + LIMIT.toNanos();
        while (queued(mk, pid, chid) < n && System.nanoTime() < end) {
            Thread.sleep(2);
        }
        assertEquals(n, queued(mk, pid, chid), "messages queued on " + pid + "/" + chid);
    }

    /**
     * K19 across JVMs: a send that closes a cycle of blocked threads through two JVMs is refused
     * with EDEADLK, whichever JVM the closing sender is in; the cycle is kept for introspection,
     * the other sends of the cycle go on, and the threads can talk again afterwards.
     */
    @Test
    void k19ASendClosingACycleThroughAnotherJvmIsRefusedWithEdeadlk() throws Exception {
        java.util.concurrent.ExecutorService alpha = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            withServer("cycle", (mk, b) -> {
                // Process alpha has one thread and one channel; client gamma asks the other JVM's
                // server to send to alpha, which does not receive yet: the server is SEND-blocked on alpha.
                Kernel a = mk.process("alpha");
                int chA = CompletableFuture.supplyAsync(() -> a.channelCreate(0), alpha).get(10, TimeUnit.SECONDS);
                Kernel c = mk.process("gamma");
                CompletableFuture<String> forwarded = CompletableFuture.supplyAsync(() -> {
                    int coid = c.connectAttach(0, b.pid(), b.chid(), 0, 0);
                    return ask(c, coid, "FWD:" + a.pid() + ":" + chA);
                });
                awaitQueued(mk, a.pid(), chA, 1);
                // Alpha now sends to that server: alpha -> server -> alpha. Refused, on alpha's side.
                int coidB = CompletableFuture.supplyAsync(() -> a.connectAttach(0, b.pid(), b.chid(), 0, 0), alpha)
                        .get(10, TimeUnit.SECONDS);
                CompletableFuture<Errno> closing = CompletableFuture.supplyAsync(() -> {
                    try {
                        a.msgSend(coidB, ByteBuffer.wrap("PONG".getBytes(StandardCharsets.US_ASCII)), ByteBuffer.allocate(8), LIMIT);
                        return null;
                    } catch (KernelException e) {
                        return e.errno();
                    }
                }, alpha);
                assertEquals(Errno.EDEADLK, closing.get(10, TimeUnit.SECONDS), "the send closing the cycle");
                java.util.List<io.courier.kernel.SendCycle> cycles = mk.sendCycles();
                assertTrue(!cycles.isEmpty(), "the refused cycle is kept");
                io.courier.kernel.SendCycle cycle = cycles.get(cycles.size() - 1);
                assertEquals(a.pid(), cycle.threads().get(0).pid(), "the refused sender first: " + cycle);
                assertEquals(b.pid(), cycle.threads().get(1).pid(), "then the server in the other JVM: " + cycle);
                // The server's own send was not touched: alpha takes it and answers; gamma hears back.
                CompletableFuture.runAsync(() -> {
                    ByteBuffer msg = ByteBuffer.allocate(16);
                    long rcvid = a.msgReceive(chA, msg, null, LIMIT);
                    assertEquals("PING", new String(msg.array(), 0, msg.position(), StandardCharsets.US_ASCII));
                    a.msgReply(rcvid, 0, ByteBuffer.wrap("back".getBytes(StandardCharsets.US_ASCII)));
                }, alpha).get(10, TimeUnit.SECONDS);
                assertEquals("OK back", forwarded.get(10, TimeUnit.SECONDS));
                assertEquals(0, queued(mk, a.pid(), chA), "nothing left queued");

                // The other way round: alpha waits on the server, which then sends to alpha: the
                // server's send closes the cycle and is refused in its own JVM; it tells alpha so.
                String told = CompletableFuture.supplyAsync(() -> ask(a, coidB, "FWD:" + a.pid() + ":" + chA), alpha)
                        .get(15, TimeUnit.SECONDS);
                assertEquals("E EDEADLK", told);
                assertEquals(0, queued(mk, a.pid(), chA), "the refused send was taken back");
                // And they talk again.
                assertEquals(crcOf("again"), CompletableFuture.supplyAsync(() -> a.msgSend(coidB,
                        ByteBuffer.wrap("again".getBytes(StandardCharsets.US_ASCII)), ByteBuffer.allocate(8), LIMIT), alpha)
                        .get(10, TimeUnit.SECONDS));
            });
        } finally {
            Waits.shutDown(alpha);
        }
    }

    @Test
    void k13ATimeoutOrAnInterruptIsDecidedByTheServersKernelAndTheClientMovesOn() throws Exception {
        withServer("unblock", (mk, server) -> {
            Kernel k = mk.process("client");
            int coid = CompletableFuture.supplyAsync(() -> k.nameOpen("unblock", 0)).get(10, TimeUnit.SECONDS);
            // The name's channel is an UNBLOCK channel: the server gets the UNBLOCK pulse and ends
            // the call with msgError(rcvid, -1), which gives the client its own reason.
            long t0 = System.nanoTime();
            Errno timedOut = errnoOf(() -> k.msgSend(coid, ByteBuffer.wrap("HOLD".getBytes(StandardCharsets.US_ASCII)),
                    ByteBuffer.allocate(8), Duration.ofMillis(200)));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(Errno.ETIMEDOUT, timedOut);
            assertTrue(ms >= 150 && ms < 5_000, "left after " + ms + " ms");
            // The same thread of the client sends again at once: its stand-in is free.
            CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 3; i++) {
                    try {
                        k.msgSend(coid, ByteBuffer.wrap("HOLD".getBytes(StandardCharsets.US_ASCII)), null,
                                Duration.ofMillis(50));
                        throw new AssertionError("a held message was answered");
                    } catch (KernelException e) {
                        assertEquals(Errno.ETIMEDOUT, e.errno());
                    }
                    assertEquals(crcOf("after"), k.msgSend(coid, ByteBuffer.wrap("after".getBytes(StandardCharsets.US_ASCII)),
                            ByteBuffer.allocate(5), LIMIT));
                }
            }).get(20, TimeUnit.SECONDS);

            // An interrupt of the blocked client: EINTR, the thread's interrupt consumed as in one JVM.
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread client = Thread.ofPlatform().start(() -> {
                try {
                    k.msgSend(coid, ByteBuffer.wrap("HOLD".getBytes(StandardCharsets.US_ASCII)), null);
                    outcome.complete(null);
                } catch (Throwable e) {
                    outcome.complete(e);
                }
            });
            long limit = System.nanoTime() + LIMIT.toNanos();
            while (mk.sends().stream().noneMatch(s -> s.state() == io.courier.kernel.ThreadState.REPLY)
                    && System.nanoTime() < limit) {
                Thread.sleep(5);
            }
            client.interrupt();
            Throwable e = outcome.get(10, TimeUnit.SECONDS);
            assertEquals(Errno.EINTR, assertInstanceOf(KernelException.class, e).errno());
            client.join(5_000);
            // The server still answers everyone.
            assertEquals(crcOf("still"), CompletableFuture.supplyAsync(() -> k.msgSend(coid,
                    ByteBuffer.wrap("still".getBytes(StandardCharsets.US_ASCII)), ByteBuffer.allocate(5), LIMIT))
                    .get(10, TimeUnit.SECONDS));
        });
    }

    /**
     * A client that leaves its call the instant it sent (a timeout already over): its UNBLOCK
     * request follows its message in the ring at once, so the server's receiving thread, which
     * takes what the ring brings while it waits, often finds both in one look. It must not wait
     * for itself to finish receiving the message it is handing itself; each call ends with
     * ETIMEDOUT, and the server goes on answering.
     */
    @Test
    void k13AClientThatLeavesTheInstantItSentNeverStopsTheServersJvm() throws Exception {
        withServer("leave", (mk, server) -> {
            Kernel k = mk.process("client");
            int coid = CompletableFuture.supplyAsync(() -> k.nameOpen("leave", 0)).get(10, TimeUnit.SECONDS);
            ByteBuffer hold = ByteBuffer.wrap("HOLD".getBytes(StandardCharsets.US_ASCII));
            CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 500; i++) {
                    KernelException e = assertThrows(KernelException.class,
                            () -> k.msgSend(coid, hold.duplicate(), null, Duration.ofNanos(1)));
                    assertEquals(Errno.ETIMEDOUT, e.errno(), "call " + i);
                    if (i % 100 == 99) {
                        assertEquals(crcOf("still"), k.msgSend(coid,
                                ByteBuffer.wrap("still".getBytes(StandardCharsets.US_ASCII)), ByteBuffer.allocate(5), LIMIT));
                    }
                }
            }).get(60, TimeUnit.SECONDS);
        });
    }

    /**
     * Four client threads (two of them virtual) leave their calls at random moments, by timeout
     * and by interrupt, while their messages are on the way, queued, being received or held:
     * every call ends (answered, ETIMEDOUT or EINTR as its kind allows), and the server's JVM
     * goes on answering.
     */
    @Test
    void k13ClientsLeavingAtRandomMomentsAllEndAndTheServerGoesOn() throws Exception {
        withServer("soak", (mk, server) -> {
            Kernel k = mk.process("client");
            int coid = CompletableFuture.supplyAsync(() -> k.nameOpen("soak", 0)).get(10, TimeUnit.SECONDS);
            long seed = System.nanoTime();
            java.util.List<CompletableFuture<Void>> clients = new java.util.ArrayList<>();
            // Two platform threads and two virtual ones.
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            java.util.concurrent.ExecutorService virtual = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
            try {
                for (int c = 0; c < 4; c++) {
                    java.util.Random rnd = new java.util.Random(seed + c);
                    clients.add(CompletableFuture.runAsync(() -> soak(k, coid, rnd), c < 2 ? pool : virtual));
                }
                CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(40, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new AssertionError("seed " + seed + "\n" + Waits.threadDump(), e);
            } finally {
                pool.shutdownNow();
                virtual.shutdownNow();
            }
            assertEquals(crcOf("still"), CompletableFuture.supplyAsync(() -> k.msgSend(coid,
                    ByteBuffer.wrap("still".getBytes(StandardCharsets.US_ASCII)), ByteBuffer.allocate(5), LIMIT))
                    .get(10, TimeUnit.SECONDS));
        });
    }

    /** 250 calls of random kinds and timeouts on {@code coid}, each outcome checked. */
    private static void soak(Kernel k, int coid, java.util.Random rnd) {
        byte[] hold = "HOLD".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 250; i++) {
            int kind = rnd.nextInt(4);
            Duration soon = Duration.ofNanos(rnd.nextInt(300_000));
            String what = "call " + i + " of kind " + kind + " (timeout " + soon.toNanos() + " ns)";
            switch (kind) {
                case 0 -> {
                    String text = "n" + i;
                    assertEquals(crcOf(text), k.msgSend(coid, ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)),
                            ByteBuffer.allocate(text.length()), LIMIT), what);
                }
                case 1 -> assertEquals(Errno.ETIMEDOUT, assertThrows(KernelException.class,
                        () -> k.msgSend(coid, ByteBuffer.wrap(hold), null, soon), what).errno(), what);
                case 2 -> {
                    try {
                        assertEquals(crcOf("SLOW"), k.msgSend(coid, ByteBuffer.wrap("SLOW".getBytes(StandardCharsets.US_ASCII)),
                                ByteBuffer.allocate(4), soon), what);
                    } catch (KernelException e) {
                        assertEquals(Errno.ETIMEDOUT, e.errno(), what);
                    }
                }
                default -> {
                    Thread me = Thread.currentThread();
                    Thread interrupter = Thread.ofVirtual().start(() -> {
                        java.util.concurrent.locks.LockSupport.parkNanos(soon.toNanos());
                        me.interrupt();
                    });
                    KernelException e = assertThrows(KernelException.class, () -> k.msgSend(coid, ByteBuffer.wrap(hold), null), what);
                    assertEquals(Errno.EINTR, e.errno(), what);
                    try {
                        interrupter.join(LIMIT.toMillis());
                    } catch (InterruptedException late) {
                        // The interrupt came after the call ended: not the call's.
                    }
                    Thread.interrupted();
                }
            }
        }
    }

    /**
     * K15 across JVMs, forty times: a server process killed from this JVM while it is busy with
     * one message and a second is on its way or queued. Both calls end, answered or with the
     * errno of a server that is gone (the kill runs there on a thread of its own, never on the
     * one taking the ring's records), and the other JVM goes on making and serving processes.
     */
    @Test
    void k15AServerKilledAsAMessageComesEndsTheCallAndItsJvmGoesOn() throws Exception {
        Process child = NodeKernelChild.start("victims", root.toString(), nodeName);
        try (MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            BufferedReader out = NodeKernelChild.output(child);
            java.io.Writer in = new java.io.OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8);
            Kernel k = mk.process("client");
            Kernel killer = mk.process("killer");
            java.util.Set<Errno> gone = java.util.EnumSet.of(Errno.ESRCH, Errno.EBADF, Errno.ENXIO);
            for (int i = 0; i < 40; i++) {
                in.write("next\n");
                in.flush();
                String[] f = NodeKernelChild.expectLine(child, out, "VICTIM ").split(" ");
                int pid = Integer.parseInt(f[1]);
                int chid = Integer.parseInt(f[2]);
                int coid = CompletableFuture.supplyAsync(() -> k.connectAttach(0, pid, chid, 0, 0)).get(10, TimeUnit.SECONDS);
                // A first call: the server's next receive knows its channel has clients over here.
                assertEquals(crcOf("warm"), CompletableFuture.supplyAsync(() -> k.msgSend(coid,
                        ByteBuffer.wrap("warm".getBytes(StandardCharsets.US_ASCII)), ByteBuffer.allocate(4), LIMIT))
                        .get(10, TimeUnit.SECONDS));
                // The server busy with one message while a second and the kill come.
                CompletableFuture<Errno> busy = callEndingOrGone(k, coid, "SLOW");
                awaitSends(mk, 1, busy);
                CompletableFuture<Errno> call = callEndingOrGone(k, coid, "last");
                awaitSends(mk, 2, call);
                CompletableFuture.runAsync(() -> killer.signalKill(pid, 0, io.courier.kernel.Signals.SIGKILL, 0, 0))
                        .get(10, TimeUnit.SECONDS);
                Errno e;
                try {
                    Errno first = busy.get(10, TimeUnit.SECONDS);
                    assertTrue(first == null || gone.contains(first), "call " + i + " (busy) ended with " + first);
                    e = call.get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException hung) {
                    throw new AssertionError("call " + i + " to a killed server did not end\n" + Waits.threadDump(), hung);
                }
                assertTrue(e == null || gone.contains(e), "call " + i + " ended with " + e);
            }
        } finally {
            NodeKernelChild.stop(child);
        }
    }

    /** A call of {@code text} on a thread of its own: null when answered with its checksum, else its errno. */
    private static CompletableFuture<Errno> callEndingOrGone(Kernel k, int coid, String text) {
        CompletableFuture<Errno> outcome = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                assertEquals(crcOf(text), k.msgSend(coid, ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)),
                        ByteBuffer.allocate(text.length())));
                outcome.complete(null);
            } catch (KernelException e) {
                outcome.complete(e.errno());
            } catch (Throwable t) {
                outcome.completeExceptionally(t);
            }
        });
        return outcome;
    }

    /** Waits (at most {@link #LIMIT}) until {@code mk} shows {@code n} sends, or {@code call} ended. */
    private static void awaitSends(MicrokernelImpl mk, int n, CompletableFuture<?> call) {
        long limit = System.nanoTime() + LIMIT.toNanos();
        while (mk.sends().size() < n && !call.isDone() && System.nanoTime() < limit) {
            Thread.onSpinWait();
        }
    }

    @Test
    void k12TheServerGetsDisconnectWhenAClientInAnotherJvmDetachesOrDies() throws Exception {
        withServer("disc", (mk, server) -> {
            Kernel watcher = mk.process("watcher");
            Kernel leaving = mk.process("leaving");
            Kernel dying = mk.process("dying");
            int w = CompletableFuture.supplyAsync(() -> watcher.nameOpen("disc", 0)).get(10, TimeUnit.SECONDS);
            assertEquals("0", CompletableFuture.supplyAsync(() -> ask(watcher, w, "DISC")).get(10, TimeUnit.SECONDS));
            CompletableFuture.runAsync(() -> {
                // Two connections of one process: DISCONNECT only when the last goes.
                int a = leaving.nameOpen("disc", 0);
                io.courier.kernel.ServerInfo si = leaving.connectServerInfo(a);
                int b = leaving.connectAttach(0, si.pid(), si.chid(), 0, 0);
                ask(leaving, b, "INFO");
                leaving.nameClose(a);
                assertEquals("0", ask(watcher, w, "DISC"), "one connection of the process is left");
                leaving.connectDetach(b);
                assertEquals("1", awaitAnswer(watcher, w, "DISC", "1"));
                // A client process that dies with its connection open: DISCONNECT too.
                int d = dying.nameOpen("disc", 0);
                ask(dying, d, "INFO");
                dying.exit();
                assertEquals("2", awaitAnswer(watcher, w, "DISC", "2"));
            }).get(30, TimeUnit.SECONDS);
        });
    }

    /** Asks until the answer is {@code expected} (the record that causes it is on its way), at most 10 s. */
    private static String awaitAnswer(Kernel k, int coid, String what, String expected) {
        long end = System.nanoTime() + LIMIT.toNanos();
        String got = ask(k, coid, what);
        while (!got.equals(expected) && System.nanoTime() < end) {
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
            got = ask(k, coid, what);
        }
        return got;
    }

    @Test
    void k17AServerInAnotherJvmDeliversEventsToItsClientPlainAndRegistered() throws Exception {
        withServer("events", (mk, server) -> {
            Kernel k = mk.process("client");
            CompletableFuture.runAsync(() -> {
                int coid = k.nameOpen("events", 0);
                int chid = k.channelCreate(0);
                int self = k.connectAttach(0, 0, chid, Kernel.SIDE_CHANNEL, 0);
                // A plain event in the message: the server's msgDeliverEvent reaches this process.
                assertEquals(0, sendEvent(k, coid, SigEvent.pulse(self, 15, 9, 123)));
                io.courier.kernel.Pulse p = k.msgReceivePulse(chid, LIMIT);
                assertEquals(9, p.code());
                assertEquals(123, p.value());
                // A registered event: resolved in this JVM, where it was registered.
                SigEvent reg = k.msgRegisterEvent(SigEvent.pulse(self, 15, 10, 456), coid);
                assertEquals(0, sendEvent(k, coid, reg));
                p = k.msgReceivePulse(chid, LIMIT);
                assertEquals(10, p.code());
                assertEquals(456, p.value());
                // The delivery's error reaches the server, as in one JVM: no such connection here.
                assertEquals(Errno.EBADF, assertThrows(KernelException.class,
                        () -> sendEvent(k, coid, SigEvent.pulse(self + 1, 15, 9, 1))).errno());
                // A handle this process never registered: EACCES.
                assertEquals(Errno.EACCES, assertThrows(KernelException.class,
                        () -> sendEvent(k, coid, reg.withHandle(reg.handle() + 1))).errno());
            }).get(30, TimeUnit.SECONDS);
        });
    }

    /** Sends {@code EVNT} and the event's byte form: the server delivers it to this client. */
    private static int sendEvent(Kernel k, int coid, SigEvent ev) {
        ByteBuffer msg = ByteBuffer.allocate(4 + io.courier.kernel.SigEventLayout.SIZE).order(java.nio.ByteOrder.nativeOrder());
        msg.put("EVNT".getBytes(StandardCharsets.US_ASCII));
        io.courier.kernel.SigEventLayout.put(msg, 4, ev);
        msg.clear();
        return k.msgSend(coid, msg, null, LIMIT);
    }

    @Test
    void k18SignalsCrossJvmsSigkillEndsAProcessOfAnotherJvmAndItsClientsGetCoiddeath() throws Exception {
        withServer("victim", (mk, server) -> {
            Kernel k = mk.process("killer");
            CompletableFuture.runAsync(() -> {
                int deaths = k.channelCreate(io.courier.kernel.ChannelFlags.COID_DISCONNECT);
                int coid = k.nameOpen("victim", 0);
                assertEquals(crcOf("alive"), k.msgSend(coid, ByteBuffer.wrap("alive".getBytes(StandardCharsets.US_ASCII)),
                        ByteBuffer.allocate(5), LIMIT));
                assertEquals(Errno.EINVAL, assertThrows(KernelException.class,
                        () -> k.signalKill(server.pid(), 0, 99, 0, 0)).errno(), "checked before it goes");
                assertEquals(Errno.ESRCH, assertThrows(KernelException.class,
                        () -> k.signalKill(server.pid() + 7, 0, io.courier.kernel.Signals.SIGKILL, 0, 0)).errno(),
                        "no such process in that JVM");
                k.signalKill(server.pid(), 0, io.courier.kernel.Signals.SIGKILL, 0, 0);
                // The process died there: this client hears of it on its COID_DISCONNECT channel
                // (K12), its connection is dead, its name went with its channel.
                io.courier.kernel.Pulse death = k.msgReceivePulse(deaths, LIMIT);
                assertEquals(io.courier.kernel.PulseCode.COIDDEATH, death.code());
                assertEquals(coid, death.value(), "COIDDEATH names the dead connection");
                long end = System.nanoTime() + LIMIT.toNanos();
                Errno e = null;
                while (System.nanoTime() < end) {
                    try {
                        k.msgSend(coid, ByteBuffer.wrap("alive".getBytes(StandardCharsets.US_ASCII)), ByteBuffer.allocate(5),
                                LIMIT);
                    } catch (KernelException x) {
                        e = x.errno();
                        break;
                    }
                }
                assertEquals(Errno.EBADF, e, "a send on the dead connection");
                assertEquals(Errno.ENOENT, assertThrows(KernelException.class, () -> k.nameOpen("victim", 0)).errno());
            }).get(30, TimeUnit.SECONDS);
            NodeKernelChild.expectLine(server.process(), server.out(), "SERVER ENDED ");
            assertTrue(server.process().isAlive(), "its JVM lives on: one process died, not the JVM");
        });
    }

    @Test
    void k8PulsesAndPulseEventsCrossJvmsWithTheirErrors() throws Exception {
        withServer("pulses", (mk, server) -> {
            Kernel k = mk.process("client");
            CompletableFuture.runAsync(() -> {
                int coid = k.nameOpen("pulses", 0);
                assertEquals("none", ask(k, coid, "PULS"));
                // A pulse above the message's priority is received before the message that follows it.
                for (int i = 1; i <= 50; i++) {
                    k.msgSendPulse(coid, 30, 5, 4_000 + i);
                    assertEquals("5 " + (4_000 + i), ask(k, coid, "PULS"), "pulse " + i);
                }
                // An event the kernel delivers for this process to the server's channel: a pulse too.
                k.msgDeliverEvent(0, SigEvent.pulse(coid, 30, 6, 77));
                assertEquals("6 77", ask(k, coid, "PULS"));
                // The errors of one JVM: bad code or priority before anything goes; a dead connection EBADF.
                assertEquals(Errno.EINVAL, assertThrows(KernelException.class, () -> k.msgSendPulse(coid, 300, 5, 1)).errno());
                assertEquals(Errno.EINVAL, assertThrows(KernelException.class, () -> k.msgSendPulse(coid, 10, 500, 1)).errno());
                k.nameClose(coid);
                assertEquals(Errno.EBADF, assertThrows(KernelException.class, () -> k.msgSendPulse(coid, 10, 5, 1)).errno());
            }).get(30, TimeUnit.SECONDS);
        });
    }
}
