package io.courier.node.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.node.NodeTestSupport;
import io.courier.node.RecordHandler;
import io.courier.node.Ring;
import io.courier.testing.Waits;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The ring in one JVM: records in and out, wrap-around, many producers, the doorbell, no garbage. */
@Timeout(180)
class RingTest extends NodeTestSupport {
    private static final long WAIT = TimeUnit.SECONDS.toNanos(10);

    private RingImpl ring(String name, int capacity) {
        return (RingImpl) Ring.create(folder, name, capacity, "peer-" + name);
    }

    @Test
    void shouldCarryARecordGatheredFromBuffersAndScatterItIntoBuffers() {
        try (Ring r = ring("r", 4096)) {
            ByteBuffer heap = ByteBuffer.wrap("hello, ".getBytes());
            ByteBuffer direct = ByteBuffer.allocateDirect(16).put("courier".getBytes()).flip();
            ByteBuffer readOnly = ByteBuffer.wrap("!!".getBytes()).asReadOnlyBuffer();
            assertTrue(r.offer(7, new ByteBuffer[] {heap, direct, readOnly}));
            assertEquals(0, heap.position(), "the sender's buffers are not moved");
            assertTrue(r.available());
            ByteBuffer a = ByteBuffer.allocate(5);
            ByteBuffer b = ByteBuffer.allocateDirect(64);
            assertEquals(16, r.read(new ByteBuffer[] {a, b}));
            assertEquals(7, r.lastType());
            assertEquals("hello", new String(a.array()));
            b.flip();
            byte[] rest = new byte[b.remaining()];
            b.get(rest);
            assertEquals(", courier!!", new String(rest));
            assertEquals(-1, r.read(new ByteBuffer[] {a}), "nothing more");
            assertFalse(r.available());
        }
    }

    @Test
    void aReceiverWithTooLittleRoomGetsWhatFitsAndTheFullLength() {
        try (Ring r = ring("r", 1024)) {
            assertTrue(r.offer(1, MemorySegment.ofArray(new byte[100]), 0, 100));
            ByteBuffer small = ByteBuffer.allocate(10);
            assertEquals(100, r.read(new ByteBuffer[] {small}));
            assertEquals(10, small.position());
            assertEquals(-1, r.read(new ByteBuffer[] {small}), "the rest is dropped with the record");
        }
    }

    @Test
    void pollHandsRecordsInPlace() {
        try (Ring r = ring("r", 1024)) {
            MemorySegment src = MemorySegment.ofArray(new byte[] {1, 2, 3, 4, 5});
            r.offer(3, src, 1, 3);
            r.offer(4, src, 0, 0);
            List<String> seen = new ArrayList<>();
            assertEquals(2, r.poll((type, seg, off, len) -> {
                StringBuilder sb = new StringBuilder(type + ":");
                for (int i = 0; i < len; i++) {
                    sb.append(seg.get(JAVA_BYTE, off + i));
                }
                seen.add(sb.toString());
            }, 10));
            assertEquals(List.of("3:234", "4:"), seen);
        }
    }

    @Test
    void shouldRefuseBadTypesAndOversizedRecords() {
        try (Ring r = ring("r", 1024)) {
            assertEquals(1024 / 2 - 8, r.maxPayload());
            assertThrows(IllegalArgumentException.class, () -> r.offer(0, new ByteBuffer[0]));
            assertThrows(IllegalArgumentException.class, () -> r.offer(-3, new ByteBuffer[0]));
            assertThrows(IllegalArgumentException.class,
                    () -> r.offer(1, MemorySegment.ofArray(new byte[600]), 0, r.maxPayload() + 1));
            assertTrue(r.offer(1, MemorySegment.ofArray(new byte[600]), 0, r.maxPayload()));
            assertThrows(IllegalArgumentException.class, () -> Ring.create(folder, "odd", 1000, "p"));
        }
    }

