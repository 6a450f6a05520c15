package io.courier.node.internal;

import static io.courier.node.internal.RingLayout.HEADER_SIZE;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.node.CorruptRingException;
import io.courier.node.NodeTestSupport;
import io.courier.node.RecordHandler;
import io.courier.node.Ring;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Garbage in a ring, written on purpose as a faulty or hostile peer would: the reader reports a
 * {@link CorruptRingException} naming the peer, and never reads out of bounds, crashes or hangs.
 * Each test runs on a thread of its own so that a hang is a failure at the timeout: a ring call
 * that loops never sees the interrupt a timeout on the test's own thread would send.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RingCorruptionTest extends NodeTestSupport {
    private static final int CAPACITY = 512;
    private static final String PEER = "jvm 4242";

    private Arena raw;
    /** The ring file as another JVM maps it. */
    private MemorySegment file;
    private RingImpl producer;
    private RingImpl consumer;

    @BeforeEach
    void open() {
        producer = (RingImpl) Ring.create(folder, "ring", CAPACITY, PEER);
        consumer = (RingImpl) Ring.open(folder, "ring", PEER);
        raw = Arena.ofShared();
        file = ((NodeFolderImpl) folder).map("ring", HEADER_SIZE + CAPACITY, HEADER_SIZE + CAPACITY, raw);
    }

    @AfterEach
    void close() {
        producer.close();
        consumer.close();
        raw.close();
    }

    private void send(int n, int payload) {
        for (int i = 0; i < n; i++) {
            assertTrue(producer.offer(1, MemorySegment.ofArray(new byte[payload]), 0, payload));
        }
    }

    private CorruptRingException corruptSeenByConsumer() {
        CorruptRingException e = assertThrows(CorruptRingException.class, consumer::available);
        assertEquals(PEER, e.peer());
        assertEquals("ring", e.ring());
        // It stays corrupt, whatever is called.
        assertSame(e, assertThrows(CorruptRingException.class, () -> consumer.poll((t, s, o, l) -> { }, 1)));
        assertSame(e, assertThrows(CorruptRingException.class, () -> consumer.read(new ByteBuffer[0])));
        assertSame(e, assertThrows(CorruptRingException.class, () -> consumer.await(1_000_000)));
        return e;
    }

    @Test
    void aTailBeyondTheCapacityIsCorruption() {
        send(1, 8);
        file.set(JAVA_LONG, RingLayout.TAIL_OFFSET, 1L << 40);
        assertTrue(corruptSeenByConsumer().getMessage().contains("tail"));
    }

    @Test
    void aTailBehindTheHeadIsCorruption() {
        send(2, 8);
        assertEquals(8, consumer.read(new ByteBuffer[0]));
        file.set(JAVA_LONG, RingLayout.TAIL_OFFSET, 0);
        corruptSeenByConsumer();
    }

    @Test
    void aRecordLongerThanTheRestOfTheDataAreaIsCorruption() {
        send(1, 8);
        file.set(JAVA_INT, HEADER_SIZE, CAPACITY + 8);
        assertTrue(corruptSeenByConsumer().getMessage().contains("length"));
    }

    @Test
    void aRecordShorterThanItsHeaderOrNegativeIsCorruption() {
        send(1, 8);
        file.set(JAVA_INT, HEADER_SIZE, 3);
        corruptSeenByConsumer();
    }

    @Test
    void aNegativeLengthIsCorruption() {
        send(1, 8);
        file.set(JAVA_INT, HEADER_SIZE, -16);
        corruptSeenByConsumer();
    }

    @Test
    void aRecordBeyondTheTailIsCorruption() {
        send(1, 8); // 16 bytes published
        file.set(JAVA_INT, HEADER_SIZE, 200); // claims 200, tail says 16
        corruptSeenByConsumer();
    }

    @Test
    void paddingThatDoesNotEndTheDataAreaIsCorruption() {
        send(1, 8);
        file.set(JAVA_INT, HEADER_SIZE + 4, RingLayout.PADDING);
        assertTrue(corruptSeenByConsumer().getMessage().contains("padding"));
    }

    /**
     * Producers read the consumer's head only when the head they saw last leaves too little room
     * (B2): a head the consumer's side corrupted is corruption at that look, before any record
     * goes where the consumer has not been, never later.
     */
    @Test
    void aHeadCorruptedByTheConsumerSideIsCorruptionForTheProducer() {
        file.set(JAVA_LONG, RingLayout.HEAD_OFFSET, 1L << 40);
        // Records of 16 bytes: the room seen at open (a head of 0) holds CAPACITY / 16 of them.
        int offered = 0;
        CorruptRingException e = null;
        while (e == null && offered <= CAPACITY / 16) {
            try {
                assertTrue(producer.offer(1, MemorySegment.ofArray(new byte[8]), 0, 8), "room the seen head leaves");
                offered++;
            } catch (CorruptRingException c) {
                e = c;
            }
        }
        assertNotNull(e, "a corrupt head is seen once the room runs out");
        assertEquals(CAPACITY / 16, offered, "no record beyond the room the last sound head left");
        assertEquals(PEER, e.peer());
        // The same on a ring that was full: the first look at the head is the corrupt one.
        file.set(JAVA_LONG, RingLayout.HEAD_OFFSET, CAPACITY + (1L << 40));
        assertThrows(CorruptRingException.class, () -> producer.offer(1, MemorySegment.ofArray(new byte[8]), 0, 8));
        file.set(JAVA_LONG, RingLayout.HEAD_OFFSET, 0);
        file.set(JAVA_LONG, RingLayout.TAIL_OFFSET, 3);
        assertThrows(CorruptRingException.class, () -> producer.offer(1, MemorySegment.ofArray(new byte[8]), 0, 8));
    }

    @Test
    void aBadHeaderIsRefusedOnOpen() {
        file.set(JAVA_LONG, RingLayout.MAGIC_OFFSET, 0x1234);
        assertEquals(PEER, assertThrows(CorruptRingException.class, () -> Ring.open(folder, "ring", PEER)).peer());
        file.set(JAVA_LONG, RingLayout.MAGIC_OFFSET, RingLayout.MAGIC);
        file.set(JAVA_INT, RingLayout.CAPACITY_OFFSET, 1 << 20); // larger than the file
        assertThrows(CorruptRingException.class, () -> Ring.open(folder, "ring", PEER));
        file.set(JAVA_INT, RingLayout.CAPACITY_OFFSET, 500); // not a power of two
        assertThrows(CorruptRingException.class, () -> Ring.open(folder, "ring", PEER));
        file.set(JAVA_INT, RingLayout.CAPACITY_OFFSET, CAPACITY);
        file.set(JAVA_LONG, RingLayout.HEAD_OFFSET, 5); // unaligned
        assertThrows(CorruptRingException.class, () -> Ring.open(folder, "ring", PEER));
        file.set(JAVA_LONG, RingLayout.HEAD_OFFSET, 0);
        Ring.open(folder, "ring", PEER).close();
    }

    /** A record claimed but never published (its writer stalled) is not data and not a hang: the wait times out. */
    @Test
    void aRecordNeverPublishedMakesTheConsumerWaitNotHang() throws Exception {
        file.set(JAVA_LONG, RingLayout.TAIL_OFFSET, 64);
        assertFalse(consumer.available());
        long t0 = System.nanoTime();
        assertFalse(consumer.await(TimeUnit.MILLISECONDS.toNanos(200)));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
    }

    /**
     * 25,000 rounds: a sound ring with some traffic, then one to three random writes of garbage
     * into its header or data, then everything a reader or writer can do. Allowed outcomes:
     * records (their bytes are whatever the garbage made them), an empty ring, a full ring, or a
     * CorruptRingException naming the peer. Anything else (an out-of-bounds access, another
     * exception, a loop that does not end) fails.
     */
    @Test
    void fuzzRandomCorruptionsAreReportedNeverCrashOrHang() throws InterruptedException {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        SplittableRandom rnd = new SplittableRandom(seed);
        int rounds = 25_000;
        int[] outcomes = new int[3]; // clean, corrupt on read, corrupt on write
        long[] sink = new long[1];
        RecordHandler touch = (type, seg, off, len) -> {
            for (int i = 0; i < len; i++) {
                sink[0] += seg.get(JAVA_BYTE, off + i);
            }
        };
        ByteBuffer[] dsts = {ByteBuffer.allocate(64), ByteBuffer.allocateDirect(CAPACITY)};
        for (int round = 0; round < rounds; round++) {
            try {
                reset();
                RingImpl p = producer;
                RingImpl c = consumer;
                // Some traffic, some of it read, so the positions are anywhere and wrapped.
                int sent = rnd.nextInt(12);
                for (int i = 0; i < sent; i++) {
                    int len = rnd.nextInt(p.maxPayload() + 1);
                    if (!p.offer(1 + rnd.nextInt(9), MemorySegment.ofArray(new byte[len]), 0, len)) {
                        break;
                    }
                    if (rnd.nextBoolean()) {
                        c.poll(touch, 1);
                    }
                }
                int writes = 1 + rnd.nextInt(3);
                for (int w = 0; w < writes; w++) {
                    garbage(rnd);
                }
                boolean corrupt = false;
                int steps = 0;
                try {
                    // Each step consumes at least 8 bytes or ends: a bounded loop even on garbage.
                    while (steps++ < CAPACITY / 8 + 2) {
                        boolean more = switch (rnd.nextInt(3)) {
                            case 0 -> c.poll(touch, 1 + rnd.nextInt(4)) > 0;
                            case 1 -> {
                                dsts[0].clear();
                                dsts[1].clear();
                                yield c.read(dsts) >= 0;
                            }
                            default -> c.await(0);
                        };
                        if (!more) {
                            break;
                        }
                    }
                    assertTrue(steps <= CAPACITY / 8 + 2, "the reader did not run dry");
                } catch (CorruptRingException e) {
                    assertEquals(PEER, e.peer());
                    corrupt = true;
                    outcomes[1]++;
                }
                try {
                    for (int i = 0; i < 3; i++) {
                        int len = rnd.nextInt(p.maxPayload() + 1);
                        p.offer(1, MemorySegment.ofArray(new byte[len]), 0, len);
                    }
                } catch (CorruptRingException e) {
                    assertEquals(PEER, e.peer());
                    outcomes[2]++;
                    corrupt = true;
                }
                try {
                    Ring.open(folder, "ring", PEER).close();
                } catch (CorruptRingException e) {
                    corrupt = true;
                }
                if (!corrupt) {
                    outcomes[0]++;
                }
            } catch (CorruptRingException e) {
                outcomes[1]++;
            } catch (RuntimeException | Error e) {
                throw new AssertionError("round " + round + " of seed " + seed + " (-Dfuzz.seed=" + seed + "): " + e, e);
            }
        }
        System.out.printf("fuzz seed %d: %d rounds, %d harmless, %d caught by the reader, %d by a writer%n", seed,
                rounds, outcomes[0], outcomes[1], outcomes[2]);
        assertTrue(outcomes[1] > rounds / 10, "the fuzzer rarely made corruption the reader must catch");
    }

    /** A fresh, sound ring in the same file, and fresh producer and consumer views of it. */
    private void reset() {
        producer.close();
        consumer.close();
        file.asSlice(RingLayout.TAIL_OFFSET).fill((byte) 0);
        file.set(JAVA_LONG, RingLayout.MAGIC_OFFSET, RingLayout.MAGIC);
        file.set(JAVA_INT, RingLayout.VERSION_OFFSET, RingLayout.VERSION);
        file.set(JAVA_INT, RingLayout.CAPACITY_OFFSET, CAPACITY);
        producer = (RingImpl) Ring.open(folder, "ring", PEER);
        consumer = (RingImpl) Ring.open(folder, "ring", PEER);
    }

    private static final long[] LONG_FIELDS = {RingLayout.TAIL_OFFSET, RingLayout.HEAD_OFFSET};

    /** One write of garbage: a position, a record length or type, a header field, or any byte. */
    private void garbage(SplittableRandom rnd) {
        int value = switch (rnd.nextInt(8)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> Integer.MIN_VALUE;
            case 3 -> Integer.MAX_VALUE;
            case 4 -> CAPACITY;
            case 5 -> CAPACITY + 8;
            case 6 -> rnd.nextInt(-16, CAPACITY * 2) & ~rnd.nextInt(2);
            default -> rnd.nextInt();
        };
        switch (rnd.nextInt(6)) {
            case 0 -> file.set(JAVA_LONG, LONG_FIELDS[rnd.nextInt(2)],
                    rnd.nextBoolean() ? value : file.get(JAVA_LONG, LONG_FIELDS[0]) + rnd.nextInt(-CAPACITY, CAPACITY));
            case 1, 2 -> file.set(JAVA_INT, HEADER_SIZE + (rnd.nextInt(CAPACITY / 8) * 8L), value); // a length
            case 3 -> file.set(JAVA_INT, HEADER_SIZE + (rnd.nextInt(CAPACITY / 8) * 8L) + 4, value & 7); // a type
            case 4 -> file.set(JAVA_INT, rnd.nextInt((int) (HEADER_SIZE / 4)) * 4L, value); // the header
            default -> file.set(JAVA_BYTE, rnd.nextLong(file.byteSize()), (byte) value);
        }
    }
}
