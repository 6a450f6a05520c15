package io.courier.node.internal;

/**
 * The layout of a ring file: a header of three cache-line pairs (so producers, consumer and
 * doorbell never share a line), then the data area of {@code capacity} bytes, a power of two.
 *
 * <pre>
 *   0 | magic (8) | version (4) | capacity (4) | ...                  128 bytes
 * 128 | tail (8): bytes ever claimed by producers (compare-and-set)  128 bytes
 * 256 | head (8): bytes ever consumed (the consumer, release)        128 bytes
 * 384 | doorbell (4): 1 while the consumer sleeps or is about to,     128 bytes
 *     |   2 while threads of its JVM watch the ring in its stead

 * 512 | data: records, each 8-byte aligned, never split at the end ...
 * </pre>
 *
 * <p>A record is a header and its payload:
 *
 * <pre>
 *   0 | length (4): header + payload bytes, 0 until published (release) |
 *   4 | type (4): &gt; 0; {@value #PADDING} for padding up to the end    |
 *   8 | payload ... (then zeros up to the next multiple of 8)           |
 * </pre>
 *
 * <p>The consumer zeroes what it consumed before moving head past it, so an unpublished record
 * reads as length 0. A record that would cross the end is preceded by a padding record filling
 * the rest of the data area, and starts again at 0.
 */
public final class RingLayout {
    public static final long MAGIC = 0x43_52_52_49_4E_47_30_31L; // "CRRING01"
    public static final int VERSION = 1;

    public static final long MAGIC_OFFSET = 0;
    public static final long VERSION_OFFSET = 8;
    public static final long CAPACITY_OFFSET = 12;
    public static final long TAIL_OFFSET = 128;
    public static final long HEAD_OFFSET = 256;
    public static final long DOORBELL_OFFSET = 384;
    public static final long HEADER_SIZE = 512;

    public static final int RECORD_HEADER = 8;
    public static final int LENGTH_FIELD = 0;
    public static final int TYPE_FIELD = 4;
    public static final int ALIGNMENT = 8;
    public static final int PADDING = 0;

    /** The doorbell's values: a producer wakes the consumer only on {@link #SLEEPING}. */
    public static final int AWAKE = 0;
    public static final int SLEEPING = 1;
    /** Threads of the consumer's JVM watch the ring (and take its records) while the consumer sleeps. */
    public static final int WATCHED = 2;

    public static final int MIN_CAPACITY = 64;
    public static final int MAX_CAPACITY = 1 << 30;

    private RingLayout() {
    }

    public static int align(int length) {
        return (length + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /** Whether {@code capacity} is a valid data-area size: a power of two in range. */
    public static boolean validCapacity(long capacity) {
        return capacity >= MIN_CAPACITY && capacity <= MAX_CAPACITY && Long.bitCount(capacity) == 1;
    }
}