    @Test
    void aFullRingRefusesUntilTheConsumerTakes() {
        try (Ring r = ring("r", 1024)) {
            MemorySegment src = MemorySegment.ofArray(new byte[56]);
            int n = 0;
            while (r.offer(1, src, 0, 56)) {
                n++;
            }
            assertEquals(1024 / 64, n, "64-byte records fill 1 KiB exactly");
            assertEquals(56, r.read(new ByteBuffer[] {ByteBuffer.allocate(64)}));
            assertTrue(r.offer(1, src, 0, 56));
            assertFalse(r.offer(1, src, 0, 0));
        }
    }

    @Test
    void recordsOfEverySizeWrapAroundTheEndIntact() {
        SplittableRandom rnd = new SplittableRandom(20);
        try (Ring r = ring("r", 1024)) {
            byte[] in = new byte[r.maxPayload()];
            ByteBuffer out = ByteBuffer.allocate(r.maxPayload());
            ArrayDequeOfRecords pending = new ArrayDequeOfRecords();
            for (int i = 0; i < 20_000; i++) {
                int len = rnd.nextInt(r.maxPayload() + 1);
                rnd.nextBytes(in);
                byte[] rec = java.util.Arrays.copyOf(in, len);
                if (r.offer(1 + (i % 5), new ByteBuffer[] {ByteBuffer.wrap(rec)})) {
                    pending.add(rec, 1 + (i % 5));
                }
                while (rnd.nextInt(3) == 0 || (!pending.isEmpty() && pending.size() > 3)) {
                    out.clear();
                    int got = r.read(new ByteBuffer[] {out});
                    if (got < 0) {
                        assertTrue(pending.isEmpty());
                        break;
                    }
                    byte[] want = pending.peek();
                    assertEquals(pending.peekType(), r.lastType());
                    assertEquals(want.length, got);
                    assertArrayEquals(want, java.util.Arrays.copyOf(out.array(), got), "record " + i);
                    pending.remove();
                }
            }
        }
    }

    /** A queue of expected records and their types. */
    private static final class ArrayDequeOfRecords {
        private final java.util.ArrayDeque<byte[]> records = new java.util.ArrayDeque<>();
        private final java.util.ArrayDeque<Integer> types = new java.util.ArrayDeque<>();

        void add(byte[] r, int type) {
            records.add(r);
            types.add(type);
        }

        byte[] peek() {
            return records.peek();
        }

        int peekType() {
            return types.peek();
        }

        void remove() {
            records.remove();
            types.remove();
        }

        boolean isEmpty() {
            return records.isEmpty();
        }

        int size() {
            return records.size();
        }
    }

