package io.courier.asyncmsg.iocp;

import static io.courier.asyncmsg.iocp.Loopback.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** SPEC A7: a post wakes exactly one of the threads waiting, with a timeout. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(ThreadDumpOnTimeout.class)
class CompletionPortWakeupTest {
    private static final int WAITERS = 8;

    private static ThreadFactory threads(boolean virtual) {
        return virtual ? Thread.ofVirtual().name("waiter-", 0).factory()
                : Thread.ofPlatform().name("waiter-", 0).factory();
    }

    /** Starts {@code n} threads that each wait once for {@code timeout}; results land in {@code got}. */
    private static List<Thread> startWaiters(IoCompletionPort port, int n, Duration timeout,
            ThreadFactory factory, ConcurrentLinkedQueue<Object> got) {
        List<Thread> waiters = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Thread t = factory.newThread(() -> {
                Completion c = port.waitForCompletion(timeout);
                got.add(c == null ? "timed out" : c);
            });
            t.start();
            waiters.add(t);
        }
        return waiters;
    }

    private static void awaitWaiting(IoCompletionPort port, int n) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (port.info().waitingThreads() < n) {
            assertTrue(System.nanoTime() < deadline, "waiters did not all block");
            Thread.sleep(1);
        }
    }

    private static void joinAll(List<Thread> threads) throws InterruptedException {
        for (Thread t : threads) {
            assertTrue(t.join(WAIT), t + " still running");
        }
    }

    /**
     * With a receive waiting, one waiter leads the poller (selects) and the others queue; a
     * post still wakes exactly one of them.
     */
    @ParameterizedTest(name = "virtual={0}, receive waiting={1}")
    @CsvSource({"false, false", "true, false", "false, true", "true, true"})
    void a7_shouldWakeExactlyOneOfManyWaitersPerPost(boolean virtual, boolean receiveWaiting) throws Exception {
        try (IoCompletionPort port = IoCompletionPort.create(); Loopback.Pair pair = Loopback.pair()) {
            if (receiveWaiting) {
                assertEquals(1, port.startRecv(pair.server(),
                        new OverlappedIo(java.nio.ByteBuffer.allocate(8), 8, "idle")));
            }
            ConcurrentLinkedQueue<Object> got = new ConcurrentLinkedQueue<>();
            List<Thread> waiters = startWaiters(port, WAITERS, Duration.ofMillis(1500), threads(virtual), got);
            awaitWaiting(port, WAITERS);

            port.post(new OverlappedIo().handle("the one"));

            joinAll(waiters);
            assertEquals(receiveWaiting ? 1 : 0, port.info().pendingOperations().size());
            List<Object> woken = got.stream().filter(o -> o instanceof Completion).toList();
            assertEquals(1, woken.size(), "exactly one waiter woke: " + got);
            assertEquals(WAITERS - 1, got.stream().filter("timed out"::equals).count(),
                    "the others timed out");
            Completion c = (Completion) woken.getFirst();
            assertEquals(Operation.POST, c.operation());
            assertEquals("the one", c.handle());
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void a7_shouldHandEachOfNPostsToADifferentWaiter(boolean virtual) throws Exception {
        try (IoCompletionPort port = IoCompletionPort.create()) {
            ConcurrentLinkedQueue<Object> got = new ConcurrentLinkedQueue<>();
            List<Thread> waiters = startWaiters(port, WAITERS, WAIT, threads(virtual), got);
            awaitWaiting(port, WAITERS);
            for (int i = 0; i < WAITERS; i++) {
                port.post(new OverlappedIo().handle(i));
            }
            joinAll(waiters);
            Set<Object> handles = new HashSet<>();
            for (Object o : got) {
                handles.add(((Completion) o).handle());
            }
            assertEquals(WAITERS, handles.size(), "every post went to one waiter: " + got);
        }
    }

    @Test
    void a7_shouldReturnNothingWhenTheTimeoutPasses() {
        try (IoCompletionPort port = IoCompletionPort.create()) {
            long start = System.nanoTime();
            assertNull(port.waitForCompletion(Duration.ofMillis(100)));
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(100));
            assertNull(port.waitForCompletion(Duration.ZERO), "zero polls");
        }
    }

    @Test
    void a7_shouldKeepAPostForTheNextWaiterWhenNobodyWaits() {
        try (IoCompletionPort port = IoCompletionPort.create()) {
            port.post(new OverlappedIo().handle("first"));
            port.post(new OverlappedIo().handle("second"));
            assertEquals(2, port.info().queuedCompletions());
            assertEquals("first", port.waitForCompletion(WAIT).handle());
            assertEquals("second", port.waitForCompletion(Duration.ZERO).handle());
            assertNull(port.waitForCompletion(Duration.ZERO));
        }
    }

    @Test
    void a7_shouldStopAPoolOfWorkersWithOnePostEach() throws Exception {
        Object stop = new Object();
        try (IoCompletionPort port = IoCompletionPort.create();
                var pool = java.util.concurrent.Executors.newFixedThreadPool(WAITERS)) {
            List<Future<Integer>> workers = new ArrayList<>();
            for (int i = 0; i < WAITERS; i++) {
                workers.add(pool.submit(() -> {
                    int handled = 0;
                    while (true) {
                        Completion c = port.waitForCompletion(WAIT);
                        if (c == null || c.handle() == stop) {
                            return c == null ? -1 : handled;
                        }
                        handled++;
                    }
                }));
            }
            for (int i = 0; i < 1000; i++) {
                port.post(new OverlappedIo().handle(i));
            }
            for (int i = 0; i < WAITERS; i++) {
                port.post(new OverlappedIo().handle(stop));
            }
            int total = 0;
            for (Future<Integer> w : workers) {
                int handled = w.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertTrue(handled >= 0, "a worker timed out instead of being stopped");
                total += handled;
            }
            assertEquals(1000, total, "every completion handled once");
        }
    }
}
