package io.courier.asyncmsg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * SPEC B1 and A6 for asynchronous messages: several senders put without pause while their
 * receiver is replaced ten times, each receiver process killed wherever it is (in {@code get},
 * holding a batch, or between). By name, nothing is lost, nothing arrives twice, and each
 * sender's messages arrive in order. By pid and chid, messages die with their receiver, and
 * each one that was taken by a put is either received once (its callback says EOK) or reported
 * to its callback with an errno: never both, never neither.
 */
class SwapUnderLoadTest extends AsyncTestSupport {
    private static final String NAME = "swapped";
    private static final int SENDERS = 3;
    private static final int SWAPS = 10;

    /** One received message: which sender, which number. */
    private record Got(int receiver, int sender, long n) {
    }

    /** A receiving process: a channel (by name, or not), and a thread getting into {@code into}. */
    private final class Receiver {
        final Proc proc;
        final int chid;
        final Future<Void> loop;
        final int index;

        Receiver(String process, boolean byName, ConcurrentLinkedQueue<Got> into) {
            proc = process(process);
            index = Integer.parseInt(process.substring(process.lastIndexOf('-') + 1));
            chid = proc.am().channelCreate(0, 0666, 16, 64, null, null);
            if (byName) {
                proc.am().nameAttach(NAME, chid);
            }
            loop = async(() -> {
                for (;;) {
                    AsyncMsgHeader h;
                    try {
                        h = proc.am().get(chid);
                    } catch (KernelException e) {
                        return null; // killed
                    }
                    for (AsyncMsgHeader m = h; m != null; m = m.next()) {
                        long v = number(m);
                        into.add(new Got(index, (int) (v >>> 48), v & 0xFFFF_FFFF_FFFFL));
                    }
                    try {
                        while (h != null) {
                            AsyncMsgHeader next = h.next();
                            proc.am().free(h);
                            h = next;
                        }
                    } catch (KernelException e) {
                        return null;
                    }
                }
            });
        }

        void kill() throws Exception {
            proc.k().exit();
            await(loop);
        }
    }

    /** What one sender's callbacks said, by number. */
    private static final class Outcomes implements AsyncCallback {
        final Map<Long, Errno> byNumber = new ConcurrentHashMap<>();
        final AtomicInteger twice = new AtomicInteger();

        @Override
        public void call(Errno err, Object msg, long handle) {
            if (byNumber.put(handle, err) != null) {
                twice.incrementAndGet();
            }
        }
    }

    @Test
    void b1ByNameNothingIsLostOrDuplicatedAndEachSendersOrderIsKeptAcrossTenReplacements() throws Exception {
        ConcurrentLinkedQueue<Got> got = new ConcurrentLinkedQueue<>();
        Receiver receiver = new Receiver("receiver-0", true, got);
        AtomicBoolean stop = new AtomicBoolean();
        List<Outcomes> outcomes = new ArrayList<>();
        List<Future<Long>> senders = new ArrayList<>();
        for (int s = 0; s < SENDERS; s++) {
            Proc p = process("sender-" + s);
            Outcomes o = new Outcomes();
            outcomes.add(o);
            int coid = p.am().nameOpen(NAME, 0, AsyncConnectionAttr.builder().bufferSize(16).maxNumBuffer(512)
                    .triggerNumMsg(8).triggerTime(Duration.ofMillis(1).toNanos(), 0).callback(o).build());
            long tag = (long) s << 48;
            senders.add(async(() -> {
                long n = 0;
                while (!stop.get()) {
                    try {
                        p.am().put(coid, number(tag | n), n, null);
                        n++;
                    } catch (KernelException e) {
                        assertEquals(Errno.EAGAIN, e.errno(), "a put by name only waits for room");
                        Thread.yield();
                    }
                }
                p.am().flush(coid, AsyncMessaging.FLUSH_NONBLOCK);
                return n;
            }));
        }
        for (int swap = 1; swap <= SWAPS; swap++) {
            int before = got.size();
            eventually("receiver " + (swap - 1) + " got messages", () -> got.size() > before + 500);
            receiver.kill();
            receiver = new Receiver("receiver-" + swap, true, got);
        }
        stop.set(true);
        long[] put = new long[SENDERS];
        long total = 0;
        for (int s = 0; s < SENDERS; s++) {
            put[s] = await(senders.get(s));
            total += put[s];
        }
        long expected = total;
        eventually("every message arrived", () -> got.size() >= expected);
        eventually("every callback ran", () -> outcomes.stream().mapToLong(o -> o.byNumber.size()).sum() == expected);
        receiver.kill();

        long[] next = new long[SENDERS];
        for (Got g : got) {
            assertEquals(next[g.sender()], g.n(), "sender " + g.sender() + ": none lost, none twice, in order");
            next[g.sender()]++;
        }
        for (int s = 0; s < SENDERS; s++) {
            assertEquals(put[s], next[s], "sender " + s + ": all arrived");
            assertEquals(0, outcomes.get(s).twice.get(), "one callback per message");
            assertTrue(outcomes.get(s).byNumber.values().stream().allMatch(e -> e == Errno.EOK),
                    "by name, every message was delivered");
        }
    }

