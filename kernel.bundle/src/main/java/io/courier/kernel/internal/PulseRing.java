package io.courier.kernel.internal;

import io.courier.kernel.Kernel;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Where user and event pulses arrive on a channel: a bounded lock-free ring that any number of
 * senders offer to and the holder of the channel's lock takes from. No object per pulse: a slot
 * is two longs of one array, the code, scoid and priority packed ({@link #meta}) and the value,
 * four slots to a cache line; a pointer ({@code msgSendPulsePtr}) goes in a side array.
 *
 * <p>A sender claims a position with one compare-and-set of {@link #tail} (after checking, against
 * a cached head, that the slot is free: JCTools' MPSC array queue does the same), writes the
 * value and publishes the slot by a release store of its meta word, never 0 (a priority is at
 * least 1). A sender whose compare-and-set loses to another yields before it tries again: the
 * other made progress, and where sender threads outnumber the cores, two senders passing the
 * tail's line back and forth only keep the receiver off a core (four virtual senders and one
 * virtual receiver on two carriers: mostly 6–10 M pulses a second before, 10.6–14.9 M after;
 * {@code benchmarks/RESULTS.md}). The taker reads published slots in order, zeroes them and
 * moves {@code head} on with a release store. A ring holds pulses in arrival order only;
 * {@link PulseLists} orders them by priority, under the lock, and gives each the age stamp it is
 * drained with.
 *
 * <p>The compare-and-set of {@code tail} is also what a parking receiver pairs with: a sender
 * claims its position, then looks whether a receiver parks ({@link Channel#hasSleepers}); a
 * receiver counts itself among those, then looks at {@code tail} ({@link #maybeNonEmpty}). One of
 * the two sees the other.
 *
 * <p>SPEC K8, K9.
 */
final class PulseRing extends PulseRingLayout.PadAfter {
    /** Pulses a ring holds; past this, a sender queues under the lock ({@link Pulses}). */
    static final int CAPACITY = 1024;
    private static final int MASK = CAPACITY - 1;
    /** In a meta word: the slot holds a pointer. */
    private static final long HAS_POINTER = 1L << 48;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle TAIL;
    private static final VarHandle LIMIT;
    private static final VarHandle HEAD;
    private static final VarHandle TOP;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            TAIL = l.findVarHandle(PulseRingLayout.TailFields.class, "tail", long.class);
            LIMIT = l.findVarHandle(PulseRingLayout.TailFields.class, "limit", long.class);
            HEAD = l.findVarHandle(PulseRingLayout.HeadField.class, "head", long.class);
            TOP = l.findVarHandle(PulseRingLayout.TopField.class, "top", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Slot {@code i}: meta at {@code 2i} (0 while free), value at {@code 2i + 1}. */
    private final long[] slots = new long[CAPACITY * 2];
    private final Object[] pointers = new Object[CAPACITY];

    PulseRing() {
        limit = CAPACITY;
    }

    /** The priority, code and scoid of a pulse as one long, never 0. */
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
     * Offers a pulse; false when the ring is full. Lock-free: the compare-and-set is retried,
     * after a yield, only when another sender claimed the same position first.
     */
    boolean offer(long meta, long value, Object pointer) {
        // Acquire: pairs with the release below, so a bound another sender read carries its view of head.
        long lim = (long) LIMIT.getAcquire(this);
        long t;
        for (;;) {
            t = (long) TAIL.getVolatile(this);
            if (t >= lim) {
                // Acquire: the taker zeroed the slots before it moved head past them.
                lim = (long) HEAD.getAcquire(this) + CAPACITY;
                if (t >= lim) {
                    return false;
                }
                LIMIT.setRelease(this, lim);
            }
            if (TAIL.compareAndSet(this, t, t + 1)) {
                break;
            }
            // Another sender took the position: it made progress, so this one gives up its core
            // (to the receiver, where threads outnumber cores) rather than contend for the line.
            Thread.yield();
        }
        int i = (int) t & MASK;
        slots[2 * i + 1] = value;
        // After the claim (its compare-and-set is the fence), before the publication: a pulse
        // whose send is over is always under the bound; the taker's reset pairs with this.
        int prio = priority(meta);
        if (prio > (int) TOP.getVolatile(this)) {
            raise(prio);
        }
        if (pointer != null) {
            pointers[i] = pointer;
            meta |= HAS_POINTER;
        }
        // Release: the value (and pointer) come before the meta word that publishes them.
        LONGS.setRelease(slots, 2 * i, meta);
        return true;
    }

    /** Raises {@link #top} to at least {@code prio}. */
    private void raise(int prio) {
        for (int cur = (int) TOP.getVolatile(this); cur < prio; cur = (int) TOP.getVolatile(this)) {
            if (TOP.compareAndSet(this, cur, prio)) {
                return;
            }
        }
    }

    /**
     * A bound of the priorities of the pulses in the ring whose senders are done: none of them
     * is above it. A sender raises it after claiming its slot and before publishing it; the
     * taker lowers it when it found the ring empty ({@link #drainTo}). A pulse at the head with
     * this priority or more is the ring's first by priority, then age, and may be taken
     * without moving the rest ({@link #peek}, {@link #poll}). Volatile.
     */
    int top() {
        return (int) TOP.getVolatile(this);
    }

    /** The meta word of the pulse at the head, or 0 when none is published there. The taker only. */
    long peek() {
        long h = (long) HEAD.getOpaque(this);
        return (long) LONGS.getAcquire(slots, 2 * ((int) h & MASK));
    }

    /**
     * Takes the pulse at the head, which {@link #peek} found published with meta word
     * {@code meta}: its value is returned, its pointer (if any) put in {@code pointer[0]}. The
     * taker only, under the channel's lock.
     */
    long poll(long meta, Object[] pointer) {
        long h = (long) HEAD.getOpaque(this);
        int i = (int) h & MASK;
        long value = slots[2 * i + 1];
        if ((meta & HAS_POINTER) != 0) {
            pointer[0] = pointers[i];
            pointers[i] = null;
        }
        // Plain: ordered before the next lap's sender by the release store of head.
        slots[2 * i] = 0;
        HEAD.setRelease(this, h + 1);
        return value;
    }

    /** The meta word without the ring's own mark of a pointer. */
    static long bare(long meta) {
        return meta & ~HAS_POINTER;
    }

    /**
     * Moves every pulse claimed so far, in arrival order, to {@code lists} with age stamp
     * {@code stamp}; the caller holds the channel's lock. A slot claimed but not yet published
     * is waited for (its sender is a few stores from done), up to the tail read when the first
     * such slot is met: the pulses published behind it may belong to a sender that is done, and
     * must not be overtaken (by a pulse queued under the lock, a message, or a lower priority).
     */
    void drainTo(PulseLists lists, long stamp) {
        long h = (long) HEAD.getOpaque(this);
        long start = h;
        long end = -1;
        int seen = 0;
        for (int round = 0;;) {
            int i = (int) h & MASK;
            long meta = (long) LONGS.getAcquire(slots, 2 * i);
            if (meta == 0) {
                if (end < 0) {
                    end = (long) TAIL.getVolatile(this);
                }
                if (h >= end) {
                    break;
                }
                Blocking.pause(round++);
                continue;
            }
            Object pointer = null;
            if ((meta & HAS_POINTER) != 0) {
                pointer = pointers[i];
                pointers[i] = null;
                meta &= ~HAS_POINTER;
            }
            int prio = priority(meta);
            if (prio > seen) {
                seen = prio;
            }
            if (lists != null) {
                lists.add(meta, slots[2 * i + 1], stamp, pointer);
            }
            // Plain: ordered before the next lap's sender by the release store of head below.
            slots[2 * i] = 0;
            h++;
        }
        if (h != start) {
            HEAD.setRelease(this, h);
        }
        // Empty up to the tail read above: the bound may come down to what is left, nothing.
        // Lowered first, then the tail read again (Dekker with a sender's claim and its look at
        // the bound): a pulse claimed in between may have read the old bound, so the bound goes
        // to the highest priority there is.
        if (end >= 0 && (int) TOP.getOpaque(this) > seen) {
            TOP.setVolatile(this, 0);
            if ((long) TAIL.getVolatile(this) != h) {
                TOP.setVolatile(this, Kernel.PRIORITY_MAX);
            }
        }
    }

    /**
     * Whether the next pulse to take is published: a read of the slot the taker reads next,
     * which its sender writes anyway. A receiver spinning on this leaves {@code tail}'s line to
     * the senders; it is no Dekker partner (a sender does not look for receivers that spin).
     */
    boolean hasPublished() {
        long h = (long) HEAD.getAcquire(this);
        return (long) LONGS.getAcquire(slots, 2 * ((int) h & MASK)) != 0;
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
        drainTo(null, 0);
    }
}
