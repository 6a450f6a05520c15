package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** SPEC K16: thread states and what each thread is blocked on. */
class IntrospectionTest extends KernelTestSupport {

    @Test
    void k16SnapshotShowsStatesPrioritiesAndBlockedOn() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        Future<Long> receiver = async(() -> {
            server.setThreadName("worker");
            server.setPriority(21);
            return server.msgReceive(chid, ByteBuffer.allocate(8), null);
        });
        awaitAnyState(server.pid(), ThreadState.RECEIVE);
        ProcessInfo sp = mk.processes().stream().filter(p -> p.pid() == server.pid()).findFirst().orElseThrow();
        assertEquals("server", sp.name());
        ThreadInfo worker = sp.threads().stream().filter(t -> t.state() == ThreadState.RECEIVE).findFirst()
                .orElseThrow();
        assertEquals("worker", worker.name());
        assertEquals(21, worker.priority());
        assertEquals(chid, worker.blockedOn(), "RECEIVE-blocked on the chid");
        assertTrue(sp.channels().contains(chid));
        // The receiver takes the message; the sender is then REPLY-blocked on the server pid.
        Future<Integer> sender = async(() -> client.msgSend(coid, text("x"), null));
        long rcvid = await(receiver);
        awaitAnyState(client.pid(), ThreadState.REPLY);
        ThreadInfo blocked = mk.processes().stream().filter(p -> p.pid() == client.pid())
                .flatMap(p -> p.threads().stream()).filter(t -> t.state() == ThreadState.REPLY).findFirst()
                .orElseThrow();
        assertEquals(server.pid(), blocked.blockedOn());
        ProcessInfo cp = mk.processes().stream().filter(p -> p.pid() == client.pid()).findFirst().orElseThrow();
        assertTrue(cp.connections().contains(coid));
        assertTrue(mk.connections().stream().anyMatch(c -> c.pid() == client.pid() && c.coid() == coid
                && c.serverPid() == server.pid() && c.chid() == chid));
        server.msgReply(rcvid, 0, null);
        await(sender);
        eventually("the sender is READY", () -> mk.processes().stream().filter(p -> p.pid() == client.pid())
                .flatMap(p -> p.threads().stream()).noneMatch(t -> t.state() == ThreadState.REPLY));
    }

    /**
     * Forty threads of one process (more than the kernel keeps at hand per process, so several
     * share a place there) call in turn, again and again: each is always itself, with its own
     * tid and name, never another's; and a process's thread that ended is a new thread (a new
     * tid) when its Java thread's place is taken by another.
     */
    @Test
    void k16EachThreadOfAProcessIsItselfAcrossCallsAmongManyThreads() throws Exception {
        Kernel p = mk.process("p");
        int n = 40;
        java.util.concurrent.CyclicBarrier turn = new java.util.concurrent.CyclicBarrier(n);
        java.util.List<Future<String>> seen = new java.util.ArrayList<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n);
        try {
            for (int i = 0; i < n; i++) {
                String name = "t" + i;
                seen.add(pool.submit(() -> {
                    p.setThreadName(name);
                    int tid = p.tid();
                    for (int round = 0; round < 200; round++) {
                        if (round % 50 == 0) {
                            turn.await(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                        }
                        if (p.tid() != tid) {
                            return name + " was tid " + tid + ", then " + p.tid();
                        }
                    }
                    String listed = threads(p).stream().filter(t -> t.tid() == tid).map(ThreadInfo::name)
                            .findFirst().orElse("none");
                    return listed.equals(name) ? "tid " + tid : name + "'s tid " + tid + " is listed as " + listed;
                }));
            }
            java.util.Set<String> tids = new java.util.HashSet<>();
            for (Future<String> f : seen) {
                String r = await(f);
                assertTrue(r.startsWith("tid "), r);
                tids.add(r);
            }
            assertEquals(n, tids.size(), "one tid each: " + tids);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void k16EndedThreadsReleaseTheirTids() throws Exception {
        Kernel p = mk.process("p");
        for (int i = 0; i < 20; i++) {
            Thread t = Thread.ofPlatform().start(p::tid);
            t.join(WAIT.toMillis());
            assertFalse(t.isAlive());
        }
        p.setThreadName("main");
        eventually("ended threads are reaped", () -> mk.processes().stream().filter(x -> x.pid() == p.pid())
                .mapToInt(x -> x.threads().size()).sum() == 1);
        Thread t = Thread.ofPlatform().start(p::tid);
        t.join(WAIT.toMillis());
        int[] tid = new int[1];
        Thread u = Thread.ofPlatform().start(() -> tid[0] = p.tid());
        u.join(WAIT.toMillis());
        assertTrue(tid[0] <= 3, "tids are reused: " + tid[0]);
    }

    @Test
    void k16AThreadThatEndsLeavesPidinAtOnceAndFreesItsTid() throws Exception {
        Kernel p = mk.process("p");
        int[] tid = new int[1];
        Thread t = Thread.ofPlatform().start(() -> {
            p.setThreadName("short-lived");
            tid[0] = p.tid();
        });
        t.join(WAIT.toMillis());
        assertFalse(t.isAlive());
        // No wait for the reaper: the very next snapshot no longer lists it.
        assertTrue(threads(p).isEmpty(), "an ended thread is not listed: " + threads(p));
        int[] again = new int[1];
        Thread u = Thread.ofPlatform().start(() -> again[0] = p.tid());
        u.join(WAIT.toMillis());
        assertEquals(tid[0], again[0], "its tid is free at once");
    }

    @Test
    void k16ALentThreadIsListedOnlyWhileBlockedAndAServerThreadBetweenCalls() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        assertTrue(threads(client).isEmpty(), "a thread that only attached is lent, not listed: " + threads(client));
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch stay = new java.util.concurrent.CountDownLatch(1);
        Future<Integer> sender = async(() -> {
            int status = client.msgSend(coid, text("x"), null);
            done.countDown();
            stay.await();
            return status;
        });
        long rcvid = server.msgReceive(chid, ByteBuffer.allocate(8), null);
        awaitAnyState(client.pid(), ThreadState.REPLY);
        assertEquals(1, threads(client).size(), "listed while REPLY-blocked");
        assertEquals(1, threads(server).size(), "the receiving thread is the server's, listed between calls");
        assertEquals(ThreadState.RUNNING, threads(server).get(0).state(), "the caller sees itself running");
        server.msgReply(rcvid, 7, null);
        assertTrue(done.await(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
        try {
            assertTrue(threads(client).isEmpty(), "the lent thread, alive but back from its call, is not listed: "
                    + threads(client));
        } finally {
            stay.countDown();
        }
        assertEquals(7, await(sender));
    }

    private java.util.List<ThreadInfo> threads(Kernel k) {
        return mk.processes().stream().filter(x -> x.pid() == k.pid()).flatMap(x -> x.threads().stream()).toList();
    }
}
