package io.courier.node;

import io.courier.node.internal.FutexCall;
import io.courier.node.internal.FutexWaits;
import java.lang.foreign.MemorySegment;

/**
 * A Linux futex on a 32-bit word of shared memory: the way a Courier thread sleeps until a thread
 * of another JVM of the node wakes it, costing no CPU meanwhile. An FFM downcall to the
 * {@code futex(2)} system call, its shared (not {@code _PRIVATE}) forms, since the word is in a
 * {@code MAP_SHARED} file mapping that several processes map. Linux on x86_64 or aarch64 only;
 * elsewhere every call throws {@link UnsupportedOperationException} saying why. The JVM must
 * grant native access ({@code --enable-native-access=ALL-UNNAMED}).
 *
 * <p>A futex carries no state of its own: a waiter sleeps only while the word still holds the
 * value it expects, so a wake that comes between its check and its sleep is never lost, provided
 * the waker changes the word before waking. Wake-ups may be spurious: recheck after every return.
 *
 * <p>Threads: a platform thread sleeps in the system call. A virtual thread hands the sleep to a
 * platform sleeper thread and parks, so it never holds its carrier while asleep.
 */
public final class Futex {
    /** How an {@link #await} ended. */
    public enum Result {
        /** Woken (or spuriously): recheck the condition. */
        WOKEN,
        /** The word did not hold the expected value ({@code EAGAIN}): no sleep at all. */
        VALUE_CHANGED,
        /** The timeout passed ({@code ETIMEDOUT}). */
        TIMED_OUT
    }

    private Futex() {
    }

    /** Whether futexes work here (Linux on x86_64 or aarch64, the downcall linked). */
    public static boolean isSupported() {
        return FutexCall.UNSUPPORTED == null;
    }

    /**
     * {@code FUTEX_WAIT}: sleeps while the int at {@code offset} of {@code segment} holds
     * {@code expected}, at most {@code timeoutNanos} (negative: no limit). Signals ({@code EINTR})
     * are absorbed: the sleep goes on for the time left.
     *
     * @throws InterruptedException the thread was interrupted (seen within 100 ms by a platform thread)
     * @throws IllegalArgumentException the word is not a 4-byte aligned int of native memory
     */
    public static Result await(MemorySegment segment, long offset, int expected, long timeoutNanos)
            throws InterruptedException {
        return FutexWaits.await(segment, offset, expected, timeoutNanos);
    }

    /** {@code FUTEX_WAKE}: wakes up to {@code count} threads sleeping on the word, returning how many woke. */
    public static int wake(MemorySegment segment, long offset, int count) {
        return FutexWaits.wake(segment, offset, count);
    }
}