    @Test
    void b1ByChidEveryTakenMessageIsReceivedOnceOrReportedWithItsErrnoNeverBoth() throws Exception {
        ConcurrentLinkedQueue<Got> got = new ConcurrentLinkedQueue<>();
        AtomicReference<Receiver> current = new AtomicReference<>(new Receiver("receiver-0", false, got));
        AtomicBoolean stop = new AtomicBoolean();
        List<Outcomes> outcomes = new ArrayList<>();
        List<Future<Long>> senders = new ArrayList<>();
        for (int s = 0; s < SENDERS; s++) {
            Proc p = process("sender-" + s);
            Outcomes o = new Outcomes();
            outcomes.add(o);
            AsyncConnectionAttr attr = AsyncConnectionAttr.builder().bufferSize(16).maxNumBuffer(512).triggerNumMsg(8)
                    .triggerTime(Duration.ofMillis(1).toNanos(), 0).callback(o).build();
            long tag = (long) s << 48;
            senders.add(async(() -> {
                long n = 0;
                int coid = -1;
                while (!stop.get()) {
                    try {
                        if (coid == -1) {
                            Receiver r = current.get();
                            coid = p.am().connectAttach(0, r.proc.pid(), r.chid, 0, 0, attr);
                        }
                        p.am().put(coid, number(tag | n), n, null);
                        n++; // taken: its callback will tell
                    } catch (KernelException e) {
                        if (e.errno() == Errno.EBADF || e.errno() == Errno.ESRCH || e.errno() == Errno.ENXIO) {
                            if (coid != -1) {
                                p.am().connectDetach(coid); // the receiver died: attach to the next one
                            }
                            coid = -1;
                        } else {
                            assertEquals(Errno.EAGAIN, e.errno());
                        }
                        Thread.yield();
                    }
                }
                if (coid != -1) {
                    try {
                        p.am().flush(coid, 0);
                    } catch (KernelException e) {
                        assertEquals(Errno.EBADF, e.errno(), "only a receiver that died meanwhile fails the flush");
                    }
                }
                return n;
            }));
        }
        for (int swap = 1; swap <= SWAPS; swap++) {
            int before = got.size();
            eventually("receiver " + (swap - 1) + " got messages", () -> got.size() > before + 500);
            Receiver old = current.get();
            current.set(new Receiver("receiver-" + swap, false, got));
            old.kill();
        }
        stop.set(true);
        long taken = 0;
        for (Future<Long> f : senders) {
            taken += await(f);
        }
        long all = taken;
        eventually("every callback ran", () -> outcomes.stream().mapToLong(o -> o.byNumber.size()).sum() == all);
        current.get().kill();

        // Order holds per receiver: a dying receiver may still be recording a batch it took while
        // the next one records newer messages, so the queue interleaves them. Across receivers, a
        // sender moves on only after its put failed: all it gave one receiver precede the next's.
        Map<Integer, Set<Long>> received = new HashMap<>();
        Map<List<Integer>, long[]> spans = new HashMap<>();
        for (Got g : got) {
            assertTrue(received.computeIfAbsent(g.sender(), x -> new HashSet<>()).add(g.n()), "none twice: " + g);
            long[] span = spans.computeIfAbsent(List.of(g.receiver(), g.sender()), x -> new long[] {g.n(), -1});
            assertTrue(g.n() > span[1], "each sender's order kept at each receiver: " + g);
            span[1] = g.n();
        }
        for (int s = 0; s < SENDERS; s++) {
            long before = -1;
            for (int r = 0; r <= SWAPS; r++) {
                long[] span = spans.get(List.of(r, s));
                if (span != null) {
                    assertTrue(span[0] > before, "sender " + s + ": receiver " + r + " got only newer messages than those before it");
                    before = span[1];
                }
            }
        }
        for (int s = 0; s < SENDERS; s++) {
            Outcomes o = outcomes.get(s);
            assertEquals(0, o.twice.get(), "one callback per message");
            Set<Long> mine = received.getOrDefault(s, Set.of());
            for (Map.Entry<Long, Errno> e : o.byNumber.entrySet()) {
                if (e.getValue() == Errno.EOK) {
                    assertTrue(mine.contains(e.getKey()), "sender " + s + " #" + e.getKey() + ": EOK means received");
                } else {
                    assertTrue(e.getValue() == Errno.ESRCH || e.getValue() == Errno.ECANCELED,
                            "a message that died with its receiver says why: " + e.getValue());
                    assertTrue(!mine.contains(e.getKey()), "sender " + s + " #" + e.getKey() + ": failed, never received");
                }
            }
            assertEquals(mine.size(), o.byNumber.values().stream().filter(x -> x == Errno.EOK).count(),
                    "every received message's callback said EOK");
        }
    }
}
