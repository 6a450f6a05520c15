package io.courier.kernel.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Where user and event pulses arrive on a channel: a bounded lock-free ring that any number of
 * senders offer to and the holder of the channel's lock takes from. No object per pulse: a slot
 * is four longs of one array (its sequence, the value, the code, scoid and priority packed, and
 * the age stamp) and a pointer, stored only for {@code msgSendPulsePtr}.
 *
 * <p>A slot's sequence says whose turn it is (as in D. Vyukov's bounded queue): {@code i} (for
 * lap 0) when free for the sender that claims position {@code i}, {@code i + 1} once that sender
 * published it, {@code i + CAPACITY} once taken. A sender claims a position with one
 * compare-and-set of {@link #tail}, writes the slot and publishes it with a release store; the
 * taker (one at a time: the channel's lock) reads published slots in order. A ring holds pulses
 * in arrival order only; {@link PulseLists} orders them by priority, under the lock.
 *
 * <p>The compare-and-set of {@code tail} is also what a waiting receiver pairs with: a sender
 * claims its position, then looks for a receiver that may have parked; a receiver announces that
 * it may park, then looks at {@code tail} ({@link #maybeNonEmpty}). One of the two sees the other.
 *
 * <p>SPEC K8, K9.
 */
final class PulseRing extends PulseRingLayout.PadAfter {
    /** Pulses a ring holds; past this, a sender queues under the lock ({@link Pulses}). */
    static final int CAPACITY = 1024;
    private static final int MASK = CAPACITY - 1;
    private static final int STRIDE = 4;
    private static final int SEQ = 0;
    private static final int VALUE = 1;
    private static final int META = 2;
    private static final int STAMP = 3;
    /** In a slot's META: the slot holds a pointer. */
    static final long HAS_POINTER = 1L << 48;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle TAIL;
    private static final VarHandle HEAD;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            TAIL = l.findVarHandle(PulseRingLayout.TailField.class, "tail", long.class);
            HEAD = l.findVarHandle(PulseRingLayout.HeadField.class, "head", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long[] slots = new long[CAPACITY * STRIDE];
    private final Object[] pointers = new Object[CAPACITY];

    PulseRing() {
        for (int i = 0; i < CAPACITY; i++) {
            slots[i * STRIDE + SEQ] = i;
        }
    }

    /** The priority, code and scoid of a pulse as one long. */
    static long meta(int priority, int code, int scoid) {
        return ((long) (priority & 0xFF) << 40) | ((long) (code & 0xFF) << 32) | (scoid & 0xFFFF_FFFFL);
    }

    static int priority(long meta) {
        return (int) (meta >>> 40) & 0xFF;
    }

    static int code(long meta) {
        return (byte) (meta >>> 32);
    }

    static int scoid(long meta) {
        return (int) meta;
    }

    /**
     * Offers a pulse; false when the ring is full. Wait-free but for the compare-and-set retried
     * when another sender claimed the same position first.
     */
    boolean offer(long meta, long value, long stamp, Object pointer) {
        long t = (long) TAIL.getVolatile(this);
        int base;
        for (;;) {
            base = ((int) t & MASK) * STRIDE;
            long seq = (long) LONGS.getAcquire(slots, base + SEQ);
            long dif = seq - t;
            if (dif == 0) {
                long w = (long) TAIL.compareAndExchange(this, t, t + 1);
                if (w == t) {
                    break;
                }
                t = w;
            } else if (dif < 0) {
                return false;
            } else {
                t = (long) TAIL.getVolatile(this);
            }
        }
        slots[base + VALUE] = value;
        slots[base + STAMP] = stamp;
        if (pointer != null) {
            pointers[base / STRIDE] = pointer;
            meta |= HAS_POINTER;
        }
        slots[base + META] = meta;
        // Release: the slot's fields come before its sequence for the taker.
        LONGS.setRelease(slots, base + SEQ, t + 1);
        return true;
    }

    /**
     * Moves every published pulse, in arrival order, to {@code lists}; the caller holds the
     * channel's lock. Stops at a slot claimed but not yet published: its sender is a few stores
     * from done, and its pulse is concurrent with everything after it.
     */
    void drainTo(PulseLists lists) {
        drain(lists);
    }

    /** As {@link #drainTo}; {@code lists} null drops what it takes. */
    private void drain(PulseLists lists) {
        long h = (long) HEAD.getOpaque(this);
        long start = h;
        for (;;) {
            int base = ((int) h & MASK) * STRIDE;
            if ((long) LONGS.getAcquire(slots, base + SEQ) != h + 1) {
                break;
            }
            long meta = slots[base + META];
            Object pointer = null;
            if ((meta & HAS_POINTER) != 0) {
                int i = base / STRIDE;
                pointer = pointers[i];
                pointers[i] = null;
                meta &= ~HAS_POINTER;
            }
            if (lists != null) {
                lists.add(meta, slots[base + VALUE], slots[base + STAMP], pointer);
            }
            // Release: the slot is read before a sender of the next lap may write it.
            LONGS.setRelease(slots, base + SEQ, h + CAPACITY);
            h++;
        }
        if (h != start) {
            HEAD.setRelease(this, h);
        }
    }

    /**
     * Whether a pulse may be in the ring (claimed, published or not); a volatile read of
     * {@code tail}, which a sender's compare-and-set wrote. Any thread.
     */
    boolean maybeNonEmpty() {
        return (long) TAIL.getVolatile(this) != (long) HEAD.getAcquire(this);
    }

    /** Pulses claimed and not yet taken (approximate while senders offer). */
    int size() {
        return (int) ((long) TAIL.getVolatile(this) - (long) HEAD.getAcquire(this));
    }

    /** Forgets every published pulse (the channel's destruction); under the channel's lock. */
    void clear() {
        drain(null);
    }
}
