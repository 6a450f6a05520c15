package io.courier.node.internal;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The Linux {@code futex(2)} system call through {@code syscall(3)}, an FFM downcall. Only the
 * shared forms are used ({@code FUTEX_WAIT} and {@code FUTEX_WAKE}, never the {@code _PRIVATE}
 * ones): the word lives in a {@code MAP_SHARED} file mapping that other processes map too, and
 * the kernel keys a shared futex by the page's file and offset, not by this process's address.
 *
 * <p>{@code syscall} is variadic: every argument after the number is passed as a 64-bit
 * integer (addresses included), which is what glibc's {@code syscall} reads back on x86_64 and
 * aarch64. The wait captures {@code errno}; the wake does not (it cannot block and fails only
 * for a bad address, a programming error reported without the number), so a wake allocates
 * nothing.
 */
public final class FutexCall {
    /** {@code FUTEX_WAIT}: sleep while the word holds the expected value. */
    static final long FUTEX_WAIT = 0;
    /** {@code FUTEX_WAKE}: wake up to n sleepers. */
    static final long FUTEX_WAKE = 1;

    /** errno values: the same numbers on x86_64 and aarch64 (asm-generic). */
    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int ETIMEDOUT = 110;

    /** Why the futex cannot be used here, or null when it can. */
    public static final String UNSUPPORTED;
    private static final long SYS_FUTEX;
    private static final MethodHandle WAIT;
    private static final MethodHandle WAKE;
    private static final StructLayout CAPTURE;
    private static final VarHandle ERRNO;

    /**
     * Native memory for the waits, so that a wait allocates no arena and calls no malloc: a slot
     * each (the errno capture, then a timespec), taken by one waiter at a time. A wait that finds
     * every slot taken uses an arena of its own, as all did before.
     */
    private static final int SCRATCH_SLOTS = 64;
    /** A slot's bytes: a cache line, so that waiters on different cores do not share one. */
    private static final long SCRATCH_STRIDE = 64;
    /** Where a slot's timespec starts, after the errno capture. */
    private static final long TIMESPEC_AT = 32;
    private static final MemorySegment SCRATCH;
    private static final MemorySegment[] SCRATCH_CAPTURE;
    private static final AtomicIntegerArray SCRATCH_TAKEN = new AtomicIntegerArray(SCRATCH_SLOTS);

