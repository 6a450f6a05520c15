package io.courier.node;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.testing.Waits;
import java.io.BufferedReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The futex: wait and wake on a word of a shared file mapping, in one JVM and across two. */
@Timeout(120)
class FutexTest extends NodeTestSupport {
    /** Bytes a wait may allocate: under the 96 of an arena per wait, above the JDK's 40 of its errno capture. */
    private static final long PER_WAIT = 64;
    private Arena arena;
    private MemorySegment word;
    private Path file;

    @BeforeEach
    void map() throws Exception {
        file = folder.path().resolve("futex");
        arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            word = ch.map(FileChannel.MapMode.READ_WRITE, 0, 4096, arena);
        }
    }

    @AfterEach
    void unmap() {
        arena.close();
    }

    @Test
    void isSupportedOnThisLinuxMachine() {
        assertTrue(Futex.isSupported(), "x86_64 or aarch64 Linux expected here");
    }

    @Test
    void shouldWakeAPlatformThreadSleepingOnTheWord() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Futex.Result> r = pool.submit(() -> Futex.await(word, 0, 0, TimeUnit.SECONDS.toNanos(20)));
            Waits.eventually("the waiter sleeps", () -> wakeOne() == 1);
            assertEquals(Futex.Result.WOKEN, Waits.await(r));
        } finally {
            Waits.shutDown(pool);
        }
    }

    /**
     * Wakes one sleeper on the word without changing it: how many woke. The word stays as the
     * waiter expects it, so a waiter that has not gone to sleep yet still does, rather than
     * seeing a changed value and leaving before any wake (the race a change-then-restore had).
     */
    private int wakeOne() {
        return Futex.wake(word, 0, 1);
    }

    @Test
    void shouldNotSleepWhenTheWordDoesNotHoldTheExpectedValue() throws Exception {
        word.set(JAVA_INT, 0, 7);
        assertEquals(Futex.Result.VALUE_CHANGED, Futex.await(word, 0, 6, TimeUnit.SECONDS.toNanos(10)));
    }

    /**
     * A platform thread's wait makes no arena, whether it returns at once (the word changed) or
     * sleeps until its timeout: the native memory a wait needs (errno, the timespec) is taken from
     * slots kept for the waits. An arena per wait was 96 bytes and more a wait; what may remain is
     * the JDK's own view of the errno capture (one small segment a call, 40 bytes, where the JIT
     * does not remove it). A sleeping consumer of a node's ring waits so between two messages.
     */
    @Test
    void aPlatformThreadsWaitAllocatesNothing() throws Exception {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().threadId();
        word.set(JAVA_INT, 0, 7);
        int calls = 20_000;
        long allocated = Long.MAX_VALUE;
        for (int pass = 0; pass < 5 && allocated >= PER_WAIT * calls; pass++) {
            long before = mx.getThreadAllocatedBytes(me);
            for (int i = 0; i < calls; i++) {
                if (Futex.await(word, 0, 6, TimeUnit.SECONDS.toNanos(10)) != Futex.Result.VALUE_CHANGED) {
                    throw new AssertionError("the word holds 7");
                }
            }
            allocated = mx.getThreadAllocatedBytes(me) - before;
        }
        assertTrue(allocated < PER_WAIT * calls, calls + " waits on a changed word allocated " + allocated + " bytes");
        int sleeps = 2_000;
        allocated = Long.MAX_VALUE;
        for (int pass = 0; pass < 5 && allocated >= PER_WAIT * sleeps; pass++) {
            long before = mx.getThreadAllocatedBytes(me);
            for (int i = 0; i < sleeps; i++) {
                if (Futex.await(word, 0, 7, 1_000) != Futex.Result.TIMED_OUT) {
                    throw new AssertionError("nobody wakes the word");
                }
            }
            allocated = mx.getThreadAllocatedBytes(me) - before;
        }
        assertTrue(allocated < PER_WAIT * sleeps, sleeps + " timed sleeps allocated " + allocated + " bytes");
    }

    /** More sleepers at once than the slots kept for waits: the others wait as well, and all wake. */
    @Test
    void moreSleepersThanTheKeptSlotsAllSleepAndWake() throws Exception {
        int n = 80;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Futex.Result>> sleepers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                sleepers.add(pool.submit(() -> Futex.await(word, 0, 0, TimeUnit.SECONDS.toNanos(20))));
            }
            int[] woken = new int[1];
            Waits.eventually("all " + n + " sleep, and are woken", () -> {
                woken[0] += Futex.wake(word, 0, Integer.MAX_VALUE);
                return woken[0] >= n;
            });
            for (Future<Futex.Result> f : sleepers) {
                assertEquals(Futex.Result.WOKEN, Waits.await(f));
            }
        } finally {
            Waits.shutDown(pool);
        }
    }

    @Test
    void shouldTimeOut() throws Exception {
        long t0 = System.nanoTime();
        assertEquals(Futex.Result.TIMED_OUT, Futex.await(word, 0, 0, TimeUnit.MILLISECONDS.toNanos(150)));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms >= 140 && ms < 5_000, "slept " + ms + " ms for a 150 ms timeout");
        // Longer than one slice of an interruptible platform sleep, too.
        t0 = System.nanoTime();
        assertEquals(Futex.Result.TIMED_OUT, Futex.await(word, 0, 0, TimeUnit.MILLISECONDS.toNanos(250)));
        ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms >= 240 && ms < 5_000, "slept " + ms + " ms for a 250 ms timeout");
    }

    @Test
    void aWakeOfAWordNobodySleepsOnWakesNobody() {
        assertEquals(0, Futex.wake(word, 8, Integer.MAX_VALUE));
    }

    @Test
    void shouldRefuseAWordNotAlignedOrNotNative() {
        assertThrows(IllegalArgumentException.class, () -> Futex.await(word, 2, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> Futex.wake(MemorySegment.ofArray(new int[4]), 0, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> Futex.wake(word, 4096, 1));
    }

    @Test
    void interruptingASleepingPlatformThreadEndsItsSleep() throws Exception {
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                Futex.await(word, 0, 0, TimeUnit.SECONDS.toNanos(30));
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        Thread.sleep(50);
        t.interrupt();
        assertTrue(Waits.await(outcome) instanceof InterruptedException);
    }

    @Test
    void interruptingASleepingVirtualThreadEndsItsSleep() throws Exception {
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                Futex.await(word, 0, 0, TimeUnit.SECONDS.toNanos(30));
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        Thread.sleep(50);
        t.interrupt();
        assertTrue(Waits.await(outcome) instanceof InterruptedException);
    }

    /** Many more sleeping virtual threads than carriers: the others still run, and all wake. */
    @Test
    void virtualThreadsSleepingOnAFutexLeaveTheirCarriersFree() throws Exception {
        int sleepers = Runtime.getRuntime().availableProcessors() * 4 + 4;
        List<CompletableFuture<Futex.Result>> results = new ArrayList<>();
        for (int i = 0; i < sleepers; i++) {
            CompletableFuture<Futex.Result> f = new CompletableFuture<>();
            results.add(f);
            Thread.ofVirtual().start(() -> {
                try {
                    f.complete(Futex.await(word, 16, 0, TimeUnit.SECONDS.toNanos(20)));
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            });
        }
        Thread.sleep(200);
        CompletableFuture<String> other = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> other.complete("ran"));
        assertEquals("ran", other.get(2, TimeUnit.SECONDS), "a virtual thread could not run: carriers held");
        word.set(JAVA_INT, 16, 1);
        Futex.wake(word, 16, Integer.MAX_VALUE);
        for (CompletableFuture<Futex.Result> f : results) {
            Futex.Result r = Waits.await(f);
            assertTrue(r == Futex.Result.WOKEN || r == Futex.Result.VALUE_CHANGED, r.toString());
        }
    }

    /** A process of its own sleeps on the word; this JVM's wake reaches it (the futex is shared, not private). */
    @Test
    void shouldWakeASleeperInAnotherJvm() throws Exception {
        Process child = NodeChild.start("futex-wait", root.toString(), nodeName, "futex");
        try {
            BufferedReader out = NodeChild.output(child);
            NodeChild.expectLine(child, out, "WAITING");
            Waits.eventually("the child sleeps on the word and our wake reaches it", () -> wakeOne() == 1);
            assertEquals("RESULT WOKEN 0", NodeChild.expectLine(child, out, "RESULT"));
            assertTrue(child.waitFor(20, TimeUnit.SECONDS));
            assertEquals(0, child.exitValue());
        } finally {
            NodeChild.stop(child);
        }
    }
}
