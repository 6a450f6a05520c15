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
 * sender thread's order (two threads' puts on one connection too), and every callback runs once.
 * And a detach while many threads put on one connection: every put taken comes back once.
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
                        if (seq <= last[sender]) {
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

    /**
     * SPEC A3, A5 with puts that take no lock: six threads put on one ordinary connection while
     * a getter takes, and another thread detaches it mid-stream, forty times. Every put that
     * returned has exactly one callback, EOK for each message got and ECANCELED for the rest;
     * none is lost to a put that landed as the detach read the tail, none reported twice, and
     * every put after the detach fails with EBADF.
     */
    @Test
    void a3ADetachUnderManyPuttingThreadsGivesEveryTakenPutOneOutcome() throws Exception {
        Proc server = process("server");
        Proc client = process("client");
        int chid = server.am().channelCreate(0, 0666, 16, 64, null, null);
        int threads = 6;
        for (int round = 0; round < 40; round++) {
            ConcurrentHashMap<Long, Errno> outcomes = new ConcurrentHashMap<>();
            ConcurrentHashMap<String, String> problems = new ConcurrentHashMap<>();
            AsyncCallback recording = (err, msg, handle) -> {
                if (outcomes.put(handle, err) != null) {
                    problems.put("twice " + handle, err.name());
                }
            };
            AsyncConnectionAttr attr = AsyncConnectionAttr.builder().bufferSize(16).maxNumBuffer(128).triggerNumMsg(8)
                    .callback(recording).build();
            int coid = client.am().connectAttach(0, server.pid(), chid, 0, 0, attr);
            AtomicLong taken = new AtomicLong();
            AtomicBoolean detached = new AtomicBoolean();
            List<Future<?>> producers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long sender = t;
                producers.add(async(() -> {
                    for (long i = 0;; i++) {
                        long handle = sender << 32 | i;
                        try {
                            client.am().put(coid, number(handle), handle, null);
                            taken.incrementAndGet();
                        } catch (KernelException e) {
                            if (e.errno() == Errno.EBADF) {
                                return null;
                            }
                            assertEquals(Errno.EAGAIN, e.errno(), e.getMessage());
                            Thread.yield();
                        }
                    }
                }));
            }
            java.util.Set<Long> got = ConcurrentHashMap.newKeySet();
            long giveUp = System.nanoTime() + 30_000_000_000L;
            Future<?> getter = async(() -> {
                while ((!detached.get() || outcomes.size() < taken.get()) && System.nanoTime() - giveUp < 0) {
                    AsyncMsgHeader h;
                    try {
                        h = server.am().get(chid, java.time.Duration.ofMillis(5));
                    } catch (KernelException e) {
                        continue;
                    }
                    for (; h != null;) {
                        got.add(number(h));
                        AsyncMsgHeader next = h.next();
                        server.am().free(h);
                        h = next;
                    }
                }
                return null;
            });
            eventually("a few puts were taken", () -> taken.get() >= 2_000);
            client.am().connectDetach(coid);
            detached.set(true);
            for (Future<?> f : producers) {
                await(f);
            }
            await(getter);
            assertEquals(java.util.Map.of(), problems, "round " + round);
            assertEquals(taken.get(), outcomes.size(), "round " + round + ": one outcome per put taken");
            for (var e : outcomes.entrySet()) {
                Errno expected = got.contains(e.getKey()) ? Errno.EOK : Errno.ECANCELED;
                assertEquals(expected, e.getValue(), "round " + round + ", message " + Long.toHexString(e.getKey()));
            }
        }
    }
}