    static {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        long nr = switch (arch) {
            case "amd64", "x86_64" -> 202;
            case "aarch64", "arm64" -> 98;
            default -> -1;
        };
        String why = null;
        MethodHandle wait = null;
        MethodHandle wake = null;
        StructLayout capture = null;
        VarHandle errno = null;
        if (!os.startsWith("Linux")) {
            why = "the futex needs Linux; this is " + os + " on " + arch;
        } else if (nr < 0) {
            why = "the futex's system call number is known for x86_64 and aarch64 only; this is " + arch;
        } else {
            try {
                Linker linker = Linker.nativeLinker();
                MemorySegment syscall = linker.defaultLookup().find("syscall")
                        .orElseThrow(() -> new UnsatisfiedLinkError("no syscall symbol in the C library"));
                // long syscall(long nr, uaddr, op, val, timeout, uaddr2, val3): all after nr variadic, as longs.
                FunctionDescriptor six = FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                        JAVA_LONG, JAVA_LONG, JAVA_LONG);
                capture = Linker.Option.captureStateLayout();
                errno = capture.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
                wait = link(linker, syscall, six, Linker.Option.firstVariadicArg(1),
                        Linker.Option.captureCallState("errno"));
                // A wake never blocks: no thread-state transition needed.
                wake = link(linker, syscall, six, Linker.Option.firstVariadicArg(1),
                        Linker.Option.critical(false));
            } catch (RuntimeException | UnsatisfiedLinkError e) {
                why = "the futex downcall could not be linked: " + e;
            }
        }
        UNSUPPORTED = why;
        SYS_FUTEX = nr;
        WAIT = wait;
        WAKE = wake;
        CAPTURE = capture;
        ERRNO = errno;
        if (why == null && capture.byteSize() <= TIMESPEC_AT) {
            SCRATCH = Arena.global().allocate(SCRATCH_SLOTS * SCRATCH_STRIDE, SCRATCH_STRIDE);
            SCRATCH_CAPTURE = new MemorySegment[SCRATCH_SLOTS];
            for (int i = 0; i < SCRATCH_SLOTS; i++) {
                SCRATCH_CAPTURE[i] = SCRATCH.asSlice(i * SCRATCH_STRIDE, capture);
            }
        } else {
            SCRATCH = null;
            SCRATCH_CAPTURE = null;
        }
    }

    private FutexCall() {
    }

    /** A restricted call, on purpose: the one place this bundle needs native access. */
    @SuppressWarnings("restricted")
    private static MethodHandle link(Linker linker, MemorySegment symbol, FunctionDescriptor d, Linker.Option... o) {
        return linker.downcallHandle(symbol, d, o);
    }

    /** Throws a clear exception when the futex cannot be used on this machine. */
    public static void requireSupported() {
        if (UNSUPPORTED != null) {
            throw new UnsupportedOperationException(UNSUPPORTED);
        }
    }

    /**
     * One {@code FUTEX_WAIT} on the word at {@code address}: 0 when woken (or spuriously), else
     * the errno ({@link #EAGAIN}: the word did not hold {@code expected}; {@link #ETIMEDOUT};
     * {@link #EINTR}: a signal). {@code timeoutNanos < 0}: no timeout.
     */
    static int waitOnce(long address, int expected, long timeoutNanos) {
        int slot = takeScratch();
        if (slot < 0) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment timespec = timeoutNanos < 0 ? null : arena.allocate(16, 8);
                return waitOnce(arena.allocate(CAPTURE), timespec, 0, address, expected, timeoutNanos);
            }
        }
        try {
            return waitOnce(SCRATCH_CAPTURE[slot], SCRATCH, slot * SCRATCH_STRIDE + TIMESPEC_AT, address, expected,
                    timeoutNanos);
        } finally {
            // Release: this wait's use of the slot comes before the next waiter's.
            SCRATCH_TAKEN.setRelease(slot, 0);
        }
    }

    /** A free slot of {@link #SCRATCH}, now taken by the caller, or -1 when none is free (or there is none). */
    private static int takeScratch() {
        if (SCRATCH == null) {
            return -1;
        }
        int start = (int) Thread.currentThread().threadId();
        for (int k = 0; k < SCRATCH_SLOTS; k++) {
            int i = (start + k) & (SCRATCH_SLOTS - 1);
            if (SCRATCH_TAKEN.getPlain(i) == 0 && SCRATCH_TAKEN.compareAndSet(i, 0, 1)) {
                return i;
            }
        }
        return -1;
    }

    /** The wait, with {@code state} for errno and the timespec (if a timeout) at {@code at} of {@code timespec}. */
    private static int waitOnce(MemorySegment state, MemorySegment timespec, long at, long address, int expected,
            long timeoutNanos) {
        long ts = 0;
        if (timeoutNanos >= 0) {
            timespec.set(JAVA_LONG, at, timeoutNanos / 1_000_000_000L);
            timespec.set(JAVA_LONG, at + 8, timeoutNanos % 1_000_000_000L);
            ts = timespec.address() + at;
        }
        try {
            long r = (long) WAIT.invokeExact(state, SYS_FUTEX, address, FUTEX_WAIT, (long) expected, ts, 0L, 0L);
            if (r == 0) {
                return 0;
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        int errno = (int) ERRNO.get(state, 0L);
        if (errno == EAGAIN || errno == ETIMEDOUT || errno == EINTR) {
            return errno;
        }
        throw new IllegalStateException("futex wait failed with errno " + errno);
    }

    /** {@code FUTEX_WAKE}: wakes up to {@code count} sleepers on the word, returning how many woke. */
    static int wake(long address, int count) {
        long r;
        try {
            r = (long) WAKE.invokeExact(SYS_FUTEX, address, FUTEX_WAKE, (long) count, 0L, 0L, 0L);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (r < 0) {
            throw new IllegalStateException("futex wake failed (EFAULT or EINVAL: the word is not a mapped, aligned int)");
        }
        return (int) r;
    }

    /** The address of the int at {@code offset}, after checking it is a whole, aligned int of a native segment. */
    static long address(MemorySegment segment, long offset) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("a futex word must live in native (mapped) memory");
        }
        if (offset < 0 || offset > segment.byteSize() - JAVA_INT.byteSize()) {
            throw new IndexOutOfBoundsException("futex word at " + offset + " outside a segment of " + segment.byteSize());
        }
        long a = segment.address() + offset;
        if ((a & 3) != 0) {
            throw new IllegalArgumentException("a futex word must be 4-byte aligned: " + Long.toHexString(a));
        }
        return a;
    }
}
