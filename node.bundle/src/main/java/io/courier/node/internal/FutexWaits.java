package io.courier.node.internal;

import io.courier.node.Futex;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Waiting on a futex from any thread.
 *
 * <p>A {@code FUTEX_WAIT} downcall blocks the OS thread that makes it. For a platform thread that
 * is what we want. A virtual thread would block its carrier: the JDK compensates for blocking
 * file I/O and {@code Object.wait}, but not for a native downcall, so a few sleeping virtual
 * threads would take every carrier and starve the rest. A virtual thread therefore hands its
 * wait to a sleeper, a platform daemon thread of a cached pool, and parks on the result
 * ({@link Future#get()} unmounts it). The price is paid only by a wait that really sleeps (after
 * the caller's spinning): one platform thread per sleeping virtual thread while it sleeps (idle
 * sleepers end after 60 s) and one more hand-off on the way back (a few microseconds).
 *
 * <p>Interruption: a platform thread sleeps in slices of {@link #SLICE_NANOS} and checks its
 * interrupt status between them (a signal-free way to make a futex wait interruptible); a
 * virtual thread interrupted while its sleeper waits wakes every sleeper of the word (they all
 * recheck their condition, as after any spurious wake-up) and throws.
 */
public final class FutexWaits {
    /** The longest single sleep of a platform thread: how late an interrupt can be seen. */
    static final long SLICE_NANOS = 100_000_000L;

    private static final ExecutorService SLEEPERS = Executors.newCachedThreadPool(
            Thread.ofPlatform().daemon().name("courier-futex-sleeper-", 0).factory());

    private FutexWaits() {
    }

    /** See {@link Futex#await}. */
    public static Futex.Result await(MemorySegment segment, long offset, int expected, long timeoutNanos)
            throws InterruptedException {
        FutexCall.requireSupported();
        long address = FutexCall.address(segment, offset);
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (!Thread.currentThread().isVirtual()) {
            return sleep(address, expected, timeoutNanos, true);
        }
        Future<Futex.Result> f = SLEEPERS.submit(() -> sleep(address, expected, timeoutNanos, false));
        try {
            return f.get();
        } catch (InterruptedException e) {
            // Bring the sleeper back (a wake of a word nobody sleeps on is harmless), then report.
            FutexCall.wake(address, Integer.MAX_VALUE);
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** See {@link Futex#wake}. */
    public static int wake(MemorySegment segment, long offset, int count) {
        FutexCall.requireSupported();
        return FutexCall.wake(FutexCall.address(segment, offset), count);
    }

    private static Futex.Result sleep(long address, int expected, long timeoutNanos, boolean sliced)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            long left = timeoutNanos < 0 ? -1 : deadline - System.nanoTime();
            if (timeoutNanos >= 0 && left <= 0) {
                return Futex.Result.TIMED_OUT;
            }
            boolean slice = sliced && (left < 0 || left > SLICE_NANOS);
            int r = FutexCall.waitOnce(address, expected, slice ? SLICE_NANOS : left);
            switch (r) {
                case 0 -> {
                    return Futex.Result.WOKEN;
                }
                case FutexCall.EAGAIN -> {
                    return Futex.Result.VALUE_CHANGED;
                }
                case FutexCall.ETIMEDOUT -> {
                    if (!slice) {
                        return Futex.Result.TIMED_OUT;
                    }
                }
                default -> {
                    // EINTR: a signal for this thread (the JVM uses a few); sleep again for what is left.
                }
            }
            if (sliced && Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }
}
