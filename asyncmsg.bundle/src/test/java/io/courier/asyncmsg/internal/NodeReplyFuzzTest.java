package io.courier.asyncmsg.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The outcomes a gateway of another JVM or node tells in its reply to a batch (issue 20, B2;
 * issue 21, B3), as the sending side checks them before any is believed
 * ({@link NodeBatchLayout#checkOutcomes}): the failures alone, each at its place among the
 * outcomes told, with its errno. Well-formed replies read back as written; anything else, made
 * on purpose or at random, is refused with EIO and nothing else, and never yields a place or an
 * errno that is not one.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NodeReplyFuzzTest {
    private static final int[] ERRNOS = Arrays.stream(Errno.values()).mapToInt(Errno::code).filter(c -> c != 0).toArray();

    private final int[] at = new int[NodeBatchLayout.MAX_OUTCOMES];
    private final int[] err = new int[NodeBatchLayout.MAX_OUTCOMES];

    /** A reply telling {@code m} outcomes from {@code from}, those at {@code places} failed with {@code errnos}. */
    private static ByteBuffer reply(int flags, int m, long from, int[] places, int[] errnos) {
        ByteBuffer r = NodeBatchLayout.reply(places.length);
        r.putInt(0, flags).putInt(NodeBatchLayout.OUT_COUNT, m).putLong(NodeBatchLayout.OUT_FROM, from)
                .putInt(NodeBatchLayout.OUT_FAILED, places.length);
        for (int k = 0; k < places.length; k++) {
            r.putInt(NodeBatchLayout.REPLY_HEADER + NodeBatchLayout.FAILURE * k, places[k])
                    .putInt(NodeBatchLayout.REPLY_HEADER + NodeBatchLayout.FAILURE * k + 4, errnos[k]);
        }
        return r;
    }

    @Test
    void b2WellFormedRepliesReadBackAsWritten() {
        SplittableRandom rnd = new SplittableRandom(2020);
        for (int round = 0; round < 2_000; round++) {
            int m = rnd.nextInt(NodeBatchLayout.MAX_OUTCOMES + 1);
            int[] places = rnd.ints(0, Math.max(1, m)).limit(m == 0 ? 0 : rnd.nextInt(Math.min(m, 40) + 1)).distinct().sorted().toArray();
            int[] errnos = new int[places.length];
            for (int k = 0; k < errnos.length; k++) {
                errnos[k] = ERRNOS[rnd.nextInt(ERRNOS.length)];
            }
            ByteBuffer r = reply(rnd.nextBoolean() ? NodeBatchLayout.DEAD : 0, m, rnd.nextLong(Long.MAX_VALUE), places, errnos);
            int f = NodeBatchLayout.checkOutcomes(r, r.limit(), at, err);
            assertEquals(places.length, f, "round " + round);
            assertArrayEquals(places, Arrays.copyOf(at, f), "round " + round);
            assertArrayEquals(errnos, Arrays.copyOf(err, f), "round " + round);
        }
        ByteBuffer allGot = reply(0, NodeBatchLayout.MAX_OUTCOMES, 7, new int[0], new int[0]);
        assertEquals(NodeBatchLayout.REPLY_HEADER, allGot.limit(), "outcomes all delivered take the header alone");
        assertEquals(0, NodeBatchLayout.checkOutcomes(allGot, allGot.limit(), at, err));
    }

    @Test
    void b2EachWayAReplyCanBeWrongIsRefusedWithEio() {
        int eio = Errno.EIO.code();
        int esrch = Errno.ESRCH.code();
        refused(reply(2, 3, 0, new int[0], new int[0]), "an unknown flag");
        refused(reply(0, 3, -1, new int[0], new int[0]), "a negative first index");
        refused(reply(0, -1, 0, new int[0], new int[0]), "a negative count");
        refused(reply(0, NodeBatchLayout.MAX_OUTCOMES + 1, 0, new int[0], new int[0]), "more outcomes than a reply tells");
        refused(reply(0, 1, 0, new int[] {0, 1}, new int[] {eio, eio}), "more failures than outcomes");
        refused(reply(0, 3, 0, new int[] {3}, new int[] {eio}), "a failure past the outcomes");
        refused(reply(0, 3, 0, new int[] {-1}, new int[] {eio}), "a failure before the first");
        refused(reply(0, 3, 0, new int[] {1, 1}, new int[] {eio, esrch}), "one message failed twice");
        refused(reply(0, 3, 0, new int[] {2, 1}, new int[] {eio, esrch}), "failures out of order");
        refused(reply(0, 3, 0, new int[] {1}, new int[] {0}), "a failure with errno 0");
        refused(reply(0, 3, 0, new int[] {1}, new int[] {-5}), "a negative errno");
        refused(reply(0, 3, 0, new int[] {1}, new int[] {1 << 20}), "an errno that is none");
        ByteBuffer reserved = reply(0, 3, 0, new int[0], new int[0]);
        reserved.putInt(NodeBatchLayout.OUT_RESERVED, 1);
        refused(reserved, "the reserved word set");
        ByteBuffer oneFailure = reply(0, 3, 0, new int[] {1}, new int[] {eio});
        assertEquals(1, NodeBatchLayout.checkOutcomes(oneFailure, oneFailure.limit(), at, err), "the good one is taken");
        refusedAt(oneFailure, oneFailure.limit() - 4, "a failure cut short");
        refusedAt(oneFailure, NodeBatchLayout.REPLY_HEADER, "a failure announced and missing");
        refusedAt(oneFailure, NodeBatchLayout.REPLY_HEADER - 1, "a header cut short");
        ByteBuffer longer = ByteBuffer.allocate(oneFailure.limit() + 8).order(ByteOrder.nativeOrder()).put(oneFailure).flip();
        refusedAt(longer, longer.capacity(), "trailing bytes");
        refusedAt(oneFailure, oneFailure.capacity() + 1, "a length past the buffer");
    }

    /**
     * Random bytes and random changes of a good reply: each is refused with EIO or read as a
     * reply that keeps every rule (a failure count within the count, rising places within it,
     * errnos that are ones).
     */
    @Test
    void b2RepliesOfRandomBytesAreRefusedOrKeepEveryRule() {
        SplittableRandom rnd = new SplittableRandom(21);
        int taken = 0;
        for (int round = 0; round < 20_000; round++) {
            ByteBuffer r;
            if (rnd.nextBoolean()) {
                byte[] junk = new byte[rnd.nextInt(NodeBatchLayout.REPLY_HEADER + 8 * NodeBatchLayout.FAILURE)];
                rnd.nextBytes(junk);
                r = ByteBuffer.wrap(junk).order(ByteOrder.nativeOrder());
            } else {
                r = reply(0, 1 + rnd.nextInt(16), rnd.nextInt(1000), new int[] {0, 2}, new int[] {Errno.ESRCH.code(), Errno.EIO.code()});
                int bytes = 1 + rnd.nextInt(4);
                for (int b = 0; b < bytes; b++) {
                    int i = rnd.nextInt(r.limit());
                    r.put(i, (byte) (r.get(i) ^ (1 << rnd.nextInt(8))));
                }
            }
            int len = rnd.nextInt(8) == 0 ? rnd.nextInt(r.capacity() + 2) : r.limit();
            int f;
            try {
                f = NodeBatchLayout.checkOutcomes(r, len, at, err);
            } catch (KernelException e) {
                assertEquals(Errno.EIO, e.errno(), "round " + round + ": " + e.getMessage());
                continue;
            } catch (RuntimeException e) {
                fail("round " + round + ": " + e);
                return;
            }
            taken++;
            int m = r.getInt(NodeBatchLayout.OUT_COUNT);
            assertTrue(f >= 0 && f <= m && m <= NodeBatchLayout.MAX_OUTCOMES, "round " + round);
            assertEquals(NodeBatchLayout.REPLY_HEADER + NodeBatchLayout.FAILURE * f, len, "round " + round);
            for (int k = 0; k < f; k++) {
                assertTrue(at[k] >= 0 && at[k] < m && (k == 0 || at[k] > at[k - 1]), "round " + round);
                int code = err[k];
                assertTrue(code != 0 && Arrays.stream(ERRNOS).anyMatch(c -> c == code), "round " + round);
            }
        }
        assertTrue(taken > 0 && taken < 20_000, "some changes keep a reply good (a bit of its first index), most do not: " + taken);
    }

    private void refused(ByteBuffer r, String what) {
        refusedAt(r, r.limit(), what);
    }

    private void refusedAt(ByteBuffer r, int len, String what) {
        KernelException e = assertThrows(KernelException.class, () -> NodeBatchLayout.checkOutcomes(r, len, at, err), what);
        assertEquals(Errno.EIO, e.errno(), what);
    }
}
