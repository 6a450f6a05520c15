package io.courier.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Bounded waits for tests (a hung test is a failed test): every wait has a limit, and a wait
 * that runs out fails with a dump of every thread.
 */
public final class Waits {
    /** How long a test waits for anything. */
    public static final Duration WAIT = Duration.ofSeconds(10);

    private Waits() {
    }

    /** The result of {@code f}, waiting at most {@link #WAIT}; its failure is rethrown as is. */
    public static <T> T await(Future<T> f) throws Exception {
        try {
            return f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("timed out waiting\n" + threadDump(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw e;
        }
    }

    /** Waits (at most {@link #WAIT}) until {@code condition} holds. */
    public static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                fail("timed out waiting until " + what + "\n" + threadDump());
            }
            Thread.sleep(1);
        }
    }

    /** Stops a test's thread pool, failing if its threads do not end within 10 s. */
    public static void shutDown(ExecutorService pool) throws InterruptedException {
        pool.shutdownNow();
        if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
            fail("test threads did not end:\n" + threadDump());
        }
    }

    /** A thread a test started ({@link #start}) and what became of its body. */
    public record Started(Thread thread, CompletableFuture<Void> done) {
    }

    /**
     * Runs {@code body} on a thread that {@code builder} starts; {@code done} ends as the body
     * does, normally or with what it threw (an assertion's error too).
     */
    public static Started start(Thread.Builder builder, Runnable body) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = builder.start(() -> {
            try {
                body.run();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        return new Started(t, done);
    }

    /**
     * Interrupts {@code threads} every {@code periodNanos}, from a thread of its own, until closed;
     * closing waits (at most {@link #WAIT}) for that thread to end.
     */
    public static AutoCloseable interruptEvery(long periodNanos, Thread... threads) {
        AtomicBoolean stop = new AtomicBoolean();
        Thread interrupter = Thread.ofPlatform().daemon().name("interrupter").start(() -> {
            while (!stop.get()) {
                LockSupport.parkNanos(periodNanos);
                for (Thread t : threads) {
                    t.interrupt();
                }
            }
        });
        return () -> {
            stop.set(true);
            interrupter.join(WAIT.toMillis());
        };
    }

    /** Every thread's stack. */
    public static String threadDump() {
        StringBuilder sb = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, st) -> {
            sb.append(t).append(' ').append(t.getState()).append('\n');
            for (StackTraceElement e : st) {
                sb.append("    at ").append(e).append('\n');
            }
        });
        return sb.toString();
    }
}
