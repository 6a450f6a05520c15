package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The channel's pulse queue: a lock-free ring senders offer to and FIFOs per priority the
 * receivers order by priority then age, together with SEND-blocked messages (SPEC K8, K9, K10,
 * K12): order across priorities, ages and the ring's capacity, the queue's limit, many senders at
 * once (nothing lost, nothing twice) and receivers that park ({@code internal.PulseAllocationTest}:
 * no allocation per pulse).
 */
class PulseQueueTest extends KernelTestSupport {

    @Test
    void k9PulsesAndMessagesInterleaveByPriorityThenAgeAndTheServerTakesEachPriority() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        List<Future<Integer>> senders = new ArrayList<>();
        client.msgSendPulse(coid, 10, 1, 0);
        senders.add(sendAt(client, coid, 10, "m1"));
        for (int i = 0; i < 3; i++) {
            client.msgSendPulse(coid, 5, 2, i);
        }
        senders.add(sendAt(client, coid, 20, "m2"));
        client.msgSendPulse(coid, 20, 3, 0);
        client.msgSendPulse(coid, 10, 4, 0);
        senders.add(sendAt(client, coid, 10, "m3"));
        client.msgSendPulse(coid, 255, 5, 0);
        client.msgSendPulse(coid, 10, 6, 0);
        List<String> order = new ArrayList<>();
        List<Integer> priorities = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            ByteBuffer b = ByteBuffer.allocate(64);
            long rcvid = server.msgReceive(chid, b, null, WAIT);
            priorities.add(server.priority());
            if (rcvid == 0) {
                order.add("p" + Pulse.from(b.flip()).code());
            } else {
                order.add(text(b));
                server.msgReply(rcvid, 0, null);
            }
        }
        assertEquals(List.of("p5", "m2", "p3", "p1", "m1", "p4", "m3", "p6", "p2", "p2", "p2"), order);
        assertEquals(List.of(255, 20, 20, 10, 10, 10, 10, 10, 5, 5, 5), priorities, "K10: each item's priority");
        for (Future<Integer> f : senders) {
            assertEquals(0, await(f));
        }
    }

    @Test
    void k9MoreSameAgePulsesThanTheRingHoldsKeepTheirOrderAroundAQueuedMessage() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        int before = 3000;
        for (int i = 0; i < before; i++) {
            client.msgSendPulse(coid, 10, 1, i);
        }
        Future<Integer> m = sendAt(client, coid, 10, "middle");
        for (int i = 0; i < 2000; i++) {
            client.msgSendPulse(coid, 10, 2, before + i);
        }
        ByteBuffer b = ByteBuffer.allocate(64);
        for (int i = 0; i < before; i++) {
            b.clear();
            assertEquals(0, server.msgReceive(chid, b, null, WAIT));
            assertEquals(i, Pulse.from(b.flip()).value(), "pulse " + i);
        }
        b.clear();
        long rcvid = server.msgReceive(chid, b, null, WAIT);
        assertTrue(rcvid > 0, "the message sent after the first pulses comes next");
        server.msgReply(rcvid, 0, null);
        assertEquals(0, await(m));
        for (int i = 0; i < 2000; i++) {
            assertEquals(before + i, server.msgReceivePulse(chid, WAIT).value());
        }
    }

    @Test
    void k8EagainAtTheChannelsLimitWhileKernelPulsesStillQueue() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(ChannelFlags.DISCONNECT);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        int limit = 1 << 16;
        for (int i = 0; i < limit; i++) {
            client.msgSendPulse(coid, 10, 1, i);
        }
        fails(Errno.EAGAIN, () -> client.msgSendPulse(coid, 10, 1, -1), "the queue holds its limit");
        fails(Errno.EAGAIN, () -> client.msgSendPulse(coid, 200, 1, -1), "whatever the priority");
        KernelException full = org.junit.jupiter.api.Assertions.assertThrows(KernelException.class,
                () -> client.msgSendPulse(coid, 10, 1, -1));
        assertEquals(Errno.EAGAIN, full.errno());
        assertTrue(full.getMessage().contains("is full"), full.getMessage());
        assertEquals(0, full.getStackTrace().length, "a refusal a sender retries carries no stack trace");
        assertEquals(0, server.msgReceivePulse(chid, WAIT).value());
        client.msgSendPulse(coid, 10, 1, limit);
        fails(Errno.EAGAIN, () -> client.msgSendPulse(coid, 10, 1, -1), "one taken, one more fits");
        client.connectDetach(coid); // K12: DISCONNECT, past the limit
        for (int i = 1; i <= limit; i++) {
            assertEquals(i, server.msgReceivePulse(chid, WAIT).value());
        }
        assertEquals(PulseCode.DISCONNECT, server.msgReceivePulse(chid, WAIT).code());
    }

    @Test
    void k8APulseSplitAcrossAnIovAndPointersThroughTheRing() {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        client.msgSendPulse(coid, 10, 7, 0x1122_3344_5566_7788L);
        ByteBuffer a = ByteBuffer.allocate(10);
        ByteBuffer c = ByteBuffer.allocate(14);
        assertEquals(0, server.msgReceivev(chid, new ByteBuffer[] {a, c}, null));
        ByteBuffer all = ByteBuffer.allocate(Pulse.SIZE).order(ByteOrder.nativeOrder());
        all.put(a.flip()).put(c.flip()).flip();
        Pulse p = Pulse.from(all);
        assertEquals(7, p.code());
        assertEquals(0x1122_3344_5566_7788L, p.value());
        List<Object> sent = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Object o = new Object();
            sent.add(o);
            client.msgSendPulsePtr(coid, 10 + i % 3, 1, o);
        }
        List<Object> got = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            got.add(server.msgReceivePulse(chid, WAIT).pointer());
        }
        for (Object o : sent) {
            assertTrue(got.contains(o), "every pointer arrives");
        }
    }

    @Test
    void k8ManySendersOnBothThreadKindsLoseAndRepeatNoPulseWithAParkingReceiver() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        int senders = 8;
        int each = 20_000;
        List<Thread> threads = new ArrayList<>();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        for (int s = 0; s < senders; s++) {
            int id = s;
            Runnable r = () -> {
                try {
                    for (int i = 0; i < each; i++) {
                        send(client, coid, 10, id, (long) id << 32 | i);
                        if (i % 5000 == 4999) {
                            Thread.sleep(2); // the receiver finds nothing, spins, parks
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            };
            threads.add(s % 2 == 0 ? Thread.ofVirtual().start(r) : Thread.ofPlatform().start(r));
        }
        takeInSendersOrder(server, chid, senders, each);
        for (Thread t : threads) {
            assertTrue(t.join(WAIT), "sender finished");
        }
        assertTrue(errors.isEmpty(), () -> "sender failed: " + errors);
        fails(Errno.ETIMEDOUT, () -> server.msgReceive(chid, ByteBuffer.allocate(Pulse.SIZE), null,
                Duration.ofMillis(20)), "nothing more");
    }

    /**
     * K8 with virtual senders that outnumber the carriers and a virtual receiver: senders that
     * lose the ring's tail to one another yield, and the receiver still gets its turn: every
     * pulse arrives, each sender's in order, within the wait.
     */
    @Test
    void k8VirtualSendersOutnumberingTheCarriersLeaveAVirtualReceiverItsTurn() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        int senders = 4 * Runtime.getRuntime().availableProcessors();
        int each = 20_000;
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        Thread receiver = Thread.ofVirtual().start(() -> {
            try {
                takeInSendersOrder(server, chid, senders, each);
            } catch (Throwable e) {
                errors.add(e);
            }
        });
        List<Thread> threads = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            int id = s;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < each; i++) {
                        send(client, coid, 10, id, (long) id << 32 | i);
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        for (Thread t : threads) {
            assertTrue(t.join(WAIT), "sender finished");
        }
        assertTrue(receiver.join(WAIT), "the receiver took every pulse");
        assertTrue(errors.isEmpty(), () -> "failed: " + errors);
    }

    @Test
    void k11SeveralReceiversOfBothKindsTakeEachPulseOnce() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        int senders = 4;
        int each = 20_000;
        int total = senders * each;
        BitSet seen = new BitSet(total);
        AtomicBoolean twice = new AtomicBoolean();
        int[] taken = new int[1];
        Object guard = new Object();
        List<Future<Integer>> receivers = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            boolean pulseOnly = r == 0;
            receivers.add(async(() -> {
                ByteBuffer b = ByteBuffer.allocate(Pulse.SIZE);
                int mine = 0;
                for (;;) {
                    long v;
                    if (pulseOnly) {
                        v = server.msgReceivePulse(chid, WAIT).value();
                    } else {
                        b.clear();
                        server.msgReceive(chid, b, null, WAIT);
                        v = Pulse.from(b.flip()).value();
                    }
                    if (v < 0) {
                        return mine;
                    }
                    mine++;
                    synchronized (guard) {
                        if (seen.get((int) v)) {
                            twice.set(true);
                        }
                        seen.set((int) v);
                        taken[0]++;
                    }
                }
            }));
        }
        List<Thread> threads = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            int id = s;
            Runnable run = () -> {
                for (int i = 0; i < each; i++) {
                    send(client, coid, 1 + (i % 4) * 20, id, (long) id * each + i);
                }
            };
            threads.add(s % 2 == 0 ? Thread.ofVirtual().start(run) : Thread.ofPlatform().start(run));
        }
        for (Thread t : threads) {
            assertTrue(t.join(WAIT), "sender finished");
        }
        eventually("every pulse taken", () -> {
            synchronized (guard) {
                return taken[0] == total;
            }
        });
        for (int r = 0; r < 3; r++) {
            client.msgSendPulse(coid, 1, 1, -1);
        }
        int sum = 0;
        for (Future<Integer> f : receivers) {
            sum += f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        assertEquals(total, sum);
        assertEquals(total, seen.cardinality(), "none lost");
        assertTrue(!twice.get(), "none taken twice");
    }

    /**
     * K9, K10 with pulses set aside: a receive under the lock takes one pulse and sets the next
     * ones of its priority aside for receives without the lock. A message of equal priority sent
     * meanwhile still comes after every one of them, a message or pulse of higher priority
     * before the rest, and a kernel pulse after them (K12).
     */
    @Test
    void k9PulsesSetAsideForReceivesWithoutTheLockKeepPriorityThenAgeAgainstLaterMessagesAndPulses()
            throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(ChannelFlags.DISCONNECT);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        for (int i = 0; i < 40; i++) {
            client.msgSendPulse(coid, 10, 1, i);
        }
        ByteBuffer b = ByteBuffer.allocate(64);
        List<String> order = new ArrayList<>();
        List<Integer> priorities = new ArrayList<>();
        // The first receive sets pulses 1..39 aside; 1 and 2 are then taken without the lock.
        for (int i = 0; i < 3; i++) {
            order.add(receive(server, chid, b, priorities));
        }
        Future<Integer> same = sendAt(client, coid, 10, "same");
        order.add(receive(server, chid, b, priorities));
        client.msgSendPulse(coid, 30, 2, 0);
        order.add(receive(server, chid, b, priorities));
        Future<Integer> higher = sendAt(client, coid, 20, "higher");
        order.add(receive(server, chid, b, priorities));
        client.msgSendPulse(coid, 10, 3, 0);
        for (int i = 0; i < 38; i++) {
            order.add(receive(server, chid, b, priorities));
        }
        List<String> expected = new ArrayList<>(List.of("p1:0", "p1:1", "p1:2", "p1:3", "p2:0", "higher"));
        List<Integer> expectedPriorities = new ArrayList<>(List.of(10, 10, 10, 10, 30, 20));
        for (int i = 4; i < 40; i++) {
            expected.add("p1:" + i);
            expectedPriorities.add(10);
        }
        expected.addAll(List.of("same", "p3:0"));
        expectedPriorities.addAll(List.of(10, 10));
        assertEquals(expected, order);
        assertEquals(expectedPriorities, priorities, "K10: each item's priority");
        assertEquals(0, await(same));
        assertEquals(0, await(higher));
        // Set aside again, then a kernel pulse: it comes after them.
        for (int i = 0; i < 5; i++) {
            client.msgSendPulse(coid, 10, 4, i);
        }
        b.clear();
        assertEquals(0, server.msgReceive(chid, b, null, WAIT));
        assertEquals(0, Pulse.from(b.flip()).value());
        client.connectDetach(coid);
        for (int i = 1; i < 5; i++) {
            assertEquals(i, server.msgReceivePulse(chid, WAIT).value());
        }
        assertEquals(PulseCode.DISCONNECT, server.msgReceivePulse(chid, WAIT).code());
    }

    private static String receive(Kernel server, int chid, ByteBuffer b, List<Integer> priorities) {
        b.clear();
        long rcvid = server.msgReceive(chid, b, null, WAIT);
        priorities.add(server.priority());
        if (rcvid == 0) {
            Pulse p = Pulse.from(b.flip());
            return "p" + p.code() + ":" + p.value();
        }
        String m = text(b);
        server.msgReply(rcvid, 0, null);
        return m;
    }

    /**
     * K8 with pulses set aside: they count against the channel's limit until taken, exactly: as
     * many pulses fit as were taken, with or without the lock, then EAGAIN; a pulse set aside
     * and received into a buffer too small is lost with EFAULT, and the next comes after it.
     */
    @Test
    void k8EagainAtTheLimitCountsPulsesSetAsideAndEfaultLosesOneOfThem() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        int limit = 1 << 16;
        for (int i = 0; i < limit; i++) {
            client.msgSendPulse(coid, 10, 1, i);
        }
        fails(Errno.EAGAIN, () -> client.msgSendPulse(coid, 10, 1, -1), "the queue holds its limit");
        ByteBuffer b = ByteBuffer.allocate(Pulse.SIZE);
        for (int i = 0; i < 10; i++) {
            b.clear();
            assertEquals(0, server.msgReceive(chid, b, null, WAIT));
            assertEquals(i, Pulse.from(b.flip()).value());
        }
        for (int i = 0; i < 10; i++) {
            client.msgSendPulse(coid, 10, 1, limit + i);
        }
        fails(Errno.EAGAIN, () -> client.msgSendPulse(coid, 10, 1, -1), "ten taken, ten more fit");
        fails(Errno.EAGAIN, () -> client.msgSendPulse(coid, 200, 1, -1), "whatever the priority");
        // A receive under the lock takes pulse 10 and sets 11.. aside; 11 is lost with EFAULT.
        b.clear();
        assertEquals(0, server.msgReceive(chid, b, null, WAIT));
        assertEquals(10, Pulse.from(b.flip()).value());
        fails(Errno.EFAULT, () -> server.msgReceive(chid, ByteBuffer.allocate(Pulse.SIZE - 1), null, WAIT),
                "a buffer smaller than a pulse");
        client.msgSendPulse(coid, 10, 1, limit + 10);
        client.msgSendPulse(coid, 10, 1, limit + 11);
        fails(Errno.EAGAIN, () -> client.msgSendPulse(coid, 10, 1, -1), "two taken, one of them lost: two fit");
        for (int i = 12; i < limit + 12; i++) {
            b.clear();
            assertEquals(0, server.msgReceive(chid, b, null, WAIT));
            assertEquals(i, Pulse.from(b.flip()).value(), "pulse " + i + " in order, pulse 11 lost");
        }
        fails(Errno.ETIMEDOUT, () -> server.msgReceive(chid, b.clear(), null, Duration.ofMillis(10)), "none left");
    }

    /**
     * Receives {@code senders * each} pulses whose values are a sender's id (high 32 bits) and
     * its count (low): each sender's arrive in order, none lost or repeated, and all of them.
     */
    private static void takeInSendersOrder(Kernel server, int chid, int senders, int each) {
        long[] next = new long[senders];
        ByteBuffer b = ByteBuffer.allocate(Pulse.SIZE);
        for (int n = 0; n < senders * each; n++) {
            b.clear();
            assertEquals(0, server.msgReceive(chid, b, null, WAIT), "pulse " + n);
            long v = Pulse.from(b.flip()).value();
            int id = (int) (v >>> 32);
            assertEquals(next[id], (int) v, "sender " + id + "'s pulses in order, none lost or repeated");
            next[id]++;
        }
        for (int s = 0; s < senders; s++) {
            assertEquals(each, next[s], "all of sender " + s + "'s pulses");
        }
    }

    private static void send(Kernel client, int coid, int priority, int code, long value) {
        for (;;) {
            try {
                client.msgSendPulse(coid, priority, code, value);
                return;
            } catch (KernelException e) {
                if (e.errno() != Errno.EAGAIN) {
                    throw e;
                }
                // Full: try again later. Not Thread.yield(): virtual senders yielding to one
                // another can keep a virtual sender that was handed the channel's lock off the
                // carriers, and the receiver waits behind it.
                LockSupport.parkNanos(50_000);
            }
        }
    }

    private Future<Integer> sendAt(Kernel client, int coid, int priority, String msg) throws InterruptedException {
        long before = sendBlocked(client);
        Future<Integer> f = async(() -> {
            client.setPriority(priority);
            return client.msgSend(coid, text(msg), null);
        });
        eventually("sender of " + msg + " is queued", () -> sendBlocked(client) == before + 1);
        return f;
    }

    private long sendBlocked(Kernel client) {
        return mk.processes().stream().filter(p -> p.pid() == client.pid()).flatMap(p -> p.threads().stream())
                .filter(t -> t.state() == ThreadState.SEND).count();
    }
}