    /** Many producer threads, one consumer: every record arrives once, in each producer's order, intact. */
    @Test
    void manyProducersOneConsumerLoseNothing() throws Exception {
        int producers = 4;
        int each = 50_000;
        ExecutorService pool = Executors.newFixedThreadPool(producers);
        try (RingImpl r = ring("r", 1 << 14)) {
            List<Future<?>> sent = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int id = p;
                sent.add(pool.submit(() -> {
                    SplittableRandom rnd = new SplittableRandom(id);
                    ByteBuffer b = ByteBuffer.allocate(256);
                    ByteBuffer[] bs = {b};
                    for (int seq = 0; seq < each; seq++) {
                        fill(b, id, seq, rnd.nextInt(12, 240));
                        while (!r.offer(1 + id, bs)) {
                            Thread.onSpinWait();
                        }
                        if (rnd.nextInt(1000) == 0) {
                            LockSupport.parkNanos(200_000); // let the consumer fall asleep now and then
                        }
                    }
                    return null;
                }));
            }
            int[] next = new int[producers];
            ByteBuffer in = ByteBuffer.allocate(256);
            ByteBuffer[] ins = {in};
            for (int got = 0; got < producers * each; got++) {
                if (!r.await(WAIT)) {
                    for (Future<?> f : sent) {
                        if (f.isDone()) {
                            f.get();
                        }
                    }
                    throw new AssertionError("record " + got + " never announced: a lost wake-up");
                }
                in.clear();
                int len = r.read(ins);
                in.flip();
                int id = r.lastType() - 1;
                assertEquals(len, in.remaining());
                check(in, id, next[id]++);
            }
            for (Future<?> f : sent) {
                Waits.await(f);
            }
            assertFalse(r.available());
            for (int n : next) {
                assertEquals(each, n);
            }
        } finally {
            Waits.shutDown(pool);
        }
    }

    /** A record: producer id, sequence, random-ish body, CRC32 of all before it. */
    private static void fill(ByteBuffer b, int id, int seq, int len) {
        b.clear();
        b.putInt(id).putInt(seq);
        for (int i = 8; i < len - 8; i++) {
            b.put((byte) (seq * 31 + i * id));
        }
        CRC32 crc = new CRC32();
        crc.update(b.array(), 0, b.position());
        b.putLong(crc.getValue());
        b.flip();
    }

    private static void check(ByteBuffer b, int id, int seq) {
        CRC32 crc = new CRC32();
        crc.update(b.array(), 0, b.limit() - 8);
        assertEquals(crc.getValue(), b.getLong(b.limit() - 8), "checksum of " + id + "/" + seq);
        assertEquals(id, b.getInt(0));
        assertEquals(seq, b.getInt(4), "order of producer " + id);
    }

    /**
     * The doorbell under stress: the producer pauses after most records, long enough for the
     * consumer to fall asleep, so nearly every record goes through ring-down and wake-up. A lost
     * wake-up shows as a record left unseen until the 10 s timeout.
     */
    @Test
    void theDoorbellLosesNoWakeUp() throws Exception {
        int count = 3_000;
        try (RingImpl r = ring("r", 4096)) {
            CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
                SplittableRandom rnd = new SplittableRandom(7);
                MemorySegment src = MemorySegment.ofArray(new long[8]);
                for (int i = 0; i < count; i++) {
                    src.set(JAVA_INT, 0, i);
                    while (!r.offer(1, src, 0, 64)) {
                        Thread.onSpinWait();
                    }
                    // Sometimes now, sometimes just around the consumer's ring-down, mostly after it sleeps.
                    int pause = rnd.nextInt(4);
                    if (pause > 0) {
                        LockSupport.parkNanos(pause == 1 ? rnd.nextLong(60_000, 90_000) : rnd.nextLong(100_000, 400_000));
                    }
                }
            }, Executors.newVirtualThreadPerTaskExecutor());
            ByteBuffer in = ByteBuffer.allocate(64).order(java.nio.ByteOrder.nativeOrder());
            for (int i = 0; i < count; i++) {
                if (!r.await(WAIT)) {
                    producer.join();
                    throw new AssertionError("record " + i + " never announced: a lost wake-up");
                }
                in.clear();
                assertEquals(64, r.read(new ByteBuffer[] {in}));
                assertEquals(i, in.getInt(0));
            }
            Waits.await(producer);
            assertTrue(r.sleeps > count / 4, "the consumer slept only " + r.sleeps + " times: the doorbell was hardly used");
        }
    }

    @Test
    void aVirtualThreadConsumerSleepsAndWakes() throws Exception {
        try (Ring r = ring("r", 4096)) {
            CompletableFuture<Integer> got = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    int n = 0;
                    while (n < 50) {
                        if (!r.await(WAIT)) {
                            throw new AssertionError("lost wake-up at " + n);
                        }
                        n += r.poll((t, s, o, l) -> { }, 100);
                    }
                    got.complete(n);
                } catch (Throwable e) {
                    got.completeExceptionally(e);
                }
            });
            for (int i = 0; i < 50; i++) {
                Thread.sleep(2);
                assertTrue(r.offer(1, MemorySegment.ofArray(new byte[8]), 0, 8));
            }
            assertEquals(50, Waits.await(got));
        }
    }

    /**
     * A ring closed while its consumer is on its way into a sleep on the doorbell (it found
     * nothing, the close's wake-up came before its sleep began) still ends the consumer at once:
     * a sleep on a word that the close then unmaps would never be woken. A virtual-thread
     * consumer with a 60 s await shows it: without the fix, some of these closes leave it asleep.
     */
    @Test
    void aCloseEndsAConsumerOnItsWayIntoASleep() throws Exception {
        for (int i = 0; i < 300; i++) {
            RingImpl r = ring("r" + i, 4096);
            java.util.concurrent.atomic.AtomicInteger took = new java.util.concurrent.atomic.AtomicInteger();
            Thread consumer = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        if (r.await(TimeUnit.SECONDS.toNanos(60))) {
                            r.poll((type, ring, offset, length) -> took.incrementAndGet(), 8);
                        }
                    }
                } catch (InterruptedException | IllegalStateException e) {
                    // closed
                }
            });
            assertTrue(r.offer(1, MemorySegment.ofArray(new byte[8]), 0, 8));
            long deadline = System.nanoTime() + WAIT;
            while (took.get() == 0) {
                assertTrue(System.nanoTime() < deadline, "the record was taken");
                Thread.onSpinWait();
            }
            // Now the consumer heads for its next sleep.
            if ((i & 1) == 1) {
                LockSupport.parkNanos(i * 100L);
            }
            r.close();
            assertTrue(consumer.join(java.time.Duration.ofSeconds(5)), "close " + i + " left the consumer asleep");
        }
    }

    /**
     * A ring closed while other threads of its JVM are inside it (a watcher polling it, a producer
     * offering into it, the consumer taking from it) waits for them to leave, then unmaps: each
     * of them meets IllegalStateException at its next call, and none finds its interrupt status
     * set. A shared mapping unmapped under a thread that reads it makes the JVM throw into that
     * thread and set its interrupt status; a server waiting in a kernel call on a peer that was
     * being cut off then left its next call with EINTR though nobody interrupted it.
     */
    @Test
    void aCloseWaitsForTheThreadsInsideTheRingAndInterruptsNone() throws Exception {
        for (int i = 0; i < 100; i++) {
            RingImpl r = ring("inside" + i, 4096);
            java.util.concurrent.atomic.AtomicLong calls = new java.util.concurrent.atomic.AtomicLong();
            RecordHandler drop = (type, ring, offset, length) -> { };
            List<Waits.Started> inside = List.of(
                    inside(r, calls, () -> {
                        r.watch();
                        while (true) {
                            r.tryPoll(drop, 8);
                            calls.incrementAndGet();
                        }
                    }),
                    inside(r, calls, () -> {
                        MemorySegment record = MemorySegment.ofArray(new byte[8]);
                        while (true) {
                            r.offer(1, record, 0, 8);
                            calls.incrementAndGet();
                        }
                    }),
                    inside(r, calls, () -> {
                        while (true) {
                            r.poll(drop, 8);
                            calls.incrementAndGet();
                        }
                    }));
            long deadline = System.nanoTime() + WAIT;
            while (calls.get() < 3_000) {
                assertTrue(System.nanoTime() < deadline, "the threads run");
                Thread.onSpinWait();
            }
            r.close();
            for (Waits.Started s : inside) {
                s.done().get(WAIT, TimeUnit.NANOSECONDS); // what a thread inside met, thrown here
            }
        }
    }

    /**
     * Two threads close one ring at the same instant (a member's death seen by two threads, or
     * beside the node's close), 2,000 times: both return, neither meets the mapping closed under
     * it, and the ring is closed once.
     */
    @Test
    void b2ARingClosedByTwoThreadsAtOnceIsUnmappedOnce() throws Exception {
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 2_000; i++) {
                RingImpl r = ring("twice" + i, 256);
                java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
                Callable<Void> close = () -> {
                    together.await(WAIT, TimeUnit.NANOSECONDS);
                    r.close();
                    return null;
                };
                Future<Void> a = two.submit(close);
                Future<Void> b = two.submit(close);
                a.get(WAIT, TimeUnit.NANOSECONDS);
                b.get(WAIT, TimeUnit.NANOSECONDS);
                assertThrows(IllegalStateException.class, () -> r.offer(1, MemorySegment.ofArray(new byte[8]), 0, 8));
            }
        } finally {
            Waits.shutDown(two);
        }
    }

    /**
     * Runs {@code body} (which loops on {@code r} until the ring is closed) on a platform thread,
     * whose outcome fails when the body ends otherwise than by IllegalStateException or ends it
     * with its interrupt status set.
     */
    private static Waits.Started inside(RingImpl r, java.util.concurrent.atomic.AtomicLong calls, Runnable body) {
        return Waits.start(Thread.ofPlatform().daemon(), () -> {
            try {
                body.run();
            } catch (IllegalStateException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new AssertionError("ring " + r.peer() + ": closed with the interrupt status of a thread inside it set",
                            e);
                }
                return;
            }
            throw new AssertionError("the loop ended");
        });
    }

    /** An idle consumer asleep on the doorbell burns no CPU (measured over about a second). */
    @Test
    void anIdleConsumerUsesNoCpu() throws Exception {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try (Ring r = ring("r", 4096)) {
            CompletableFuture<Boolean> woke = new CompletableFuture<>();
            Thread consumer = Thread.ofPlatform().name("idle-consumer").start(() -> {
                try {
                    woke.complete(r.await(TimeUnit.SECONDS.toNanos(20)));
                } catch (Throwable e) {
                    woke.completeExceptionally(e);
                }
            });
            Thread.sleep(200); // past the spinning
            long cpu0 = mx.getThreadCpuTime(consumer.threadId());
            long t0 = System.nanoTime();
            Thread.sleep(1_000);
            long cpu = mx.getThreadCpuTime(consumer.threadId()) - cpu0;
            long wall = System.nanoTime() - t0;
            System.out.printf("idle consumer: %d us of CPU in %d ms%n", cpu / 1000, wall / 1_000_000);
            assertTrue(cpu < wall / 50, "the idle consumer used " + cpu / 1000 + " us of CPU in " + wall / 1_000_000 + " ms");
            long sent = System.nanoTime();
            r.offer(1, MemorySegment.ofArray(new byte[8]), 0, 8);
            assertTrue(Waits.await(woke), "woken by the record");
            System.out.printf("idle consumer woke within %d us%n", (System.nanoTime() - sent) / 1000);
        }
    }

    /** Copying in and out allocates nothing per record (after warm-up). */
    @Test
    void recordsCostNoGarbage() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Ring r = ring("r", 1 << 16); Arena arena = Arena.ofConfined()) {
            ByteBuffer heapOut = ByteBuffer.allocate(64);
            ByteBuffer heapIn = ByteBuffer.allocate(64);
            ByteBuffer[] outs = {heapOut};
            ByteBuffer[] ins = {heapIn};
            MemorySegment seg = arena.allocate(64);
            Runnable one = () -> {
                r.offer(1, outs);
                r.offer(2, seg, 0, 64);
                heapIn.clear();
                r.read(ins);
                heapIn.clear();
                r.read(ins);
            };
            for (int i = 0; i < 300_000; i++) {
                one.run();
            }
            long tid = Thread.currentThread().threadId();
            long before = mx.getThreadAllocatedBytes(tid);
            for (int i = 0; i < 100_000; i++) {
                one.run();
            }
            long bytes = mx.getThreadAllocatedBytes(tid) - before;
            System.out.printf("400,000 records in and out allocated %d bytes%n", bytes);
            assertTrue(bytes < 100_000, bytes + " bytes allocated for 400,000 records: garbage per record");
        }
    }

    @Test
    void aSecondOpenerSeesTheSameRing() {
        try (Ring a = ring("r", 1024); Ring b = Ring.create(folder, "r", 4096, "p")) {
            assertEquals(1024, b.capacity(), "create finds the existing ring");
            a.offer(9, MemorySegment.ofArray(new byte[3]), 0, 3);
            assertEquals(3, b.read(new ByteBuffer[] {ByteBuffer.allocate(8)}));
            assertEquals(9, b.lastType());
        }
    }

    @Test
    void theLayoutKeepsHotWordsOnLinesOfTheirOwn() {
        assertTrue(RingLayout.TAIL_OFFSET % 128 == 0 && RingLayout.HEAD_OFFSET % 128 == 0
                && RingLayout.DOORBELL_OFFSET % 128 == 0 && RingLayout.HEADER_SIZE % 128 == 0);
        assertEquals(8, JAVA_LONG.byteSize());
    }
}
