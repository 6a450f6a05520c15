package io.courier.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Kernel;
import io.courier.kernel.ProcessInfo;
import io.courier.kernel.ThreadInfo;
import io.courier.kernel.ThreadState;
import io.courier.testing.Waits;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SPEC B4: a hundred thousand virtual-thread clients REPLY-blocked on one server at once. Every
 * one is answered with its own reply, none hangs, and the kernel's tables return to their size
 * after; while they block, at most one wait per core is in its yield phase.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BlockedClientsTest {
    private static final int CLIENTS = 100_000;

    private final MicrokernelImpl mk = new MicrokernelImpl();

    @AfterEach
    void close() {
        mk.close();
    }

    @Test
    void b4AHundredThousandReplyBlockedClientsAreAllAnsweredAndTheTablesShrinkBack() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        int threadsBefore = mk.allThreads().size();
        int yieldersBefore = Blocking.yielders();

        // A watcher samples how many waits yield while the clients block.
        AtomicInteger mostYielders = new AtomicInteger();
        Thread watcher = Thread.ofPlatform().daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                mostYielders.accumulateAndGet(Blocking.yielders() - yieldersBefore, Math::max);
                Thread.onSpinWait();
            }
        });

        AtomicInteger wrong = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] clients = new Thread[CLIENTS];
        for (int i = 0; i < CLIENTS; i++) {
            int id = i;
            clients[i] = Thread.ofVirtual().start(() -> {
                try {
                    ByteBuffer reply = ByteBuffer.allocate(4);
                    int status = client.msgSend(coid, ByteBuffer.allocate(4).putInt(0, id), reply);
                    if (status != id % 1000 || reply.getInt(0) != ~id) {
                        wrong.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
        }

        // The server receives every message and answers none yet: all are REPLY-blocked at once.
        long[] rcvids = new long[CLIENTS];
        int[] ids = new int[CLIENTS];
        BitSet seen = new BitSet(CLIENTS);
        ByteBuffer in = ByteBuffer.allocate(4);
        for (int i = 0; i < CLIENTS; i++) {
            in.clear();
            rcvids[i] = server.msgReceive(chid, in, null);
            assertTrue(rcvids[i] > 0, "a message, not a pulse");
            ids[i] = in.getInt(0);
            assertTrue(ids[i] >= 0 && ids[i] < CLIENTS && !seen.get(ids[i]), "each client's message once: " + ids[i]);
            seen.set(ids[i]);
        }
        assertEquals(CLIENTS, replyBlocked(client.pid()), "every client is REPLY-blocked");
        Waits.eventually("every blocked client parks, none left yielding",
                () -> Blocking.yielders() == yieldersBefore);
        watcher.interrupt();
        watcher.join(10_000);
        assertTrue(mostYielders.get() <= Blocking.MAX_YIELDERS,
                "at most " + Blocking.MAX_YIELDERS + " waits yield at once, seen " + mostYielders.get());

        for (int i = 0; i < CLIENTS; i++) {
            server.msgReply(rcvids[i], ids[i] % 1000, ByteBuffer.allocate(4).putInt(0, ~ids[i]));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (Thread t : clients) {
            assertTrue(t.join(java.time.Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))),
                    "client " + t + " answered");
        }
        if (failure.get() != null) {
            throw new AssertionError("a client's send failed", failure.get());
        }
        assertEquals(0, wrong.get(), "clients given another's reply");

        // The reaper releases the ended clients' kernel threads: the tables shrink back.
        Waits.eventually("the ended clients' kernel threads are released", () -> {
            mk.reapOnce();
            return mk.allThreads().size() == threadsBefore;
        });
        assertEquals(0, replyBlocked(client.pid()));
        assertEquals(yieldersBefore, Blocking.yielders(), "no wait left counted as yielding");

        // The kernel is still whole: a new client round-trips.
        Thread last = Thread.ofVirtual().start(() -> client.msgSend(coid, ByteBuffer.allocate(4), null));
        in.clear();
        long rcvid = server.msgReceive(chid, in, null);
        server.msgReply(rcvid, 7, null);
        assertTrue(last.join(java.time.Duration.ofSeconds(10)));
    }

    private int replyBlocked(int pid) {
        int n = 0;
        for (ProcessInfo p : mk.processes()) {
            if (p.pid() == pid) {
                for (ThreadInfo t : p.threads()) {
                    if (t.state() == ThreadState.REPLY) {
                        n++;
                    }
                }
            }
        }
        return n;
    }
}
