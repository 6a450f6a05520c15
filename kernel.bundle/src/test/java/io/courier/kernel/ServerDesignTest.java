package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** SPEC K11: multithreaded servers and delayed replies (the course's server designs). */
class ServerDesignTest extends KernelTestSupport {

    @Test
    void k11EachMessageGoesToExactlyOneOfSeveralReceivingThreads() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int threads = 4;
        int perClient = 500;
        int clients = 4;
        Set<String> seen = ConcurrentHashMap.newKeySet();
        Set<Integer> workers = ConcurrentHashMap.newKeySet();
        List<Future<Integer>> servers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            servers.add(async(() -> {
                int handled = 0;
                ByteBuffer in = ByteBuffer.allocate(32);
                for (;;) {
                    in.clear();
                    long rcvid = server.msgReceive(chid, in, null);
                    if (rcvid == 0) {
                        return handled;
                    }
                    String m = text(in);
                    assertTrue(seen.add(m), "delivered twice: " + m);
                    workers.add(server.tid());
                    handled++;
                    server.msgReply(rcvid, m.length(), null);
                }
            }));
        }
        List<Future<Void>> cs = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int id = c;
            cs.add(async(() -> {
                int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
                for (int i = 0; i < perClient; i++) {
                    String m = id + ":" + i;
                    assertEquals(m.length(), client.msgSend(coid, text(m), null));
                }
                return null;
            }));
        }
        for (Future<Void> f : cs) {
            await(f);
        }
        int self = server.connectAttach(0, server.pid(), chid, 0, 0);
        for (int i = 0; i < threads; i++) {
            server.msgSendPulse(self, 10, 1, 0);
        }
        int total = 0;
        for (Future<Integer> f : servers) {
            total += await(f);
        }
        assertEquals(clients * perClient, total);
        assertEquals(clients * perClient, seen.size());
        assertTrue(workers.size() >= 2, "work was shared: " + workers);
    }

    @Test
    void k11ReceiversWaitingOnOneChannelAreServedFirstComeFirstServed() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        // Three server threads start receiving one after the other: the first waits alone (the
        // channel's slot), the other two behind it (the queue).
        List<Future<String>> servers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int[] tid = new int[1];
            CountDownLatch known = new CountDownLatch(1);
            servers.add(async(() -> {
                tid[0] = server.tid();
                known.countDown();
                ByteBuffer in = ByteBuffer.allocate(32);
                long rcvid = server.msgReceive(chid, in, null);
                server.msgReply(rcvid, 0, null);
                return text(in);
            }));
            assertTrue(known.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
            awaitState(server.pid(), tid[0], ThreadState.RECEIVE);
        }
        // One message at a time: each goes to the longest-waiting receiver.
        for (String m : List.of("first", "second", "third")) {
            client.msgSend(coid, text(m), null);
        }
        assertEquals(List.of("first", "second", "third"),
                List.of(await(servers.get(0)), await(servers.get(1)), await(servers.get(2))));
    }

    @Test
    void k11DelayedRepliesInAnyOrderFromAnyThread() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        int n = 5;
        List<Future<Integer>> sends = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int v = i;
            sends.add(async(() -> client.msgSend(coid, ByteBuffer.allocate(4).putInt(0, v), null)));
        }
        List<long[]> held = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ByteBuffer in = ByteBuffer.allocate(4);
            long rcvid = server.msgReceive(chid, in, null);
            held.add(new long[] {rcvid, in.getInt(0)});
        }
        // The server went back to receive without replying: every client is REPLY-blocked.
        eventually("all clients REPLY-blocked", () -> mk.processes().stream()
                .filter(p -> p.pid() == client.pid()).flatMap(p -> p.threads().stream())
                .filter(t -> t.state() == ThreadState.REPLY).count() == n);
        Collections.shuffle(held);
        CountDownLatch done = new CountDownLatch(n);
        Set<Long> replied = Collections.synchronizedSet(new HashSet<>());
        for (long[] h : held) {
            async(() -> {
                server.msgReply(h[0], (int) h[1] * 10, null);
                replied.add(h[0]);
                done.countDown();
                return null;
            });
        }
        assertTrue(done.await(10, TimeUnit.SECONDS));
        for (int i = 0; i < n; i++) {
            assertEquals(i * 10, await(sends.get(i)));
        }
        assertEquals(n, replied.size());
    }
}
