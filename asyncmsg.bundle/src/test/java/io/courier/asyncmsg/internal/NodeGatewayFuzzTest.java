package io.courier.asyncmsg.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.courier.asyncmsg.internal.node.AsyncNodeTestSupport;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The asyncmsg gateway of another JVM fed malformed requests on purpose (issue 20, B2: every
 * length and count read from a message is bounds-checked): each is refused with an errno, none
 * delivers a message or moves the connection's sequence, and the connection then carries a
 * well-formed batch as if nothing had happened.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NodeGatewayFuzzTest extends AsyncNodeTestSupport {
    private static final Set<Errno> REFUSALS = Set.of(Errno.EINVAL, Errno.EMSGSIZE, Errno.ESRCH);

    @Test
    void malformedBatchesAreRefusedWithoutHarm() throws Exception {
        Child c = child("numbers", "0");
        String[] ready = c.expect("READY ").split(" ");
        int pid = Integer.parseInt(ready[1]);
        int chid = Integer.parseInt(ready[2]);
        Kernel k = mk.process("fuzzer");
        int member = mk.nodeMemberOf(pid);
        assertTrue(member >= 0, "the child is another member");
        int coid = k.nameOpen(NodeGateway.name(member), 0);

        ByteBuffer attach = attach(pid, chid, 77);
        // An attach without its resume index, or with a negative one, is malformed.
        for (int len : new int[] {NodeBatchLayout.HEADER, NodeBatchLayout.ATTACH_LENGTH}) {
            ByteBuffer bad = ByteBuffer.allocate(len).order(ByteOrder.nativeOrder());
            bad.put(0, attach, 0, len);
            if (len == NodeBatchLayout.ATTACH_LENGTH) {
                bad.putLong(NodeBatchLayout.HEADER, -1);
            }
            try {
                k.msgSend(coid, bad, ByteBuffer.allocate(8));
                fail("a malformed attach of " + len + " bytes was answered");
            } catch (KernelException e) {
                assertEquals(Errno.EINVAL, e.errno());
            }
        }
        ByteBuffer next = ByteBuffer.allocate(NodeBatchLayout.ATTACH_REPLY).order(ByteOrder.nativeOrder());
        int token = k.msgSend(coid, attach, next);
        assertEquals(0, next.getLong(0), "a first attach starts at message 0");

        SplittableRandom rnd = new SplittableRandom(20);
        for (int round = 0; round < 3_000; round++) {
            assertRefused(k, coid, malformed(rnd, token), "round " + round + ": a malformed request");
        }
        assertEquals(null, c.poll(200), "nothing was delivered");

        ByteBuffer good = batch(token, 0, new long[] {7, 8, 9});
        ByteBuffer reply = NodeBatchLayout.reply(NodeBatchLayout.MAX_OUTCOMES);
        assertEquals(3, k.msgSend(coid, good, reply), "the batch is taken");
        assertEquals("GOT " + k.pid() + " 77 7,8,9", c.expect("GOT "));
        assertEquals(3, outcomes(k, coid, token, reply, 0, 3), "each message's outcome is told once, in order");
        for (int round = 0; round < 500; round++) {
            assertRefused(k, coid, malformedWait(rnd, token), "round " + round + ": a malformed wait");
        }
        reply.clear();
        assertEquals(3, k.msgSend(coid, batch(token, 3, new long[] {10, 11, 12}), reply),
                "the sequence moved by the good batch only");
        assertEquals("GOT " + k.pid() + " 77 10,11,12", c.expect("GOT "));
        assertEquals(6, outcomes(k, coid, token, reply, 3, 6), "told from where the last outcome was");
    }

    /**
     * A batch is answered as soon as the gateway took it, while the one before is still unread
     * there (the next batch travels meanwhile); what a client has sent without an outcome told is
     * bounded by its window (twice its slots): a batch past it is refused and changes nothing; the
     * outcomes come by WAIT once the server got the messages, in order.
     */
    @Test
    void b2ABatchIsTakenWhileTheLastIsUnreadAndTheWindowBoundsWhatIsInFlight() throws Exception {
        Child c = child("numbers", "3000"); // the server sleeps 3 s after each get
        String[] ready = c.expect("READY ").split(" ");
        int pid = Integer.parseInt(ready[1]);
        int chid = Integer.parseInt(ready[2]);
        Kernel k = mk.process("pipeliner");
        int coid = k.nameOpen(NodeGateway.name(mk.nodeMemberOf(pid)), 0);
        int token = k.msgSend(coid, attach(pid, chid, 78), ByteBuffer.allocate(NodeBatchLayout.ATTACH_REPLY).order(ByteOrder.nativeOrder()));
        assertEquals(16, NodeBatchLayout.window(8), "twice the slots");

        ByteBuffer reply = NodeBatchLayout.reply(NodeBatchLayout.MAX_OUTCOMES);
        assertEquals(8, k.msgSend(coid, batch(token, 0, numbers(0, 8)), reply));
        assertEquals("GOT " + k.pid() + " 78 0,1,2,3,4,5,6,7", c.expect("GOT "), "the first batch is got at once");
        assertEquals(8, outcomes(k, coid, token, reply, 0, 8));
        // The server now sleeps: the next batches are taken and answered all the same.
        long t0 = System.nanoTime();
        reply.clear();
        assertEquals(8, k.msgSend(coid, batch(token, 8, numbers(8, 8)), reply), "taken while the server sleeps");
        assertEquals(0, reply.getInt(NodeBatchLayout.OUT_COUNT), "nothing of it got yet");
        reply.clear();
        assertEquals(8, k.msgSend(coid, batch(token, 16, numbers(16, 8)), reply), "a second batch in flight");
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "answered before the server woke");
        assertEquals(null, c.poll(100), "neither batch was got yet");
        // 16 sent without an outcome: one more is past the window.
        try {
            k.msgSend(coid, batch(token, 24, numbers(24, 1)), NodeBatchLayout.reply(16));
            fail("a batch past the window was taken");
        } catch (KernelException e) {
            assertEquals(Errno.EINVAL, e.errno());
        }
        // The outcomes come once the server got them (after its sleep), in order, once each; till
        // then a WAIT is held for WAIT_HOLD_NANOS and answered with none.
        int empty = 0;
        for (;;) {
            reply.clear();
            long w0 = System.nanoTime();
            assertEquals(0, k.msgSend(coid, await(token, 8), reply), "a wait's status");
            if (reply.getInt(NodeBatchLayout.OUT_COUNT) > 0) {
                break;
            }
            assertTrue(System.nanoTime() - w0 >= NodeBatchLayout.WAIT_HOLD_NANOS - 1_000_000L, "held, then answered with none");
            assertEquals(8, reply.getLong(NodeBatchLayout.OUT_FROM), "still from the first without an outcome");
            assertTrue(System.nanoTime() - t0 < 20_000_000_000L, "the outcomes came");
            empty++;
        }
        assertTrue(System.nanoTime() - t0 > 1_500_000_000L, "outcomes only once the server woke and got them");
        assertTrue(empty > 10, "waits answered with none while the server slept: " + empty);
        assertEquals(24, outcomes(k, coid, token, reply, 8, 24));
        assertEquals("GOT " + k.pid() + " 78 8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23", c.expect("GOT "),
                "both batches, in order, once; the refused one not at all");
        reply.clear();
        assertEquals(1, k.msgSend(coid, batch(token, 24, numbers(24, 1)), reply), "room again once told");
        long told = 24 + reply.getInt(NodeBatchLayout.OUT_COUNT);
        // A batch that fills a client's window is answered as a WAIT: held while no outcome is known.
        ByteBuffer last = batch(token, 25, numbers(25, 1)).putInt(NodeBatchLayout.OP, NodeBatchLayout.BATCH_WAIT);
        reply.clear();
        long w0 = System.nanoTime();
        assertEquals(1, k.msgSend(coid, last, reply), "a BATCH_WAIT's status is its count");
        assertTrue(reply.getInt(NodeBatchLayout.OUT_COUNT) > 0 || System.nanoTime() - w0 >= NodeBatchLayout.WAIT_HOLD_NANOS - 1_000_000L,
                "answered with outcomes, or with none once held");
        assertEquals(26, outcomes(k, coid, token, reply, told, 26));
    }

    private static long[] numbers(long from, int n) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = from + i;
        }
        return a;
    }

    /**
     * The outcomes of the messages from {@code first} up to {@code end}: those the batch's reply
     * (in {@code reply}) told, then WAITs until every one is told; each must be "delivered" and
     * start where the last ended. Returns the end reached.
     */
    private static long outcomes(Kernel k, int coid, int token, ByteBuffer reply, long first, long end) {
        long at = first;
        for (int asked = 0;; asked++) {
            assertEquals(0, reply.getInt(NodeBatchLayout.OUT_FAILED), "every one delivered: none failed");
            assertEquals(NodeBatchLayout.REPLY_HEADER, reply.position(), "the reply is its header alone");
            assertEquals(0, reply.getInt(0), "not dead");
            int m = reply.getInt(NodeBatchLayout.OUT_COUNT);
            assertEquals(at, reply.getLong(NodeBatchLayout.OUT_FROM), "told from the first without an outcome");
            at += m;
            assertTrue(at <= end, "no outcome of a message not sent");
            if (at == end) {
                return at;
            }
            assertTrue(asked < 5_000, "the outcomes come (waits held 10 ms each, the server sleeps 3 s)");
            reply.clear();
            assertEquals(0, k.msgSend(coid, await(token, at), reply), "a wait's status");
        }
    }

    /** A WAIT for the outcomes from message {@code first}. */
    static ByteBuffer await(int token, long first) {
        ByteBuffer b = NodeBatchLayout.header();
        b.putInt(0, NodeBatchLayout.MAGIC).putInt(NodeBatchLayout.OP, NodeBatchLayout.WAIT)
                .putInt(NodeBatchLayout.TOKEN, token).putLong(NodeBatchLayout.SEQ, first);
        return b;
    }

    /** A WAIT broken in one of several ways (never a good one: that would be held until outcomes come). */
    static ByteBuffer malformedWait(SplittableRandom rnd, int token) {
        ByteBuffer b = await(token, 3);
        switch (rnd.nextInt(6)) {
            case 0 -> b.putLong(NodeBatchLayout.SEQ, pick(rnd, 0, 1, 2, 4, -1, 1_000_000, Long.MAX_VALUE));
            case 1 -> b.putInt(NodeBatchLayout.COUNT, pick(rnd, 1, -1, 3, Integer.MAX_VALUE));
            case 2 -> b.putInt(NodeBatchLayout.BYTES, pick(rnd, 1, -1, 8, Integer.MIN_VALUE));
            case 3 -> b.putInt(NodeBatchLayout.RESERVED, 1 + rnd.nextInt(1000));
            case 4 -> b.putInt(NodeBatchLayout.TOKEN, token + 1 + rnd.nextInt(1000));
            default -> {
                ByteBuffer longer = ByteBuffer.allocate(NodeBatchLayout.HEADER + 1 + rnd.nextInt(64)).order(ByteOrder.nativeOrder());
                longer.put(b).clear();
                return rnd.nextBoolean() ? longer : b.limit(rnd.nextInt(NodeBatchLayout.HEADER)); // trailing or truncated
            }
        }
        return b;
    }

    /** A first ATTACH of client coid {@code clientCoid} to {@code pid}/{@code chid}: 64-byte buffers, 8 slots. */
    static ByteBuffer attach(int pid, int chid, int clientCoid) {
        ByteBuffer attach = ByteBuffer.allocate(NodeBatchLayout.ATTACH_LENGTH).order(ByteOrder.nativeOrder());
        attach.putInt(0, NodeBatchLayout.MAGIC).putInt(NodeBatchLayout.OP, NodeBatchLayout.ATTACH)
                .putInt(NodeBatchLayout.PID, pid).putInt(NodeBatchLayout.CHID, chid)
                .putInt(NodeBatchLayout.CLIENT_COID, clientCoid).putInt(NodeBatchLayout.BUFFER_SIZE, 64)
                .putInt(NodeBatchLayout.MAX_NUM_BUFFER, 8).putLong(NodeBatchLayout.HEADER, 0);
        return attach;
    }

    /** {@code bad} is refused with one of {@link #REFUSALS}, not answered. */
    private static void assertRefused(Kernel k, int coid, ByteBuffer bad, String what) {
        try {
            int status = k.msgSend(coid, bad, NodeBatchLayout.reply(16));
            fail(what + " was answered " + status);
        } catch (KernelException e) {
            assertTrue(REFUSALS.contains(e.errno()), what + ": " + e);
        }
    }

    /** A well-formed batch of 8-byte numbers. */
    static ByteBuffer batch(int token, long seq, long[] numbers) {
        int n = numbers.length;
        ByteBuffer b = ByteBuffer.allocate(NodeBatchLayout.HEADER + 4 * n + 8 * n).order(ByteOrder.nativeOrder());
        b.putInt(0, NodeBatchLayout.MAGIC).putInt(NodeBatchLayout.OP, NodeBatchLayout.BATCH)
                .putInt(NodeBatchLayout.TOKEN, token).putInt(NodeBatchLayout.COUNT, n).putLong(NodeBatchLayout.SEQ, seq)
                .putInt(NodeBatchLayout.BYTES, 8 * n);
        for (int i = 0; i < n; i++) {
            b.putInt(NodeBatchLayout.HEADER + 4 * i, 8);
            b.order(ByteOrder.BIG_ENDIAN).putLong(NodeBatchLayout.HEADER + 4 * n + 8 * i, numbers[i]);
            b.order(ByteOrder.nativeOrder());
        }
        return b;
    }

    /** A batch request broken in one of many ways, each of which makes it malformed. */
    static ByteBuffer malformed(SplittableRandom rnd, int token) {
        int n = 1 + rnd.nextInt(8);
        long[] nums = new long[n];
        ByteBuffer b = batch(token, 0, nums);
        int table = NodeBatchLayout.HEADER;
        switch (rnd.nextInt(11)) {
            case 0 -> {
                byte[] junk = new byte[rnd.nextInt(300)];
                rnd.nextBytes(junk);
                ByteBuffer j = ByteBuffer.wrap(junk).order(ByteOrder.nativeOrder());
                if (junk.length >= 4 && j.getInt(0) == NodeBatchLayout.MAGIC) {
                    j.putInt(0, 0);
                }
                if (junk.length >= 2 && (j.getShort(0) & 0xFFFF) == io.courier.kernel.IoMsg.IO_CONNECT) {
                    j.putShort(0, (short) 0);
                }
                return j;
            }
            case 1 -> b.putInt(NodeBatchLayout.COUNT, pick(rnd, 0, -1, 9, 17, Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 20));
            case 2 -> b.putInt(NodeBatchLayout.BYTES, 8 * n + pick(rnd, 1, -1, 8, -8, Integer.MAX_VALUE / 2, Integer.MIN_VALUE));
            case 3 -> b.putInt(table + 4 * rnd.nextInt(n), pick(rnd, -1, 65, 9, 7, 0, Integer.MAX_VALUE, Integer.MIN_VALUE));
            case 4 -> b.putLong(NodeBatchLayout.SEQ, pick(rnd, 1, 2, -1, 1_000_000, Integer.MAX_VALUE));
            case 5 -> b.putInt(NodeBatchLayout.TOKEN, token + 1 + rnd.nextInt(1000));
            case 6 -> b.putInt(NodeBatchLayout.OP, pick(rnd, 0, 4, -1, 99, Integer.MAX_VALUE));
            case 7 -> b.putInt(NodeBatchLayout.RESERVED, 1 + rnd.nextInt(1000));
            case 8 -> {
                return b.limit(rnd.nextInt(b.limit())); // truncated
            }
            case 9 -> {
                ByteBuffer longer = ByteBuffer.allocate(b.capacity() + 1 + rnd.nextInt(64)).order(ByteOrder.nativeOrder());
                longer.put(b).clear();
                return longer; // trailing bytes beyond the announced messages
            }
            default -> {
                ByteBuffer big = ByteBuffer.allocate(NodeBatchLayout.MAX_REQUEST + 1 + rnd.nextInt(1024))
                        .order(ByteOrder.nativeOrder());
                big.put(b).clear();
                return big; // longer than any request
            }
        }
        return b;
    }

    private static int pick(SplittableRandom rnd, int... values) {
        return values[rnd.nextInt(values.length)];
    }

    private static long pick(SplittableRandom rnd, long... values) {
        return values[rnd.nextInt(values.length)];
    }
}
