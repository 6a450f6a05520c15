package io.courier.node.internal;

import static io.courier.node.internal.RingLayout.ALIGNMENT;
import static io.courier.node.internal.RingLayout.AWAKE;
import static io.courier.node.internal.RingLayout.DOORBELL_OFFSET;
import static io.courier.node.internal.RingLayout.HEADER_SIZE;
import static io.courier.node.internal.RingLayout.HEAD_OFFSET;
import static io.courier.node.internal.RingLayout.LENGTH_FIELD;
import static io.courier.node.internal.RingLayout.PADDING;
import static io.courier.node.internal.RingLayout.RECORD_HEADER;
import static io.courier.node.internal.RingLayout.SLEEPING;
import static io.courier.node.internal.RingLayout.TAIL_OFFSET;
import static io.courier.node.internal.RingLayout.TYPE_FIELD;
import static io.courier.node.internal.RingLayout.WATCHED;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.courier.node.CorruptRingException;
import io.courier.node.Futex;
import io.courier.node.RecordHandler;
import io.courier.node.Ring;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * {@link Ring} over {@link RingLayout}. Multi-producer (threads of one JVM, a compare-and-set on
 * tail), single-consumer.
 *
 * <p>Why one ring per direction between two JVMs rather than one ring per receiver fed by every
 * JVM: a producer that dies between claiming space and publishing it leaves a hole the consumer
 * must wait on. With the producers of one ring all in one JVM, such a hole means that JVM died,
 * and the ring goes with it; no JVM can stall another's traffic, and a corrupt ring names exactly
 * one peer to cut off.
 *
 * <p>Trust: the consumer keeps its own head and never reads it back; it reads tail and each
 * record's length and type from shared memory and checks each before use. Producers compute
 * every write position modulo the capacity (so they cannot write outside the data area) and
 * check the head they read. The capacity is read once, at open, and checked against the file.
 *
 * <p>Taking records: one thread at a time holds the ring's poll rights (a flag of this object, in
 * this JVM only), the consumer for each of its calls, or a thread that watches the ring ({@link
 * #watch}) for one {@link #tryPoll}. A thread that does not get them does not wait: whoever holds
 * them takes what is there.
 *
 * <p>Closing: every look at or write to the mapping by a thread of this JVM is counted while it
 * runs ({@link #enter}), and {@link #close} unmaps only once no thread is inside. A shared
 * arena closed while another thread reads its memory makes the JVM throw into that thread
 * asynchronously and set its interrupt status as it does so: a thread waiting in a kernel call,
 * watching the ring of a peer that is being cut off, would leave its next call with EINTR though
 * nobody interrupted it.
 */
public final class RingImpl implements Ring {
    private static final VarHandle LONG = JAVA_LONG.varHandle();
    private static final VarHandle INT = JAVA_INT.varHandle();
    /** {@link #rights}: 1 while a thread takes records. */
    private static final VarHandle RIGHTS;
    /** {@link #watchers}: how many threads of this JVM watch the ring. */
    private static final VarHandle WATCHERS;
    /** {@link #head}, read by watchers as a hint without the rights. */
    private static final VarHandle HEAD;
    /** {@link #headSeen}: written and read by this JVM's producers. */
    private static final VarHandle HEAD_SEEN;
    /** {@link #closed}: set once, by the close that unmaps. */
    private static final VarHandle CLOSED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            RIGHTS = l.findVarHandle(RingImpl.class, "rights", int.class);
            WATCHERS = l.findVarHandle(RingImpl.class, "watchers", int.class);
            HEAD = l.findVarHandle(RingImpl.class, "head", long.class);
            HEAD_SEEN = l.findVarHandle(RingImpl.class, "headSeen", long.class);
            CLOSED = l.findVarHandle(RingImpl.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    /**
     * How long an idle consumer spins at most, then yields, before it sleeps on the doorbell
     * (system properties {@code courier.node.spinNanos} and {@code courier.node.yieldNanos}).
     * No yields by default: on a busy machine one {@code sched_yield} can hand the core to
     * another process for a whole time slice.
     */
    static final long SPIN_NANOS = Long.getLong("courier.node.spinNanos", 20_000);
    static final long YIELD_NANOS = Long.getLong("courier.node.yieldNanos", 0);
    /** The least the adaptive spin falls to: enough to catch a producer that is running. */
    static final long MIN_SPIN_NANOS = 1_000;
    /** How often (a power of two) a wait spins in full whatever the adaptive spin says. */
    static final int PROBE_EVERY = 64;
    /**
     * How long {@link #close} waits at most for the threads inside the mapping to leave it, waking
     * a consumer on its way into a sleep meanwhile.
     */
    private static final long CLOSE_WAKE_NANOS = 1_000_000_000L;
    /** How a wait ended. */
    private static final int TIMED_OUT = 0;
    private static final int SERVED_SPINNING = 1;
    private static final int SERVED_SLEEPING = 2;

    private final String name;
    private final String peer;
    private final Arena arena;
    private final MemorySegment file;
    private final MemorySegment data;
    /**
     * {@link #data} as a buffer, for copies to and from direct and read-only buffers by absolute
     * bulk puts (a segment over such a buffer would be an object or two per record).
     */
    private final ByteBuffer dataView;
    private final int capacity;
    private final int mask;
    private final int maxPayload;

    /**
     * Producers' side: the consumer's head as a producer of this JVM last read it from the file;
     * at most the real head, as the consumer only moves it forward.
     */
    @SuppressWarnings("unused") // through HEAD_SEEN
    private long headSeen;

    // Consumer side: the holder of the poll rights.
    private long head;
    private int lastType;
    /** The type of the record {@link #nextLength()} found. */
    private int nextType;
    private CorruptRingException corrupt;
    /**
     * Run by the consumer after its last look and before it sleeps, for tests that play what
     * other threads do in that window; null otherwise.
     */
    volatile Runnable beforeSleep;

    /** How many times the consumer slept on the doorbell (consumer-local; for tests and figures). */
    long sleeps;
    /** How long {@link #await(long)} spins now: adapts between MIN_SPIN_NANOS and SPIN_NANOS. */
    private long adaptiveSpin = SPIN_NANOS;
    private int waits;
    /** How many records {@link #tryPoll} took (under the rights; for tests and figures). */
    long watchedRecords;
    private volatile boolean closed;
    @SuppressWarnings("unused") // through RIGHTS
    private int rights;
    @SuppressWarnings("unused") // through WATCHERS
    private int watchers;
    /**
     * The calls of this JVM inside the mapping, counted apart for the consumer's calls ({@link
     * #await}, {@link #poll}, {@link #read}, {@link #available}) and everyone else's ({@link
     * #offer}, {@link #watch}, {@link #tryPoll}, {@link #unwatch}), so that the consumer and a
     * watching thread, both looking as a record comes, never contend for one count.
     */
    private final UseCount consumerCalls = new UseCount();
    private final UseCount otherCalls = new UseCount();

    private RingImpl(String name, String peer, Arena arena, MemorySegment file) {
        this.name = name;
        this.peer = peer;
        this.arena = arena;
        this.file = file;
        long magic = file.get(JAVA_LONG, RingLayout.MAGIC_OFFSET);
        int version = file.get(JAVA_INT, RingLayout.VERSION_OFFSET);
        int cap = file.get(JAVA_INT, RingLayout.CAPACITY_OFFSET);
        if (magic != RingLayout.MAGIC || version != RingLayout.VERSION) {
            throw new CorruptRingException(peer, name, "not a ring of version " + RingLayout.VERSION + " (magic "
                    + Long.toHexString(magic) + ", version " + version + ")");
        }
        if (!RingLayout.validCapacity(cap) || file.byteSize() != HEADER_SIZE + cap) {
            throw new CorruptRingException(peer, name, "capacity " + cap + " does not fit a file of "
                    + file.byteSize() + " bytes");
        }
        this.capacity = cap;
        this.mask = cap - 1;
        this.maxPayload = cap / 2 - RECORD_HEADER;
        this.data = file.asSlice(HEADER_SIZE, cap);
        this.dataView = data.asByteBuffer();
        long h = (long) LONG.getAcquire(file, HEAD_OFFSET);
        if (h < 0 || (h & (ALIGNMENT - 1)) != 0) {
            throw new CorruptRingException(peer, name, "head " + h + " is negative or unaligned");
        }
        this.head = h;
        this.headSeen = h;
    }

    /** See {@link Ring#create}. */
    public static RingImpl create(NodeFolderImpl folder, String fileName, int capacity, String peer) {
        if (!RingLayout.validCapacity(capacity)) {
            throw new IllegalArgumentException("a ring's capacity is a power of two from " + RingLayout.MIN_CAPACITY
                    + " to " + RingLayout.MAX_CAPACITY + ": " + capacity);
        }
        folder.createAtomically(fileName, HEADER_SIZE + capacity, seg -> {
            seg.set(JAVA_LONG, RingLayout.MAGIC_OFFSET, RingLayout.MAGIC);
            seg.set(JAVA_INT, RingLayout.VERSION_OFFSET, RingLayout.VERSION);
            seg.set(JAVA_INT, RingLayout.CAPACITY_OFFSET, capacity);
        });
        return open(folder, fileName, peer);
    }

    /** See {@link Ring#open}. */
    public static RingImpl open(NodeFolderImpl folder, String fileName, String peer) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment seg = folder.map(fileName, HEADER_SIZE + RingLayout.MIN_CAPACITY,
                    HEADER_SIZE + RingLayout.MAX_CAPACITY, arena);
            return new RingImpl(fileName, peer, arena, seg);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public int maxPayload() {
        return maxPayload;
    }

    @Override
    public String peer() {
        return peer;
    }

    // ---- producers -------------------------------------------------------------------------

    @Override
    public boolean offer(int type, ByteBuffer[] srcs) {
        long total = 0;
        for (ByteBuffer b : srcs) {
            total += b.remaining();
        }
        checkOffer(type, total);
        enter(otherCalls);
        try {
            return put(type, srcs, (int) total);
        } finally {
            otherCalls.leave();
        }
    }

    private boolean put(int type, ByteBuffer[] srcs, int total) {
        int at = claim(total);
        if (at < 0) {
            return false;
        }
        long off = at + RECORD_HEADER;
        int left = total;
        for (ByteBuffer b : srcs) {
            // Never more than was claimed, even if a buffer grew meanwhile.
            int n = Math.min(b.remaining(), left);
            if (b.hasArray()) {
                MemorySegment.copy(b.array(), b.arrayOffset() + b.position(), data, JAVA_BYTE, off, n);
            } else {
                dataView.put((int) off, b, b.position(), n); // absolute: no segment over b, no position moved
            }
            off += n;
            left -= n;
        }
        publish(at, type, total);
        return true;
    }

    @Override
    public boolean offer(int type, MemorySegment src, long offset, int length) {
        checkOffer(type, length);
        enter(otherCalls);
        try {
            int at = claim(length);
            if (at < 0) {
                return false;
            }
            MemorySegment.copy(src, offset, data, at + RECORD_HEADER, length);
            publish(at, type, length);
            return true;
        } finally {
            otherCalls.leave();
        }
    }

    /**
     * A thread of this JVM is about to look at or write to the mapping: counted in {@code calls},
     * so that {@link #close} waits for it to leave; IllegalStateException when the ring is closed
     * (then it is not counted).
     */
    private void enter(UseCount calls) {
        // A volatile add, then a volatile read of closed; close writes closed, then reads the
        // counts: at least one of the two sees the other.
        calls.enter();
        if (closed) {
            calls.leave();
            throw new IllegalStateException("ring " + name + " closed");
        }
    }

    private void checkOffer(int type, long payload) {
        if (type <= 0) {
            throw new IllegalArgumentException("a record's type is > 0: " + type);
        }
        if (payload < 0 || payload > maxPayload) {
            throw new IllegalArgumentException("a record of " + payload + " bytes does not fit a ring of "
                    + capacity + " (at most " + maxPayload + ")");
        }
    }

    /**
     * Claims room for a record of {@code payload} bytes: its offset in the data area, or -1 when
     * full. The consumer's head is read only when the head this JVM's producers last saw ({@link
     * #headSeen}, never ahead of the real one) leaves too little room: the consumer writes that
     * line after every record it takes, and a producer that read it on each claim waited for it to
     * cross between the cores before its record could go (RESULTS.md).
     */
    private int claim(int payload) {
        int size = RingLayout.align(RECORD_HEADER + payload);
        while (true) {
            long t = (long) LONG.getVolatile(file, TAIL_OFFSET);
            if ((t & (ALIGNMENT - 1)) != 0) {
                throw new CorruptRingException(peer, name, "tail " + t + " is not an 8-aligned position");
            }
            int index = (int) (t & mask);
            int toEnd = capacity - index;
            int pad = size <= toEnd ? 0 : toEnd;
            long seen = (long) HEAD_SEEN.getAcquire(this);
            // A head seen earlier is at most the real one, so t - seen overstates the room used:
            // room it finds is there. Otherwise (or when it is from before a wrap) look at the real head.
            long used = t - seen;
            if (seen > t || used < 0 || used > capacity || pad + size > capacity - used) {
                long h = head(t);
                if (h > t) {
                    continue; // tail moved meanwhile
                }
                // Release: what the head's acquire saw (the consumer's zeroing) comes before a later producer's use.
                HEAD_SEEN.setRelease(this, h);
                if (pad + size > capacity - (t - h)) {
                    return -1;
                }
            }
            if (LONG.compareAndSet(file, TAIL_OFFSET, t, t + pad + size)) {
                if (pad > 0) {
                    data.set(JAVA_INT, index + TYPE_FIELD, PADDING);
                    INT.setRelease(data, (long) index + LENGTH_FIELD, pad);
                    return 0;
                }
                return index;
            }
        }
    }

    /**
     * The consumer's head, checked against tail {@code t} (read before it: the head read after is
     * at least the head of that moment, so {@code t - h} never exceeds the capacity in a sound
     * ring); a head ahead of {@code t} when tail moved since (read it again).
     */
    private long head(long t) {
        long h = (long) LONG.getAcquire(file, HEAD_OFFSET);
        if (h > t) {
            long t2 = (long) LONG.getVolatile(file, TAIL_OFFSET);
            if (h > t2) {
                throw new CorruptRingException(peer, name, "head " + h + " is ahead of tail " + t2);
            }
            return h;
        }
        if (t - h > capacity || (h & (ALIGNMENT - 1)) != 0) {
            throw new CorruptRingException(peer, name, "tail " + t + " and head " + h
                    + " are not 8-aligned positions at most a capacity (" + capacity + ") apart");
        }
        return h;
    }

    /** Publishes the record at {@code at}, then rings the doorbell if the consumer sleeps. */
    private void publish(int at, int type, int payload) {
        data.set(JAVA_INT, at + TYPE_FIELD, type);
        // Release: the payload and type are visible before the length says the record is there.
        INT.setRelease(data, (long) at + LENGTH_FIELD, RECORD_HEADER + payload);
        // Dekker with the consumer's "sleeping, then look again": our store of the length and
        // our load of the doorbell must not be reordered, so at least one of us sees the other.
        VarHandle.fullFence();
        if ((int) INT.getVolatile(file, DOORBELL_OFFSET) == SLEEPING
                && INT.compareAndSet(file, DOORBELL_OFFSET, SLEEPING, AWAKE)) {
            FutexWaits.wake(file, DOORBELL_OFFSET, 1);
        }
    }

    // ---- consumer --------------------------------------------------------------------------

    /**
     * The length of the published record at head, checked, or 0 when there is none yet. Padding
     * records are skipped here (consumed) so that callers only see real records.
     */
    private int nextLength() {
        if (corrupt != null) {
            throw corrupt;
        }
        if (closed) {
            throw new IllegalStateException("ring " + name + " closed");
        }
        while (true) {
            long t = (long) LONG.getAcquire(file, TAIL_OFFSET);
            long used = t - head;
            if (used < 0 || used > capacity) {
                throw corrupt("tail " + t + " is not within a capacity (" + capacity + ") ahead of head " + head);
            }
            if (used == 0) {
                return 0;
            }
            int index = (int) (head & mask);
            int len = (int) INT.getAcquire(data, (long) index + LENGTH_FIELD);
            if (len == 0) {
                return 0; // claimed, not yet published
            }
            if (len < RECORD_HEADER || len > capacity - index || RingLayout.align(len) > used) {
                throw corrupt("record at " + index + " (head " + head + ", tail " + t + ") has length " + len);
            }
            // Read once: a peer may change the bytes under us, so what was checked is what is used.
            int type = data.get(JAVA_INT, index + TYPE_FIELD);
            if (type != PADDING) {
                nextType = type;
                return len;
            }
            if (index + len != capacity) {
                throw corrupt("padding at " + index + " of length " + len + " does not end the data area");
            }
            consume(index, len);
        }
    }

    private CorruptRingException corrupt(String detail) {
        corrupt = new CorruptRingException(peer, name, detail);
        return corrupt;
    }

    /** Zeroes the record at {@code index} (so its slot reads unpublished again), then moves head past it. */
    private void consume(int index, int len) {
        int size = RingLayout.align(len);
        if (size <= 256) {
            for (int i = 0; i < size; i += ALIGNMENT) {
                data.set(JAVA_LONG, index + i, 0L);
            }
        } else {
            data.asSlice(index, size).fill((byte) 0);
        }
        long h = head + size;
        HEAD.setOpaque(this, h);
        LONG.setRelease(file, HEAD_OFFSET, h);
    }

    /** Takes the poll rights if free; never waits. */
    private boolean takeRights() {
        return (int) RIGHTS.getOpaque(this) == 0 && RIGHTS.compareAndSet(this, 0, 1);
    }

    private void releaseRights() {
        RIGHTS.setRelease(this, 0);
    }

    /** Whether the rights' holder finds a published record; false when another thread holds them. */
    private boolean hasRecord() {
        if (!takeRights()) {
            return false;
        }
        try {
            return nextLength() != 0;
        } finally {
            releaseRights();
        }
    }

    /** Whether tail moved past head: a record may be there (a hint, read without the rights). */
    private boolean maybeRecord() {
        return (long) LONG.getAcquire(file, TAIL_OFFSET) != (long) HEAD.getOpaque(this);
    }

    @Override
    public boolean available() {
        enter(consumerCalls);
        try {
            return hasRecord();
        } finally {
            consumerCalls.leave();
        }
    }

    @Override
    public int poll(RecordHandler handler, int limit) {
        enter(consumerCalls);
        try {
            if (!takeRights()) {
                return 0;
            }
            try {
                return take(handler, limit);
            } finally {
                releaseRights();
            }
        } finally {
            consumerCalls.leave();
        }
    }

    @Override
    public void watch() {
        enter(otherCalls);
        try {
            if ((int) WATCHERS.getAndAdd(this, 1) == 0) {
                INT.setVolatile(file, DOORBELL_OFFSET, WATCHED);
            }
        } finally {
            otherCalls.leave();
        }
    }

    @Override
    public int tryPoll(RecordHandler handler, int limit) {
        enter(otherCalls);
        try {
            if (!maybeRecord() || !takeRights()) {
                return 0;
            }
            try {
                int n = take(handler, limit);
                watchedRecords += n;
                return n;
            } finally {
                releaseRights();
            }
        } finally {
            otherCalls.leave();
        }
    }

    @Override
    public void unwatch() {
        enter(otherCalls);
        try {
            unwatchEntered();
        } finally {
            otherCalls.leave();
        }
    }

    private void unwatchEntered() {
        int before = (int) WATCHERS.getAndAdd(this, -1);
        if (before <= 0) {
            WATCHERS.getAndAdd(this, 1);
            throw new IllegalStateException("ring " + name + ": unwatch without watch");
        }
        if (before == 1) {
            // The last watcher: producers ring from now on; what they published before is
            // looked for after that (the Dekker pair again), and the consumer woken for it.
            INT.setVolatile(file, DOORBELL_OFFSET, SLEEPING);
            VarHandle.fullFence();
            if (maybeRecord() && INT.compareAndSet(file, DOORBELL_OFFSET, SLEEPING, AWAKE)) {
                FutexWaits.wake(file, DOORBELL_OFFSET, 1);
            }
        }
    }

    /** Takes up to {@code limit} records; the caller holds the rights. */
    private int take(RecordHandler handler, int limit) {
        int n = 0;
        while (n < limit) {
            int len = nextLength();
            if (len == 0) {
                break;
            }
            int index = (int) (head & mask);
            try {
                handler.onRecord(nextType, data, index + RECORD_HEADER, len - RECORD_HEADER);
            } finally {
                consume(index, len);
            }
            n++;
        }
        return n;
    }

    @Override
    public int read(ByteBuffer[] dsts) {
        enter(consumerCalls);
        try {
            if (!takeRights()) {
                return -1;
            }
            try {
                return readHeld(dsts);
            } finally {
                releaseRights();
            }
        } finally {
            consumerCalls.leave();
        }
    }

    private int readHeld(ByteBuffer[] dsts) {
        int len = nextLength();
        if (len == 0) {
            return -1;
        }
        int index = (int) (head & mask);
        lastType = nextType;
        int payload = len - RECORD_HEADER;
        long off = index + RECORD_HEADER;
        int left = payload;
        for (ByteBuffer b : dsts) {
            if (left == 0) {
                break;
            }
            int n = Math.min(left, b.remaining());
            int pos = b.position();
            if (b.hasArray()) {
                MemorySegment.copy(data, JAVA_BYTE, off, b.array(), b.arrayOffset() + pos, n);
            } else {
                b.put(pos, dataView, (int) off, n);
            }
            b.position(pos + n);
            off += n;
            left -= n;
        }
        consume(index, len);
        return payload;
    }

    @Override
    public int lastType() {
        return lastType;
    }

    @Override
    public boolean await(long timeoutNanos) throws InterruptedException {
        // Spinning pays only while the producer runs: on a machine with more runnable threads
        // than cores it takes the core the producer needs. So spin less after each wait that
        // had to sleep anyway, and more (up to SPIN_NANOS) after each that spinning served.
        // Two peers that both sleep would keep each other asleep (each answer comes only
        // after a wake-up, later than a short spin): every PROBE_EVERY-th wait spins in full,
        // long enough to catch an answer from a woken peer, and lets both climb back.
        boolean probe = (++waits & (PROBE_EVERY - 1)) == 0;
        int how;
        enter(consumerCalls);
        try {
            how = wait(timeoutNanos, probe ? SPIN_NANOS : adaptiveSpin, YIELD_NANOS);
        } finally {
            consumerCalls.leave();
        }
        if (how == SERVED_SPINNING) {
            adaptiveSpin = Math.min(SPIN_NANOS, adaptiveSpin * 2);
        } else if (how == SERVED_SLEEPING) {
            adaptiveSpin = Math.max(MIN_SPIN_NANOS, adaptiveSpin / 2);
        }
        return how != TIMED_OUT;
    }

    @Override
    public boolean await(long timeoutNanos, long spinNanos, long yieldNanos) throws InterruptedException {
        enter(consumerCalls);
        try {
            return wait(timeoutNanos, spinNanos, yieldNanos) != TIMED_OUT;
        } finally {
            consumerCalls.leave();
        }
    }

    private int wait(long timeoutNanos, long spinNanos, long yieldNanos) throws InterruptedException {
        long start = System.nanoTime();
        while (true) {
            if (hasRecord()) {
                return System.nanoTime() - start <= spinNanos + yieldNanos ? SERVED_SPINNING : SERVED_SLEEPING;
            }
            long waited = System.nanoTime() - start;
            if (timeoutNanos >= 0 && waited >= timeoutNanos) {
                return TIMED_OUT;
            }
            if (waited < spinNanos) {
                Thread.onSpinWait();
                continue;
            }
            if (waited < spinNanos + yieldNanos) {
                Thread.yield();
                continue;
            }
            // Ring down: say we sleep, look again (the producers' side of the Dekker pair), then
            // sleep. While threads watch the ring, producers do not ring: sleep on what the
            // doorbell says; the last watcher to leave changes it, then wakes us for what it left.
            // Never sleep on AWAKE: the last watcher to leave turns the doorbell SLEEPING, then
            // AWAKE as it wakes us, and a sleep that began after that on an AWAKE read before it
            // would take the new AWAKE for the old and miss the wake-up (the records it left
            // would wait for the next producer). A stale AWAKE while watched is made WATCHED
            // first, which only a first watcher writes.
            int expect;
            if ((int) WATCHERS.getVolatile(this) == 0) {
                INT.setVolatile(file, DOORBELL_OFFSET, SLEEPING);
                expect = SLEEPING;
            } else {
                INT.compareAndSet(file, DOORBELL_OFFSET, AWAKE, WATCHED);
                expect = (int) INT.getVolatile(file, DOORBELL_OFFSET);
                if (expect == AWAKE) {
                    continue; // changed under us: look again
                }
            }
            if (hasRecord()) {
                awake();
                return SERVED_SLEEPING;
            }
            Runnable hook = beforeSleep;
            if (hook != null) {
                hook.run();
            }
            long left = timeoutNanos < 0 ? -1 : Math.max(0, timeoutNanos - (System.nanoTime() - start));
            sleeps++;
            try {
                if (closed) {
                    throw new IllegalStateException("ring " + name + " closed");
                }
                Futex.await(file, DOORBELL_OFFSET, expect, left);
            } finally {
                awake();
            }
        }
    }

    /**
     * The consumer is up: a doorbell it left SLEEPING says AWAKE again, so that producers stop
     * ringing; a WATCHED one stays as the watchers left it (made AWAKE, it would be taken for
     * the AWAKE of a leaving watcher's wake-up by a later sleep).
     */
    private void awake() {
        INT.compareAndSet(file, DOORBELL_OFFSET, SLEEPING, AWAKE);
    }

    @Override
    public void close() {
        // One close unmaps; another at the same instant (a member's death seen twice) returns.
        if (!CLOSED.compareAndSet(this, false, true)) {
            return;
        }
        // No thread enters from here on; those inside leave within moments, a consumer asleep on
        // the doorbell once woken. A consumer that looked at closed just before may fall asleep
        // just after a single wake-up, and a sleep on a word unmapped meanwhile is never woken:
        // wake until every thread is out, then unmap. Past the deadline (a thread kept off its
        // core that long) the arena is closed all the same: the JVM then ends that thread's look
        // with an exception (and sets its interrupt status), never with a fault.
        long deadline = System.nanoTime() + CLOSE_WAKE_NANOS;
        while ((consumerCalls.get() != 0 || otherCalls.get() != 0) && System.nanoTime() - deadline < 0) {
            FutexWaits.wake(file, DOORBELL_OFFSET, Integer.MAX_VALUE);
            java.util.concurrent.locks.LockSupport.parkNanos(50_000);
        }
        arena.close();
    }
}
