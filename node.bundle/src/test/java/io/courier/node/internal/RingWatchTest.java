package io.courier.node.internal;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.node.NodeTestSupport;
import io.courier.node.RecordHandler;
import io.courier.node.Ring;
import io.courier.testing.Waits;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Threads of the consumer's JVM that watch a ring and take its records themselves (issue 20,
 * B2): while they watch, producers leave the sleeping consumer asleep; the last to leave wakes it
 * for what is left; with the consumer and any number of watchers taking records at once, every
 * record is taken exactly once, in order.
 */
@Timeout(120)
class RingWatchTest extends NodeTestSupport {
    /**
     * The consumers' await: far longer than any of these tests, so that only a producer's or a
     * leaving watcher's wake-up ends it (a virtual thread's futex sleep is one sleep to its end).
     */
    private static final long LONG_AWAIT = TimeUnit.SECONDS.toNanos(60);
    private static final long WAIT = TimeUnit.SECONDS.toNanos(10);

    private RingImpl ring(String name, int capacity) {
        return (RingImpl) Ring.create(folder, name, capacity, "peer-" + name);
    }

    /**
     * A consumer as the kernel runs one (await, then poll), on a virtual thread that sleeps on
     * the doorbell until woken; ends when the ring is closed under it.
     */
    private static Thread consumer(Ring r, RecordHandler handler) {
        return Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    if (r.await(LONG_AWAIT)) {
                        r.poll(handler, 64);
                    }
                }
            } catch (InterruptedException | IllegalStateException e) {
                // closed
            }
        });
    }

    /** Closes the ring (waking its consumer) and waits for the consumer to end. */
    private static void stop(Ring r, Thread consumer) throws InterruptedException {
        r.close();
        assertTrue(consumer.join(java.time.Duration.ofSeconds(10)), "the consumer ended");
    }

    /** Waits at most 5 s (the consumer's await is 60 s) for {@code condition}. */
    private static void soon(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(1);
        }
    }

    private static boolean offer(Ring r, int type, int value) {
        MemorySegment src = MemorySegment.ofArray(new int[2]);
        src.set(JAVA_INT, 0, value);
        return r.offer(type, src, 0, 8);
    }

    @Test
    void whileAThreadWatchesProducersLeaveTheSleepingConsumerAsleepAndTheWatcherTakesTheRecords() throws Exception {
        AtomicLong byConsumer = new AtomicLong();
        try (RingImpl r = ring("r", 4096)) {
            Thread c = consumer(r, (type, ring, offset, length) -> byConsumer.incrementAndGet());
            try {
                soon("the consumer sleeps", () -> r.sleeps > 0);
                Thread.sleep(20);
                long sleepsBefore = r.sleeps;
                int count = 200;
                int[] seen = new int[count];
                int[] taken = {0};
                r.watch();
                try {
                    for (int i = 0; i < count; i++) {
                        assertTrue(offer(r, 1, i));
                        long deadline = System.nanoTime() + WAIT;
                        int before = taken[0] + (int) byConsumer.get();
                        while (taken[0] + (int) byConsumer.get() == before) {
                            r.tryPoll((type, ring, offset, length) -> seen[taken[0]++] = ring.get(JAVA_INT_UNALIGNED, offset), 8);
                            assertTrue(System.nanoTime() < deadline, "record " + i + " never taken");
                        }
                        // Long enough for a consumer woken by the producer to go back to sleep.
                        LockSupport.parkNanos(200_000);
                    }
                } finally {
                    r.unwatch();
                }
                long wakes = r.sleeps - sleepsBefore;
                assertEquals(0, wakes, "times the sleeping consumer was woken while the ring was watched");
                assertEquals(count, taken[0], "the watcher took every record");
                assertEquals(0, byConsumer.get());
                for (int i = 1; i < taken[0]; i++) {
                    assertTrue(seen[i] > seen[i - 1], "in order");
                }
                assertEquals(r.watchedRecords, taken[0]);
            } finally {
                stop(r, c);
            }
        }
    }

    @Test
    void theLastWatcherToLeaveWakesTheSleepingConsumerForTheRecordsItLeft() throws Exception {
        AtomicLong byConsumer = new AtomicLong();
        try (RingImpl r = ring("r", 4096)) {
            Thread c = consumer(r, (type, ring, offset, length) -> byConsumer.incrementAndGet());
            try {
                soon("the consumer sleeps", () -> r.sleeps > 0);
                // Two watchers on threads of their own; neither polls.
                CompletableFuture<Void> first = CompletableFuture.runAsync(r::watch);
                CompletableFuture<Void> second = CompletableFuture.runAsync(r::watch);
                Waits.await(first);
                Waits.await(second);
                for (int i = 0; i < 3; i++) {
                    assertTrue(offer(r, 1, i));
                }
                Waits.await(CompletableFuture.runAsync(r::unwatch));
                Waits.await(CompletableFuture.runAsync(r::unwatch));
                soon("the consumer took the three records", () -> byConsumer.get() == 3);
                // And the doorbell rings again for the next.
                assertTrue(offer(r, 1, 3));
                soon("the consumer took the fourth record", () -> byConsumer.get() == 4);
            } finally {
                stop(r, c);
            }
        }
    }

    /**
     * The consumer goes to sleep while a thread watches the ring, and between its last look and
     * its sleep a record comes (no ring: watched) and the watcher leaves, turning the doorbell
     * SLEEPING and then AWAKE as it wakes the consumer, who is not asleep yet. The sleep that
     * follows must not take that AWAKE for one it read before (it would sleep through its 60 s
     * with the record waiting): the record is taken at once. Played on the consumer's own thread,
     * in its window before each sleep: first a watcher comes (the consumer's sleep then ends at
     * once, the doorbell having changed under it, and it goes round again, now watched), then the
     * record and the watcher's leaving.
     */
    @Test
    void aWatcherLeavingJustBeforeTheConsumerSleepsIsNotMissed() throws Exception {
        AtomicLong byConsumer = new AtomicLong();
        try (RingImpl r = ring("r", 4096)) {
            Thread c = consumer(r, (type, ring, offset, length) -> byConsumer.incrementAndGet());
            try {
                soon("the consumer sleeps", () -> r.sleeps > 0);
                java.util.concurrent.atomic.AtomicInteger step = new java.util.concurrent.atomic.AtomicInteger();
                r.beforeSleep = () -> {
                    if (step.incrementAndGet() == 1) {
                        r.watch();
                    } else {
                        r.beforeSleep = null;
                        assertTrue(offer(r, 1, 1));
                        r.unwatch();
                    }
                };
                assertTrue(offer(r, 1, 0)); // wakes the consumer, which comes back to its sleep
                soon("the window was played", () -> step.get() == 2);
                soon("the consumer took both records", () -> byConsumer.get() == 2);
            } finally {
                r.beforeSleep = null;
                stop(r, c);
            }
        }
    }

    @Test
    void anUnwatchWithoutAWatchIsRefusedAndLeavesTheCountAlone() {
        try (RingImpl r = ring("r", 4096)) {
            assertThrows(IllegalStateException.class, r::unwatch);
            r.watch();
            r.unwatch();
            assertThrows(IllegalStateException.class, r::unwatch);
            assertTrue(offer(r, 1, 7));
            assertEquals(1, r.tryPoll((type, ring, offset, length) -> { }, 8), "a watcher polls the record");
        }
    }

    /**
     * Two producers, the consumer, and three threads that watch, poll and leave at random,
     * sometimes long enough for the consumer to sleep: every record is taken exactly once and,
     * per producer, in order. A record left behind by a leaving watcher shows as the 20 s limit
     * (the consumer's await lasts 60 s).
     */
    @Test
    void theConsumerAndManyWatchersTakeEveryRecordOnceInOrder() throws Exception {
        int producers = 2;
        int each = 40_000;
        AtomicBoolean stop = new AtomicBoolean();
        // Touched only by the holder of the poll rights, whose hand-over orders them.
        int[] next = new int[producers];
        AtomicLong total = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        RecordHandler check = (type, ring, offset, length) -> {
            int id = type - 1;
            int seq = ring.get(JAVA_INT_UNALIGNED, offset);
            if (id < 0 || id >= producers || seq != next[id]) {
                errors.incrementAndGet();
            } else {
                next[id]++;
            }
            total.incrementAndGet();
        };
        var pool = Executors.newFixedThreadPool(producers + 3);
        try (RingImpl r = ring("r", 1 << 12)) {
            Thread c = consumer(r, check);
            List<java.util.concurrent.Future<?>> work = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int id = p;
                work.add(pool.submit(() -> {
                    SplittableRandom rnd = new SplittableRandom(id);
                    for (int seq = 0; seq < each; seq++) {
                        while (!offer(r, 1 + id, seq)) {
                            Thread.onSpinWait();
                        }
                        if (rnd.nextInt(500) == 0) {
                            LockSupport.parkNanos(300_000); // the consumer falls asleep now and then
                        }
                    }
                    return null;
                }));
            }
            List<java.util.concurrent.Future<?>> watchers = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                int id = w;
                watchers.add(pool.submit(() -> {
                    SplittableRandom rnd = new SplittableRandom(100 + id);
                    while (!stop.get()) {
                        r.watch();
                        try {
                            for (int k = rnd.nextInt(1, 200); k > 0; k--) {
                                r.tryPoll(check, rnd.nextInt(1, 64));
                            }
                        } finally {
                            r.unwatch();
                        }
                        LockSupport.parkNanos(rnd.nextLong(1_000, 400_000));
                    }
                    return null;
                }));
            }
            try {
                for (var f : work) {
                    Waits.await(f);
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (true) {
                    long done = total.get();
                    if (done == (long) producers * each) {
                        break;
                    }
                    assertTrue(System.nanoTime() < deadline, "only " + done + " of " + producers * each
                            + " records taken: one was left behind");
                    Thread.sleep(5);
                }
            } finally {
                stop.set(true);
                for (var f : watchers) {
                    Waits.await(f);
                }
                stop(r, c);
            }
            assertEquals(0, errors.get(), "records out of order, or of an unknown producer");
            for (int n : next) {
                assertEquals(each, n);
            }
            assertTrue(r.watchedRecords > 0, "the watchers took none");
        } finally {
            Waits.shutDown(pool);
        }
    }
}
