package io.courier.kernel.internal;

/**
 * A channel's queued pulses by priority, as QNX keeps them: one FIFO per priority (1..255) and a
 * bitmap of the priorities that hold any, so the highest is found with a few bit scans. A FIFO
 * is a growable circular array of primitives (value, code/scoid/priority, age stamp), made on a
 * priority's first pulse and kept: no object per pulse. Guarded by the channel's lock.
 *
 * <p>The age stamp orders a pulse against SEND-blocked messages of the same priority (SPEC K9):
 * it is the sequence the channel's next queued sender will take, read when the pulse comes here
 * from the ring or is queued under the lock; a sender drains the ring before it takes its
 * sequence ({@link Channel#queueSeq}). So a pulse with stamp {@code s} is older than the message
 * with sequence {@code m} when {@code s <= m}, and a pulse sent after a message was queued is
 * younger.
 *
 * <p>SPEC K8, K9.
 */
final class PulseLists {
    private final long[] bits = new long[4];
    private final Fifo[] fifos = new Fifo[256];
    private int count;

    /** Pulses queued here. */
    int count() {
        return count;
    }

    /** Queues a pulse at the tail of its priority's FIFO. */
    void add(long meta, long value, long stamp, Object pointer) {
        fifoToFill(PulseRing.priority(meta)).add(value, meta, stamp, pointer);
        count++;
    }

    /** The FIFO of priority {@code prio}, made if new, its priority marked as holding a pulse. */
    private Fifo fifoToFill(int prio) {
        Fifo f = fifos[prio];
        if (f == null) {
            f = fifos[prio] = new Fifo();
        }
        if (f.size == 0) {
            bits[prio >>> 6] |= 1L << (prio & 63);
        }
        return f;
    }

    /**
     * Puts a pulse back at the head of its priority's FIFO: one a receiver set aside
     * ({@link PulseBatch}), older than every pulse queued there since.
     */
    void addFirst(long meta, long value, long stamp, Object pointer) {
        fifoToFill(PulseRing.priority(meta)).addFirst(value, meta, stamp, pointer);
        count++;
    }

    /** The highest priority that holds a pulse, or -1. */
    int topPriority() {
        for (int w = 3; w >= 0; w--) {
            long b = bits[w];
            if (b != 0) {
                return (w << 6) + 63 - Long.numberOfLeadingZeros(b);
            }
        }
        return -1;
    }

    /** The age stamp of the oldest pulse of priority {@code prio}, which holds one. */
    long stamp(int prio) {
        Fifo f = fifos[prio];
        return f.data[f.head * 3 + 2];
    }

    /** The value of the oldest pulse of priority {@code prio}. */
    long value(int prio) {
        Fifo f = fifos[prio];
        return f.data[f.head * 3];
    }

    /** The packed priority, code and scoid of the oldest pulse of priority {@code prio}. */
    long meta(int prio) {
        Fifo f = fifos[prio];
        return f.data[f.head * 3 + 1];
    }

    /** The pointer of the oldest pulse of priority {@code prio}, or null. */
    Object pointer(int prio) {
        Fifo f = fifos[prio];
        return f.pointers == null ? null : f.pointers[f.head];
    }

    /** Drops the oldest pulse of priority {@code prio}, after it was read. */
    void remove(int prio) {
        Fifo f = fifos[prio];
        f.remove();
        if (f.size == 0) {
            bits[prio >>> 6] &= ~(1L << (prio & 63));
        }
        count--;
    }

    /** Drops every pulse; FIFOs stay for the next. */
    void clear() {
        for (Fifo f : fifos) {
            if (f != null) {
                f.clear();
            }
        }
        java.util.Arrays.fill(bits, 0L);
        count = 0;
    }

    /** One priority's pulses, oldest first: a circular array of 3 longs each, growing by doubling. */
    private static final class Fifo {
        long[] data = new long[16 * 3];
        Object[] pointers;
        int head;
        int size;

        void add(long value, long meta, long stamp, Object pointer) {
            int cap = data.length / 3;
            if (size == cap) {
                grow(cap);
                cap = data.length / 3;
            }
            int i = (head + size) & (cap - 1);
            data[i * 3] = value;
            data[i * 3 + 1] = meta;
            data[i * 3 + 2] = stamp;
            if (pointer != null) {
                if (pointers == null) {
                    pointers = new Object[cap];
                }
                pointers[i] = pointer;
            }
            size++;
        }

        void addFirst(long value, long meta, long stamp, Object pointer) {
            int cap = data.length / 3;
            if (size == cap) {
                grow(cap);
                cap = data.length / 3;
            }
            head = (head - 1) & (cap - 1);
            data[head * 3] = value;
            data[head * 3 + 1] = meta;
            data[head * 3 + 2] = stamp;
            if (pointer != null) {
                if (pointers == null) {
                    pointers = new Object[cap];
                }
                pointers[head] = pointer;
            } else if (pointers != null) {
                pointers[head] = null;
            }
            size++;
        }

        void remove() {
            if (pointers != null) {
                pointers[head] = null;
            }
            head = (head + 1) & (data.length / 3 - 1);
            size--;
        }

        private void grow(int cap) {
            long[] d = new long[cap * 2 * 3];
            Object[] p = pointers == null ? null : new Object[cap * 2];
            for (int k = 0; k < size; k++) {
                int from = (head + k) & (cap - 1);
                System.arraycopy(data, from * 3, d, k * 3, 3);
                if (p != null) {
                    p[k] = pointers[from];
                }
            }
            data = d;
            pointers = p;
            head = 0;
        }

        void clear() {
            if (pointers != null) {
                java.util.Arrays.fill(pointers, null);
            }
            head = 0;
            size = 0;
        }
    }
}
