package io.courier.net.internal;

import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.Publication;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.logbuffer.Header;
import io.courier.node.CorruptRingException;
import io.courier.node.Link;
import io.courier.node.RecordHandler;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Link} to another node for one up period: records go out on this node's record
 * publication to it (one Aeron message each: a 4-byte type, then the payload; Aeron fragments
 * and reassembles messages above the MTU in order), and come in from the one Aeron image of the
 * peer's record stream that the handshake bound, polled in place by the consumer.
 *
 * <p>Trust: the image's bytes come from the network. Every record's length and type are checked
 * before use: a record shorter than its type, with a type &lt;= 0, longer than
 * {@link #MAX_PAYLOAD}, or fragments out of order make the link fail with a
 * {@link CorruptRingException} (the peer is to be cut off), never an out-of-bounds access.
 *
 * <p>Payloads are copied into one native buffer of {@link #MAX_PAYLOAD} bytes (whole records in
 * one copy, fragmented ones assembled there) and handed over as a {@link MemorySegment} of it:
 * nothing is allocated per record.
 */
final class NetLinkImpl implements Link, ControlledFragmentHandler {
    /** Term length of the record streams: the largest Aeron message is an eighth of it. */
    static final int TERM_LENGTH = 1 << 20;
    static final int TYPE_BYTES = 4;
    /** The largest record payload: the largest Aeron message less the type. */
    static final int MAX_PAYLOAD = FrameDescriptor.computeMaxMessageLength(TERM_LENGTH) - TYPE_BYTES;
    /**
     * How long an idle {@link #await} spins before it parks (system property {@code
     * courier.net.spinNanos}): none by default, as the driver wakes it when a record comes, and a
     * spinning consumer takes a core from the threads that carry the next record (RESULTS.md).
     */
    static final long SPIN_NANOS = Long.getLong("courier.net.spinNanos", 0);
    /**
     * The longest park of an idle {@link #await} (system property {@code courier.net.maxParkNanos}):
     * a record that comes wakes it before ({@link Doorbell}).
     */
    static final long MAX_PARK_NANOS = Long.getLong("courier.net.maxParkNanos", 1_000_000);
    /** How long {@link #close} waits at most for a poll under way to end. */
    static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final Logger LOG = LoggerFactory.getLogger(NetLinkImpl.class);

    /** How many watchers may park watching at once; a further one unwatches before it parks. */
    static final int ASLEEP_SLOTS = 8;

    private final String peer;
    private final ExclusivePublication out;
    private final Image in;
    /** The node's doorbell: rung after each offer; null in tests without a driver. */
    private final Doorbell bell;
    /** The longest park of an idle {@link #await}. */
    private final long maxParkNanos;
    private final ReentrantLock sendLock = new ReentrantLock();
    private final UnsafeBuffer staging;
    private volatile boolean closed;
    private volatile String closedWhy = "closed";

    // Consumer side: the holder of the poll rights (the consumer in each call, or a watcher in a tryPoll).
    /** 1 while a thread polls the image ({@link #tryPoll}, {@link #poll}, {@link #await}'s look): never waited for. */
    private final AtomicInteger rights = new AtomicInteger();
    /** The consumer while in {@link #await}, for {@link #unwatch} to wake. */
    private volatile Thread awaiting;
    /**
     * Set by the last watcher to leave a record behind: the consumer looks at once, and its spin
     * (none by default, {@code courier.net.spinNanos}) starts again.
     */
    private volatile boolean kicked;
    /**
     * The consumer announced that it parks: written before its last look at the image, read by
     * the driver's thread after it put a frame there ({@link #wakeIfAsleep}).
     */
    private volatile boolean sleeping;
    /** How many waiting threads watch the link: the consumer does not spin meanwhile. */
    private final AtomicInteger watchers = new AtomicInteger();
    /** Watchers parked while watching ({@link #watchAsleep}): a record wakes one of them. */
    private final AtomicReferenceArray<Thread> asleep = new AtomicReferenceArray<>(ASLEEP_SLOTS);
    private final ByteBuffer inBytes = ByteBuffer.allocateDirect(MAX_PAYLOAD);
    private final MemorySegment inSegment = MemorySegment.ofBuffer(inBytes);
    private int assembled = -1;
    private int assemblingType;
    private RecordHandler handler;
    private int limit;
    private int delivered;
    private boolean peeked;
    private CorruptRingException corrupt;
    private final ControlledFragmentHandler peek = (buffer, offset, length, header) -> {
        peeked = true;
        return Action.ABORT;
    };

    NetLinkImpl(String peer, ExclusivePublication out, Image in, Doorbell bell, long maxParkNanos) {
        this.peer = peer;
        this.maxParkNanos = maxParkNanos;
        this.out = out;
        this.in = in;
        this.bell = bell;
        this.staging = new UnsafeBuffer(ByteBuffer.allocateDirect(MAX_PAYLOAD + TYPE_BYTES));
    }

    @Override
    public String peer() {
        return peer;
    }

    @Override
    public int maxPayload() {
        return MAX_PAYLOAD;
    }

    /** The Aeron session of the peer's record stream this link reads. */
    int inSession() {
        return in.sessionId();
    }

    boolean imageClosed() {
        return in.isClosed();
    }

    // ---- producers --------------------------------------------------------------------------

    @Override
    public boolean offer(int type, ByteBuffer[] srcs) {
        if (type <= 0) {
            throw new IllegalArgumentException("a record's type is > 0: " + type);
        }
        long total = 0;
        for (ByteBuffer b : srcs) {
            total += b.remaining();
        }
        if (total > MAX_PAYLOAD) {
            throw new IllegalArgumentException("a record of " + total + " bytes does not fit a link to " + peer
                    + " (at most " + MAX_PAYLOAD + ")");
        }
        int sent = 0;
        sendLock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the link to " + peer + " is closed: " + closedWhy);
            }
            staging.putInt(0, type, ByteOrder.LITTLE_ENDIAN);
            int at = TYPE_BYTES;
            int left = (int) total;
            for (ByteBuffer b : srcs) {
                int n = Math.min(b.remaining(), left); // never more than was counted
                staging.putBytes(at, b, b.position(), n);
                at += n;
                left -= n;
            }
            long r = out.offer(staging, 0, at);
            if (r > 0) {
                sent = at;
                return true;
            }
            if (bell != null) {
                // Back-pressured: the driver has something to send now.
                bell.ring();
            }
            if (r == Publication.CLOSED || r == Publication.MAX_POSITION_EXCEEDED) {
                throw new IllegalStateException("the link to " + peer + " is closed: its stream ended (" + r + ")");
            }
            return false; // back-pressured, not connected yet, or an admin action: try again
        } finally {
            sendLock.unlock();
            if (sent > 0 && bell != null) {
                // Accepted: sent now, by this thread if the record is one datagram and no other
                // thread runs the driver, else by the driver's thread.
                bell.send(sent <= out.maxPayloadLength());
            }
        }
    }

    // ---- consumer ---------------------------------------------------------------------------

    private boolean takeRights() {
        return rights.getOpaque() == 0 && rights.compareAndSet(0, 1);
    }

    private void releaseRights() {
        rights.setRelease(0);
    }

    @Override
    public int poll(RecordHandler recordHandler, int recordLimit) {
        check();
        if (!takeRights()) {
            return 0; // a watcher takes them
        }
        try {
            // Closed since the look above: the close waits for these rights before the image goes.
            check();
            return pollHeld(recordHandler, recordLimit);
        } finally {
            releaseRights();
        }
    }

    @Override
    public void watch() {
        watchers.getAndIncrement();
    }

    /**
     * A watcher's poll is the consumer's: both take the image under the same poll rights. A
     * watcher that finds nothing runs the driver's duty cycle if no other thread does (it reads
     * the sockets) and looks again: a waiting thread spins on the datagram itself, not on a
     * wake-up of the driver's thread ({@link Doorbell#drive}).
     */
    @Override
    public int tryPoll(RecordHandler recordHandler, int recordLimit) {
        int n = poll(recordHandler, recordLimit);
        if (n == 0 && bell != null && bell.drive() > 0) {
            n = poll(recordHandler, recordLimit);
        }
        return n;
    }

    @Override
    public void unwatch() {
        int before = watchers.getAndDecrement();
        if (before <= 0) {
            watchers.getAndIncrement();
            throw new IllegalStateException("the link to " + peer + ": unwatch without watch");
        }
        if (before == 1 && hasRecord(true)) {
            // The last watcher leaves a record behind (or cannot look): the consumer, parked (up
            // to 1 ms a park) while others watched, looks again from now. A record
            // that comes after this look finds no watcher, and the driver wakes the consumer
            // (the decrement above and the driver's read of the count after its frame: one of
            // the two sees the other). Not woken for nothing: that was a wake-up per call.
            kicked = true;
            Thread t = awaiting;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    @Override
    public boolean watchAsleep(Thread t) {
        if (bell != null) {
            bell.helperParks(); // it ran the driver as it spun; the driver's thread reads the sockets now
        }
        for (int i = 0; i < ASLEEP_SLOTS; i++) {
            if (asleep.get(i) == null && asleep.compareAndSet(i, null, t)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean unwatchAsleep(Thread t) {
        for (int i = 0; i < ASLEEP_SLOTS; i++) {
            if (asleep.get(i) == t) {
                asleep.set(i, null);
                return true;
            }
        }
        return false;
    }

    private int pollHeld(RecordHandler recordHandler, int recordLimit) {
        begin(recordHandler, recordLimit);
        try {
            in.controlledPoll(this, Integer.MAX_VALUE);
        } finally {
            handler = null;
        }
        if (corrupt != null) {
            throw corrupt;
        }
        return delivered;
    }

    /** Starts a poll: {@link #onFragment} hands at most {@code recordLimit} records to {@code recordHandler}. */
    void begin(RecordHandler recordHandler, int recordLimit) {
        handler = recordHandler;
        limit = recordLimit;
        delivered = 0;
    }

    /** The failure that a corrupt record set, or null. */
    CorruptRingException corrupt() {
        return corrupt;
    }

    @Override
    public Action onFragment(DirectBuffer buffer, int offset, int length, Header header) {
        if (closed || delivered >= limit) {
            return Action.ABORT;
        }
        byte flags = header.flags();
        if ((flags & FrameDescriptor.UNFRAGMENTED) == FrameDescriptor.UNFRAGMENTED) {
            if (assembled >= 0) {
                return fail("a whole record inside a fragmented one");
            }
            int type = typeOf(buffer, offset, length);
            if (type <= 0) {
                return Action.ABORT;
            }
            buffer.getBytes(offset + TYPE_BYTES, inBytes, 0, length - TYPE_BYTES);
            deliver(type, length - TYPE_BYTES);
        } else if ((flags & FrameDescriptor.BEGIN_FRAG_FLAG) != 0) {
            if (assembled >= 0) {
                return fail("a record begun inside another");
            }
            int type = typeOf(buffer, offset, length);
            if (type <= 0) {
                return Action.ABORT;
            }
            buffer.getBytes(offset + TYPE_BYTES, inBytes, 0, length - TYPE_BYTES);
            assemblingType = type;
            assembled = length - TYPE_BYTES;
        } else {
            if (assembled < 0) {
                return fail("a record's later fragment without its first");
            }
            if (length > MAX_PAYLOAD - assembled) {
                return fail("a fragmented record longer than " + MAX_PAYLOAD + " bytes");
            }
            buffer.getBytes(offset, inBytes, assembled, length);
            assembled += length;
            if ((flags & FrameDescriptor.END_FRAG_FLAG) != 0) {
                int n = assembled;
                assembled = -1;
                deliver(assemblingType, n);
            }
        }
        return delivered >= limit ? Action.BREAK : Action.CONTINUE;
    }

    /** The type of the record (or first fragment) at {@code offset}, checked; 0 when it failed the link. */
    private int typeOf(DirectBuffer buffer, int offset, int length) {
        if (length < TYPE_BYTES || length - TYPE_BYTES > MAX_PAYLOAD) {
            fail("a record of " + length + " bytes");
            return 0;
        }
        int type = buffer.getInt(offset, ByteOrder.LITTLE_ENDIAN);
        if (type <= 0) {
            fail("a record of type " + type);
            return 0;
        }
        return type;
    }

    private void deliver(int type, int length) {
        delivered++;
        handler.onRecord(type, inSegment, 0, length);
    }

    private Action fail(String why) {
        corrupt = new CorruptRingException(peer, "net", why);
        return Action.ABORT;
    }

    @Override
    public boolean await(long timeoutNanos) throws InterruptedException {
        long start = System.nanoTime();
        long spinFrom = start;
        awaiting = Thread.currentThread();
        try {
            while (true) {
                check();
                if (hasRecord(false)) {
                    return true;
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                long waited = System.nanoTime() - start;
                if (timeoutNanos >= 0 && waited >= timeoutNanos) {
                    return false;
                }
                // While threads watch the link they take what comes: the consumer only looks now and then.
                if (System.nanoTime() - spinFrom < SPIN_NANOS && watchers.get() == 0) {
                    Thread.onSpinWait();
                    continue;
                }
                if (!sleeping) {
                    // Announced before one more look: a record put in the image after that look
                    // finds the announcement, and the driver's thread wakes this one.
                    sleeping = true;
                    continue;
                }
                long p = timeoutNanos >= 0 ? Math.min(maxParkNanos, timeoutNanos - waited) : maxParkNanos;
                LockSupport.parkNanos(this, Math.max(p, 1));
                sleeping = false;
                if (kicked) {
                    // The last watcher left (to park): what comes now is the consumer's, at once.
                    kicked = false;
                    spinFrom = System.nanoTime();
                }
            }
        } finally {
            sleeping = false;
            awaiting = null;
        }
    }

    /**
     * A record came into the image (the driver's thread, after a full fence): wakes a watcher
     * parked watching ({@link #watchAsleep}; one is enough: a woken watcher polls, and one that
     * leaves polls once more), else the consumer if it announced its park and no waiting thread
     * watches the link (a watcher spinning takes the record).
     */
    void wakeIfAsleep() {
        for (int i = 0; i < ASLEEP_SLOTS; i++) {
            Thread w = asleep.get(i);
            if (w != null) {
                LockSupport.unpark(w);
                return;
            }
        }
        if (sleeping && watchers.get() == 0) {
            Thread t = awaiting;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    /** Whether a fragment is there, without taking it; {@code whileBusy} while another thread polls. */
    private boolean hasRecord(boolean whileBusy) {
        if (!takeRights()) {
            return whileBusy;
        }
        try {
            if (closed) {
                return false; // the caller's next check() says so
            }
            peeked = false;
            in.controlledPoll(peek, 1);
            return peeked;
        } finally {
            releaseRights();
        }
    }

    private void check() {
        if (corrupt != null) {
            throw corrupt;
        }
        if (closed) {
            throw new IllegalStateException("the link to " + peer + " is closed: " + closedWhy);
        }
    }

    @Override
    public void close() {
        close("closed");
    }

    /**
     * Closes with {@code why}: from here on offers, polls and awaits throw, and a poll under way
     * delivers no further record. Waits for an offer under way, so the publication can go, and
     * for a poll under way (at most {@link #CLOSE_WAIT_NANOS}), then keeps the poll rights for
     * good, so that no thread reads the image once the node frees it: the Aeron client unmaps its
     * log buffers as it closes, and a thread still reading one would fault the JVM.
     */
    void close(String why) {
        if (closed) {
            return;
        }
        closedWhy = why;
        closed = true;
        if (bell != null) {
            bell.remove(this);
        }
        sendLock.lock();
        sendLock.unlock();
        // A poller takes the rights, then looks at closed; this wrote closed, then takes them:
        // one of the two sees the other.
        long deadline = System.nanoTime() + CLOSE_WAIT_NANOS;
        while (!takeRights()) {
            if (System.nanoTime() - deadline >= 0) {
                LOG.warn("the link to {}: a poll still under way after {} ms; closed without it", peer,
                        TimeUnit.NANOSECONDS.toMillis(CLOSE_WAIT_NANOS));
                return;
            }
            LockSupport.parkNanos(50_000);
        }
    }

    boolean isClosed() {
        return closed;
    }
}
