package io.courier.shm;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.shm.internal.Faults;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * QNX's {@code atomic_*()} functions, and the few orderings control words need, on 32- and
 * 64-bit words of a mapping: atomic across threads, processes and JVMs that map the object.
 * Every operation is a read-modify-write with volatile (sequentially consistent) semantics
 * unless its name says otherwise. Offsets are in bytes from the segment's start and must be a
 * multiple of the word size.
 *
 * <p>Errors: EINVAL for a misaligned offset (or a segment, such as a heap array's, that cannot
 * hold aligned words); EFAULT for an offset outside the segment or a segment that is unmapped;
 * EACCES for a write to a read-only mapping.
 */
public final class ShmAtomics {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private ShmAtomics() {
    }

    /** {@code atomic_add()}: adds {@code value}. */
    public static void atomicAdd(MemorySegment seg, long offset, int value) {
        atomicAddValue(seg, offset, value);
    }

    /** {@code atomic_add_value()}: adds {@code value}, returning the previous value. */
    public static int atomicAddValue(MemorySegment seg, long offset, int value) {
        check(seg, offset, Integer.BYTES);
        try {
            return (int) INT.getAndAdd(seg, offset, value);
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }

    /** {@code atomic_sub()}: subtracts {@code value}. */
    public static void atomicSub(MemorySegment seg, long offset, int value) {
        atomicAddValue(seg, offset, -value);
    }

    /** {@code atomic_sub_value()}: subtracts {@code value}, returning the previous value. */
    public static int atomicSubValue(MemorySegment seg, long offset, int value) {
        return atomicAddValue(seg, offset, -value);
    }

    /** {@code atomic_set()}: sets the bits of {@code bits}. */
    public static void atomicSet(MemorySegment seg, long offset, int bits) {
        atomicSetValue(seg, offset, bits);
    }

    /** {@code atomic_set_value()}: sets the bits of {@code bits}, returning the previous value. */
    public static int atomicSetValue(MemorySegment seg, long offset, int bits) {
        check(seg, offset, Integer.BYTES);
        try {
            return (int) INT.getAndBitwiseOr(seg, offset, bits);
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }

    /** {@code atomic_clr()}: clears the bits of {@code bits}. */
    public static void atomicClr(MemorySegment seg, long offset, int bits) {
        atomicClrValue(seg, offset, bits);
    }

    /** {@code atomic_clr_value()}: clears the bits of {@code bits}, returning the previous value. */
    public static int atomicClrValue(MemorySegment seg, long offset, int bits) {
        check(seg, offset, Integer.BYTES);
        try {
            return (int) INT.getAndBitwiseAnd(seg, offset, ~bits);
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }

    /** {@code atomic_toggle()}: flips the bits of {@code bits}. */
    public static void atomicToggle(MemorySegment seg, long offset, int bits) {
        atomicToggleValue(seg, offset, bits);
    }

    /** {@code atomic_toggle_value()}: flips the bits of {@code bits}, returning the previous value. */
    public static int atomicToggleValue(MemorySegment seg, long offset, int bits) {
        check(seg, offset, Integer.BYTES);
        try {
            return (int) INT.getAndBitwiseXor(seg, offset, bits);
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }

    /** Reads an int with acquire ordering: later reads see what the writer released before it. */
    public static int getAcquire(MemorySegment seg, long offset) {
        check(seg, offset, Integer.BYTES);
        try {
            return (int) INT.getAcquire(seg, offset);
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }

    /** Writes an int with release ordering: a reader that acquires it sees every earlier write. */
    public static void setRelease(MemorySegment seg, long offset, int value) {
        check(seg, offset, Integer.BYTES);
        try {
            INT.setRelease(seg, offset, value);
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }

    /** Sets an int to {@code value} if it holds {@code expected}; returns whether it did. */
    public static boolean compareAndSet(MemorySegment seg, long offset, int expected, int value) {
        check(seg, offset, Integer.BYTES);
        try {
            return INT.compareAndSet(seg, offset, expected, value);
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }

    /** Reads a long with acquire ordering. */
    public static long getLongAcquire(MemorySegment seg, long offset) {
        check(seg, offset, Long.BYTES);
        try {
            return (long) LONG.getAcquire(seg, offset);
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }

    /** Writes a long with release ordering. */
    public static void setLongRelease(MemorySegment seg, long offset, long value) {
        check(seg, offset, Long.BYTES);
        try {
            LONG.setRelease(seg, offset, value);
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }

    /** Sets a long to {@code value} if it holds {@code expected}; returns whether it did. */
    public static boolean compareAndSetLong(MemorySegment seg, long offset, long expected, long value) {
        check(seg, offset, Long.BYTES);
        try {
            return LONG.compareAndSet(seg, offset, expected, value);
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }

    /** Adds {@code value} to a long, returning the previous value. */
    public static long getAndAddLong(MemorySegment seg, long offset, long value) {
        check(seg, offset, Long.BYTES);
        try {
            return (long) LONG.getAndAdd(seg, offset, value);
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }

    private static void check(MemorySegment seg, long offset, int size) {
        if (seg == null) {
            throw new KernelException(Errno.EFAULT, "no segment");
        }
        if (offset % size != 0) {
            throw new KernelException(Errno.EINVAL, "offset " + offset + " is not a multiple of " + size);
        }
        if (offset < 0 || offset > seg.byteSize() - size) {
            throw new KernelException(Errno.EFAULT, "offset " + offset + " is outside the " + seg.byteSize()
                    + "-byte segment");
        }
    }
}
