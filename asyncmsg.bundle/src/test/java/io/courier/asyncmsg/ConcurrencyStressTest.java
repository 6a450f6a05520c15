package io.courier.asyncmsg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Races (SPEC A3, A5): several senders, two of them sharing one connection, two getters on one
 * channel, callbacks on. Every message arrives exactly once, each getter's batch keeps each
 * sender thread's order, and every callback runs once.
 */
class ConcurrencyStressTest extends AsyncTestSupport {
    @Test
    void a3a5ManySendersTwoGettersEveryMessageExactlyOnceInOrderPerSender() throws Exception {
        Proc server = process("server");
        int chid = server.am().channelCreate(0, 0666, 16, 64, null, null);
        int senders = 4;
        int perSender = 50_000;
        AtomicLong callbacks = new AtomicLong();
        AsyncCallback counting = (err, msg, handle) -> {
            assertEquals(Errno.EOK, err);
            callbacks.incrementAndGet();
        };
        Proc a = process("a");
        Proc b = process("b");
        AsyncConnectionAttr attr = AsyncConnectionAttr.builder().bufferSize(16).maxNumBuffer(256).triggerNumMsg(16)
                .triggerTime(1_000_000, 0).callback(counting).build();
        int ca = a.am().connectAttach(0, server.pid(), chid, 0, 0, attr);
        int cb = b.am().connectAttach(0, server.pid(), chid, 0, 0, attr);
        // Sender threads 0 and 1 share coid ca; 2 and 3 have one connection each.
        int[] coids = {ca, ca, cb, a.am().connectAttach(0, server.pid(), chid, 0, 0, attr)};
        AsyncMessaging[] views = {a.am(), a.am(), b.am(), a.am()};
        List<Future<?>> producers = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            int sender = s;
            producers.add(async(() -> {
                for (int i = 0; i < perSender;) {
                    try {
                        views[sender].put(coids[sender], number(((long) sender << 32) | i), i, null);
                        i++;
                    } catch (KernelException e) {
                        assertEquals(Errno.EAGAIN, e.errno());
                        Thread.yield();
                    }
                }
                views[sender].flush(coids[sender], AsyncMessaging.FLUSH_NONBLOCK);
                return null;
            }));
        }
        BitSet[] seen = new BitSet[senders];
        for (int s = 0; s < senders; s++) {
            seen[s] = new BitSet(perSender);
        }
        ConcurrentHashMap<String, String> problems = new ConcurrentHashMap<>();
        AtomicLong total = new AtomicLong();
        AtomicBoolean done = new AtomicBoolean();
        List<Future<?>> getters = new ArrayList<>();
        for (int g = 0; g < 2; g++) {
            getters.add(async(() -> {
                while (!done.get()) {
                    AsyncMsgHeader h;
                    try {
                        h = server.am().get(chid, java.time.Duration.ofMillis(20));
                    } catch (KernelException e) {
                        continue;
                    }
                    long[] last = {-1, -1, -1, -1};
                    while (h != null) {
                        long v = number(h);
                        int sender = (int) (v >>> 32);
                        int seq = (int) v;
                        if (sender >= 2 && seq <= last[sender]) {
                            problems.put("order " + sender, seq + " after " + last[sender]);
                        }
                        last[sender] = seq;
                        synchronized (seen[sender]) {
                            if (seen[sender].get(seq)) {
                                problems.put("twice " + sender + "/" + seq, "");
                            }
                            seen[sender].set(seq);
                        }
                        total.incrementAndGet();
                        AsyncMsgHeader next = h.next();
                        server.am().free(h);
                        h = next;
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : producers) {
            await(f);
        }
        eventually("every message arrived", () -> total.get() == (long) senders * perSender);
        done.set(true);
        for (Future<?> f : getters) {
            await(f);
        }
        assertEquals(java.util.Map.of(), problems);
        for (int s = 0; s < senders; s++) {
            assertEquals(perSender, seen[s].cardinality(), "sender " + s);
        }
        eventually("every callback ran", () -> callbacks.get() == (long) senders * perSender);
        assertTrue(server.am().stats().delivered() >= (long) senders * perSender);
    }
}
