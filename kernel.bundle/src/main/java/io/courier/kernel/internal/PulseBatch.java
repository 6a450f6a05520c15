package io.courier.kernel.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The oldest pulses of a channel, all of one priority, set aside by a receiver holding the
 * channel's lock for the receives that follow to take without it: one compare-and-set each, on
 * a line only receivers write. A receive under the lock takes one pulse and, when nothing else
 * can come first, moves up to {@link #CAPACITY} more of its priority here (from that
 * priority's FIFO, then from the ring's head).
 *
 * <p>What keeps the order (SPEC K9): a batch opens only while no sender is queued, no other
 * receiver waits and no pulse of the channel is above its priority; the pulses it holds are
 * older than every other pulse of that priority. Every path that queues a sender or a pulse
 * under the lock, and every receive under it, first closes the batch ({@link Channel#pulses}):
 * what is left goes back to the front of its FIFO with its age stamp, and the decision is taken
 * as if there had been no batch. A pulse of higher priority arriving in the ring raises the
 * ring's bound ({@link PulseRing#top}), which a taker reads before its compare-and-set: it then
 * takes the lock instead. A message sender that would hand itself to a waiting receiver without
 * the lock looks here too ({@link #open}).
 *
 * <p>The state is one long: a generation (32 bits), the next index and the end (16 bits each).
 * A taker reads the state, the slot, then claims it by compare-and-set of the whole state, so a
 * slot read from a batch that was closed and reopened meanwhile is never taken.
 *
 * <p>SPEC K8, K9, K10, K11.
 */
final class PulseBatch extends PulseBatchLayout.PadAfter {
    /** Pulses a batch holds at most. */
    static final int CAPACITY = 128;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(PulseBatchLayout.StateField.class, "state", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long[] metas = new long[CAPACITY];
    private final long[] values = new long[CAPACITY];
    private final long[] stamps = new long[CAPACITY];
    private final Object[] pointers = new Object[CAPACITY];
    /** The priority of the pulses of the open batch; written before the state that opens it. */
    private int prio;
    /** Pulses being put in, before {@link #open(int)}; the lock holder only. */
    private int filling;
    /** Whether the slots hold pointers to forget on close (the lock holder only). */
    private boolean anyPointer;

    private static int next(long s) {
        return (int) (s >>> 16) & 0xFFFF;
    }

    private static int end(long s) {
        return (int) s & 0xFFFF;
    }

    private static long gen(long s) {
        return s >>> 32;
    }

    /** Pulses left in the open batch (approximate while takers take). Any thread. */
    int size() {
        long s = (long) STATE.getAcquire(this);
        return end(s) - next(s);
    }

    /** Whether a pulse may be left here: a volatile read. Any thread. */
    boolean open() {
        long s = (long) STATE.getVolatile(this);
        return next(s) != end(s);
    }

    /** The priority of the open batch's pulses. */
    int priority() {
        return prio;
    }

    /** Puts a pulse in the batch being filled (closed); the lock holder only. */
    void put(long meta, long value, long stamp, Object pointer) {
        int i = filling++;
        metas[i] = meta;
        values[i] = value;
        stamps[i] = stamp;
        pointers[i] = pointer;
        if (pointer != null) {
            anyPointer = true;
        }
    }

    /** Room left while filling. */
    int room() {
        return CAPACITY - filling;
    }

    /** Opens what was put in, of priority {@code priority}; the lock holder only, the batch closed. */
    void open(int priority) {
        int n = filling;
        filling = 0;
        if (n == 0) {
            return;
        }
        prio = priority;
        long s = (long) STATE.getOpaque(this);
        // Release: the slots and the priority before the state that opens them.
        STATE.setRelease(this, ((gen(s) + 1) << 32) | n);
    }

    /** The state, for a taker: read it, then the slot at {@link #index}, then {@link #claim} it. */
    long state() {
        return (long) STATE.getAcquire(this);
    }

    /** The slot a taker of state {@code s} takes; -1 when the batch is empty. */
    static int index(long s) {
        int i = next(s);
        return i < end(s) ? i : -1;
    }

    long metaAt(int i) {
        return metas[i];
    }

    long valueAt(int i) {
        return values[i];
    }

    Object pointerAt(int i) {
        return anyPointer ? pointers[i] : null;
    }

    /**
     * Claims the slot of state {@code s}, read before: false when another taker or a close (and
     * maybe a new batch) came first, and what was read of the slot is to be forgotten.
     */
    boolean claim(long s) {
        return STATE.compareAndSet(this, s, s + (1L << 16));
    }

    /**
     * Closes the batch and moves what is left, in order, to the front of their FIFO in
     * {@code lists}; the lock holder only.
     */
    void close(PulseLists lists) {
        long s;
        do {
            s = (long) STATE.getAcquire(this);
            if (next(s) == end(s)) {
                break;
            }
        } while (!STATE.compareAndSet(this, s, (s & ~0xFFFF_FFFFL) | ((long) end(s) << 16) | end(s)));
        int from = next(s);
        int to = end(s);
        for (int i = to - 1; i >= from; i--) {
            if (lists != null) {
                lists.addFirst(metas[i], values[i], stamps[i], pointers[i]);
            }
        }
        if (anyPointer) {
            java.util.Arrays.fill(pointers, null);
            anyPointer = false;
        }
    }
}
