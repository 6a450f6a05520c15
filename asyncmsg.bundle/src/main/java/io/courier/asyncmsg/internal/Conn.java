package io.courier.asyncmsg.internal;

import io.courier.asyncmsg.AsyncCallback;
import io.courier.asyncmsg.AsyncConnectionAttr;
import io.courier.asyncmsg.AsyncConnectionInfo;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An asynchronous connection: a ring of {@code maxNumBuffer} slots on the sender's side (SPEC A2,
 * A3). A put records the sender's buffer, offset, length, handle and callback in the next slot;
 * nothing is copied and nothing allocated.
 *
 * <pre>
 *   released      consumed       delivered        tail
 *      |  got, callbacks |  visible to the  |  waiting for a  |
 *      |  to run         |  receiver        |  trigger        |
 * </pre>
 *
 * Four counters that only grow: {@code tail} (put), {@code delivered} (a trigger made them
 * visible), {@code consumed} (the receiver copied them out, or they failed) and {@code released}
 * (their callbacks ran; the sender may reuse the slots). The sender side writes {@code tail} and
 * {@code delivered} under the put lock; the receiver writes {@code consumed} under the take lock;
 * {@code released} is written by the getter when no callback is involved, else by the callback
 * thread alone. {@code delivered} only grows: every writer raises it with a compare-and-set.
 *
 * <p>Single sender ({@link AsyncConnectionAttr#singleSender()}): the sender's puts take no lock
 * and no atomic instruction; the timer, flush and failures still take the put lock among
 * themselves. A put that races with a failure (a detach from another thread, the channel's
 * destruction) may land after the failure read {@code tail}: the put looks at the state again
 * after publishing its message and sweeps such stragglers itself, and the delivery thread sweeps
 * once more a millisecond after every failure, for the instant in which neither side saw the
 * other's store yet. Likewise a time trigger that disarmed just as a put came is re-armed by the
 * delivery thread's next look, which it schedules a millisecond later. Either way the message is
 * delivered or failed through its callback; none is left behind.
 *
 * <p>Routing: {@code channel} is the channel the connection currently feeds (null while a
 * connection by name waits for a receiver). The connection sits at most once in the ready queue
 * of a channel: {@code queuedIn} is the token of that membership, taken by compare-and-set by
 * whoever pushes it, handed back by the getter that pops it, and stolen when the channel goes.
 */
final class Conn extends ConnFields.PadAfter {
    private static final Logger LOG = LoggerFactory.getLogger(Conn.class);

    static final int OPEN = 0;
    /** A connection by name whose receiver stayed away longer than the store time: puts fail with ENOENT. */
    static final int EXPIRED = 1;
    /** A connection by pid and chid whose channel was destroyed: puts fail with EBADF. */
    static final int DEAD = 2;
    /** Detached. */
    static final int CLOSED = 3;
    /** Its process died: no more puts; what it put is still delivered, without callbacks. */
    static final int SENDER_GONE = 4;

    /** What {@link #record} asks its caller to do next, as bits. */
    private static final int DELIVER = 1;
    private static final int ARMED = 2;
    private static final int FULL = 4;

    /** How long after a failure or a disarmed time trigger the delivery thread looks again for a single sender's stragglers. */
    static final long STRAGGLER_LOOK_NANOS = 1_000_000;

    private static final VarHandle PUT_LOCK;
    private static final VarHandle SENDER;
    private static final VarHandle TAIL;
    private static final VarHandle DELIVERED;
    private static final VarHandle DEADLINE;
    private static final VarHandle CONSUMED;
    private static final VarHandle RELEASED;
    private static final VarHandle SENT;
    private static final VarHandle CHANNEL;
    private static final VarHandle QUEUED_IN;
    private static final VarHandle STATE;
    private static final VarHandle ORPHAN_SINCE;
    private static final VarHandle FLUSHERS;
    private static final VarHandle COMPLETION_QUEUED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PUT_LOCK = l.findVarHandle(ConnFields.SenderFields.class, "putLock", int.class);
            SENDER = l.findVarHandle(ConnFields.SenderFields.class, "sender", Thread.class);
            TAIL = l.findVarHandle(ConnFields.SenderFields.class, "tail", long.class);
            DELIVERED = l.findVarHandle(ConnFields.SenderFields.class, "delivered", long.class);
            DEADLINE = l.findVarHandle(ConnFields.SenderFields.class, "deadline", long.class);
            CONSUMED = l.findVarHandle(ConnFields.ReceiverFields.class, "consumed", long.class);
            RELEASED = l.findVarHandle(ConnFields.ReceiverFields.class, "released", long.class);
            SENT = l.findVarHandle(ConnFields.ReceiverFields.class, "sent", long.class);
            CHANNEL = l.findVarHandle(Conn.class, "channel", AsyncChannel.class);
            QUEUED_IN = l.findVarHandle(Conn.class, "queuedIn", AsyncChannel.class);
            STATE = l.findVarHandle(Conn.class, "state", int.class);
            ORPHAN_SINCE = l.findVarHandle(Conn.class, "orphanSince", long.class);
            FLUSHERS = l.findVarHandle(Conn.class, "flushers", int.class);
            COMPLETION_QUEUED = l.findVarHandle(Conn.class, "completionQueued", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final AsyncSystem sys;
    final AsyncProc owner;
    final int coid;
    final AsyncConnectionAttr attr;
    /** The name this connection is addressed to, or null for a connection by pid and chid. */
    final NameSlot slot;
    /** For a connection to a channel of another JVM of the node: what takes its batches there; else null. */
    final NodeSender remote;
    /** The pid and coid the receiver sees (a gateway's connection shows its client's). */
    private final int srcPid;
    private final int srcCoid;
    /** The longest message a put takes. */
    private final int maxLength;
    /** maxNumBuffer: the messages put and not yet got (or, to another JVM, not yet sent there) that the connection holds. */
    private final int capacity;
    /**
     * Slots beyond {@code capacity}: to another JVM, its window ({@link NodeBatchLayout#window}),
     * the messages sent there whose outcomes are not told yet, which keep their slots (callback,
     * handle, buffer) until then; 0 for a local connection.
     */
    private final int inFlight;
    private final int mask;
    private final long trigger;
    private final boolean timed;
    private final boolean single;
    private final long firstDelay;
    private final String fullMessage;
    private final Object[] msgs;
    /** Offset (high 32 bits) and length (low 32 bits) of each slot's message. */
    private final long[] spans;
    private final long[] handles;
    private final AsyncCallback[] callbacks;
    /** The errno of a slot that failed; 0 for delivered. Written under the take lock before {@code consumed}. */
    private final int[] errs;
    final ReentrantLock takeLock = new ReentrantLock();
    private final ReentrantLock flushLock = new ReentrantLock();
    private final Condition drained = flushLock.newCondition();
    /**
     * Sticky: once a put named a callback (or a message failed), completions go through the
     * callback thread, which then is the only writer of {@code released}. Written before the
     * {@code delivered} store that publishes the message, read after the getter's load of it.
     */
    private boolean agentCompletes;
    /** Who is told of this connection's outcomes by range ({@link NodeGateway}), or null; set before the first put. */
    private volatile Progress progress;
    /** {@code tail} when the sender died; under the put lock. */
    private long finalTail;
    /** The deadline the last put armed; the sender side's own. */
    private long armedByPut;
    /** Set once by {@link #retire()}. */
    private volatile boolean retired;
    /** When the delivery thread sweeps this single-sender connection for stragglers; 0 for never. */
    private volatile long sweepDue;
    /** The errno of the last {@link #fail}, written before its state store: a straggler fails with it too. */
    private volatile Errno failure;

    private AsyncChannel channel;
    private AsyncChannel queuedIn;
    private int state;
    private long orphanSince;
    private int flushers;
    private boolean completionQueued;

    Conn(AsyncSystem sys, AsyncProc owner, int coid, AsyncConnectionAttr attr, NameSlot slot) {
        this(sys, owner, coid, attr, slot, null, owner.pid, coid);
    }

    /**
     * A connection whose batches {@code remote} takes to another JVM (null: a local one), or, with
     * {@code srcPid} and {@code srcCoid}, a gateway's connection for a client of another JVM.
     */
    Conn(AsyncSystem sys, AsyncProc owner, int coid, AsyncConnectionAttr attr, NameSlot slot, NodeSender remote,
            int srcPid, int srcCoid) {
        this.sys = sys;
        this.owner = owner;
        this.coid = coid;
        this.attr = attr;
        this.slot = slot;
        this.remote = remote;
        this.srcPid = srcPid;
        this.srcCoid = srcCoid;
        this.maxLength = remote == null ? attr.bufferSize() : Math.min(attr.bufferSize(), remote.maxMessage());
        this.capacity = attr.maxNumBuffer();
        this.inFlight = remote == null ? 0 : NodeBatchLayout.window(capacity);
        int size = Integer.highestOneBit(Math.max(1, capacity + inFlight - 1)) << 1;
        this.mask = size - 1;
        this.trigger = attr.triggerNumMsg() == 0 ? Long.MAX_VALUE : attr.triggerNumMsg();
        this.timed = attr.triggerTimeNsec() > 0 || attr.triggerIntervalNsec() > 0;
        this.single = attr.singleSender();
        this.firstDelay = attr.triggerTimeNsec() > 0 ? attr.triggerTimeNsec() : attr.triggerIntervalNsec();
        this.msgs = new Object[size];
        this.spans = new long[size];
        this.handles = new long[size];
        this.callbacks = new AsyncCallback[size];
        this.errs = new int[size];
        this.agentCompletes = attr.callback() != null;
        this.fullMessage = "coid " + coid + " already holds its " + capacity + " messages (maxNumBuffer); put again later";
    }

    boolean timed() {
        return timed;
    }

    int state() {
        return (int) STATE.getVolatile(this);
    }

    AsyncChannel channel() {
        return (AsyncChannel) CHANNEL.getVolatile(this);
    }

    // ------------------------------------------------------------------ the put lock

    private void lockPut() {
        if (!PUT_LOCK.compareAndSet(this, 0, 1)) {
            lockPutContended();
        }
    }

    private void lockPutContended() {
        int round = 0;
        while (!PUT_LOCK.compareAndSet(this, 0, 1)) {
            if (Idle.WAIT.idle(round++)) {
                Idle.WAIT.park(this, System.nanoTime() + 10_000);
            }
        }
    }

    private void unlockPut() {
        // Release: the slot writes and counters of this critical section happen-before the next holder's.
        PUT_LOCK.setRelease(this, 0);
    }

    // ------------------------------------------------------------------ sender side (A3, A4)

    /**
     * Records a message; never waits for the receiver.
     *
     * @param msg a ByteBuffer (offset and length given) or a ByteBuffer[] (length is the total)
     */
    void put(Object msg, int offset, int length, long handle, AsyncCallback callback) {
        checkLength(length);
        int outcome;
        if (single) {
            if (SENDER.getOpaque(this) != Thread.currentThread()) {
                claimSender();
            }
            checkOpen();
            outcome = record(msg, offset, length, handle, callback);
            // After the tail store: a failure that read tail before it sees this state change.
            if ((int) STATE.getAcquire(this) != OPEN) {
                sweepStragglers();
            }
        } else {
            lockPut();
            try {
                checkOpen();
                outcome = record(msg, offset, length, handle, callback);
            } finally {
                unlockPut();
            }
        }
        afterPut(outcome);
        if ((outcome & FULL) != 0) {
            throw KernelException.refusal(Errno.EAGAIN, fullMessage);
        }
    }

    /** EMSGSIZE for a message longer than a put takes. */
    private void checkLength(int length) {
        if (length > maxLength) {
            throw new KernelException(Errno.EMSGSIZE, "message of " + length + " bytes is longer than the "
                    + (maxLength == attr.bufferSize() ? "buffer size " : "most a connection to another JVM carries, ")
                    + maxLength + ", of coid " + coid);
        }
    }

    /** After the put lock: what a put's {@code outcome} asks for (DELIVER: the receiver is told; ARMED: the timer). */
    private void afterPut(int outcome) {
        if ((outcome & DELIVER) != 0) {
            signal();
        }
        if ((outcome & ARMED) != 0) {
            sys.delivery.wakeBy(armedByPut);
        }
    }

    /**
     * Puts {@code n} messages of {@code msg} (at {@code offsets}, of {@code lengths}) under one
     * take of the put lock, with handles from {@code firstHandle} on and no callback: a gateway's
     * batch ({@link NodeGateway}). Returns how many were put (fewer when the ring filled).
     *
     * @throws KernelException as {@link #put}, when the connection is not open: none was put
     */
    int putAll(ByteBuffer msg, int[] offsets, int[] lengths, int n, long firstHandle) {
        for (int i = 0; i < n; i++) {
            checkLength(lengths[i]);
        }
        int outcome;
        int put;
        lockPut();
        try {
            checkOpen();
            long t = tail;
            if (t + n - releasedCache > capacity) {
                releasedCache = freed();
            }
            put = (int) Math.max(0, Math.min(n, capacity - (t - releasedCache)));
            for (int i = 0; i < put; i++) {
                slot(t + i, msg, offsets[i], lengths[i], firstHandle + i, null);
            }
            // One release for the batch: its slots' stores come first for whoever reads tail with acquire.
            TAIL.setRelease(this, t + put);
            if (put < n) {
                // A full ring is a trigger of its own, as in record().
                outcome = publish(t + put) ? DELIVER : 0;
            } else {
                outcome = afterTail(t + put);
            }
        } finally {
            unlockPut();
        }
        afterPut(outcome);
        return put;
    }

    private void checkOpen() {
        int st = (int) STATE.getAcquire(this);
        if (st != OPEN) {
            throw closed(st);
        }
    }

    /**
     * The body of a put after {@link #checkOpen()}, by the lock holder or the single sender;
     * returns what to do next (DELIVER, ARMED, FULL).
     */
    int record(Object msg, int offset, int length, long handle, AsyncCallback callback) {
        long t = tail;
        if (t - releasedCache >= capacity) {
            releasedCache = freed();
        }
        if (t - releasedCache >= capacity) {
            // A full ring is a trigger of its own, or a sender without count or time trigger would wait forever.
            return publish(t) ? FULL | DELIVER : FULL;
        }
        slot(t, msg, offset, length, handle, callback);
        long nt = t + 1;
        // Release: the slot's stores come first for whoever reads tail with acquire.
        TAIL.setRelease(this, nt);
        return afterTail(nt);
    }

    /** Fills the slot of message {@code t}; by the lock holder or the single sender, before the tail store. */
    private void slot(long t, Object msg, int offset, int length, long handle, AsyncCallback callback) {
        int i = (int) t & mask;
        // The slot usually holds what the last lap left there (a sender that reuses its buffer:
        // the same buffer, offset and length, no handle, no callback): storing only a value that
        // differs keeps those cache lines shared with the receiver instead of pulling them back
        // to this core every lap, and skips the collector's write barrier of a reference store.
        if (msgs[i] != msg) {
            msgs[i] = msg;
        }
        long span = ((long) offset << 32) | (length & 0xFFFF_FFFFL);
        if (spans[i] != span) {
            spans[i] = span;
        }
        if (handles[i] != handle) {
            handles[i] = handle;
        }
        if (callbacks[i] != callback) {
            callbacks[i] = callback;
        }
        if (callback != null && !agentCompletes) {
            agentCompletes = true;
        }
    }

    /** The triggers after the tail moved to {@code nt}: DELIVER, ARMED or 0. */
    private int afterTail(long nt) {
        if (nt - (long) DELIVERED.getOpaque(this) >= trigger || nt - releasedCache >= capacity) {
            return publish(nt) ? DELIVER : 0;
        }
        if (timed && (long) DEADLINE.getOpaque(this) == 0) {
            long armed = System.nanoTime() + firstDelay;
            // A compare-and-set (volatile): it cannot undo an interval the timer set meanwhile, and it is
            // ordered before wakeBy()'s look at whether the delivery thread parks.
            if (DEADLINE.compareAndSet(this, 0L, armed)) {
                armedByPut = armed;
                return ARMED;
            }
        }
        return 0;
    }

    /**
     * Where the messages this connection holds against maxNumBuffer begin: the first slot not
     * released; to another JVM, the first not sent there, unless the slots of those in flight
     * there (at most {@code inFlight}) are all held.
     */
    private long freed() {
        long released = (long) RELEASED.getAcquire(this);
        return remote == null ? released : Math.min((long) SENT.getAcquire(this), released + inFlight);
    }

    /** To another JVM: the messages up to {@code upTo} were copied into a request to it; its pump's. */
    void sent(long upTo) {
        if ((long) SENT.getOpaque(this) < upTo) {
            SENT.setRelease(this, upTo);
        }
    }

    /**
     * Raises {@code delivered} to {@code upTo} unless it is there already; true when it grew. A
     * compare-and-set, volatile: ordered before signal()'s token compare-and-set (Dekker with the
     * getter), and never lowering what another writer published.
     */
    private boolean publish(long upTo) {
        for (;;) {
            long d = (long) DELIVERED.getVolatile(this);
            if (d >= upTo) {
                return false;
            }
            if (DELIVERED.compareAndSet(this, d, upTo)) {
                return true;
            }
        }
    }

    /** The first put of a thread on a single-sender connection: takes the connection over if its sender is gone. */
    private void claimSender() {
        Thread me = Thread.currentThread();
        for (;;) {
            Thread s = (Thread) SENDER.getVolatile(this);
            if (s == me) {
                return;
            }
            // isAlive() false: the old sender's last put happens-before this one (JLS 17.4.4).
            if (s != null && s.isAlive()) {
                throw new KernelException(Errno.EBUSY, "coid " + coid + " takes puts from one thread at a time (singleSender); "
                        + s + " puts on it");
            }
            if (SENDER.compareAndSet(this, s, me)) {
                return;
            }
        }
    }

    /**
     * A single sender's messages that landed after the connection stopped taking them: failed
     * with the errno of the failure that stopped it (ECANCELED detached, ESRCH channel gone,
     * ETIMEDOUT no receiver), or, when the sender's process died, delivered with the rest. Run by
     * the sender right after such a put, and by the delivery thread a little after every failure.
     * Nothing to do while OPEN: a receiver came back meanwhile, and triggers deliver what waits.
     */
    void sweepStragglers() {
        int st = state();
        if (st == SENDER_GONE) {
            deliverLastPuts();
        } else if (st != OPEN) {
            failPending(failure, (long) TAIL.getVolatile(this));
        }
    }

    /** A dead sender's puts after {@code finalTail}: delivered, or counted as discarded once the connection is gone. */
    private void deliverLastPuts() {
        long from;
        long t;
        lockPut();
        try {
            from = finalTail;
            t = (long) TAIL.getVolatile(this);
            if (t <= from) {
                return;
            }
            finalTail = t;
            publish(t);
        } finally {
            unlockPut();
        }
        if (retired) {
            sys.stats.discarded.add(t - from);
            LOG.warn("asyncmsg: {} message(s) put by pid {} on coid {} while it died were discarded", t - from, owner.pid, coid);
            return;
        }
        signal();
        if ((long) CONSUMED.getVolatile(this) >= t) {
            retire();
        }
    }

    /** Asks the delivery thread to sweep a single sender's stragglers a little later. */
    private void sweepLater() {
        if (single) {
            long due = System.nanoTime() + STRAGGLER_LOOK_NANOS;
            sweepDue = due == 0 ? 1 : due;
            sys.delivery.sweep(this, sweepDue);
        }
    }

    /** When {@link #sweepLater()} asked for a sweep, 0 for none. */
    long sweepDue() {
        return sweepDue;
    }

    /** The delivery thread's sweep; returns when it is due if not yet, else 0. */
    long onSweepTimer(long now) {
        long due = sweepDue;
        if (due == 0) {
            return 0;
        }
        if (now - due < 0) {
            return due;
        }
        sweepDue = 0;
        sweepStragglers();
        return 0;
    }

    private KernelException closed(int st) {
        return switch (st) {
            case EXPIRED -> new KernelException(Errno.ENOENT, "no receiver has held name '" + slot.name + "' for "
                    + attr.storeTimeNsec() + " ns (coid " + coid + ")");
            case SENDER_GONE -> new KernelException(Errno.ESRCH, "process " + owner.pid + " is dead");
            default -> new KernelException(Errno.EBADF,
                    "coid " + coid + (st == DEAD ? ": its channel was destroyed" : " is detached"));
        };
    }

    /** {@code asyncmsg_flush()}: delivers what waits; with mode 0 waits until it was got or failed. */
    void flush(int mode) {
        long t;
        boolean deliver;
        lockPut();
        try {
            int st = state;
            if (st == DEAD || st == CLOSED || st == SENDER_GONE) {
                throw closed(st);
            }
            t = (long) TAIL.getAcquire(this);
            deliver = publish(t);
        } finally {
            unlockPut();
        }
        if (deliver) {
            signal();
        }
        if (mode != AsyncMessaging.FLUSH_NONBLOCK) {
            awaitConsumed(t);
        }
    }

    private void awaitConsumed(long target) {
        for (int round = 0; (long) CONSUMED.getVolatile(this) < target; round++) {
            if (Idle.WAIT.idle(round)) {
                break;
            }
        }
        flushLock.lock();
        FLUSHERS.getAndAdd(this, 1);
        try {
            while ((long) CONSUMED.getVolatile(this) < target) {
                try {
                    drained.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new KernelException(Errno.EINTR, "flush of coid " + coid + " interrupted");
                }
            }
        } finally {
            FLUSHERS.getAndAdd(this, -1);
            flushLock.unlock();
        }
    }

    /** After {@code consumed} grew: wakes flushers, retires a dead sender's drained connection. */
    private void afterConsumed() {
        if ((int) FLUSHERS.getVolatile(this) > 0) {
            flushLock.lock();
            try {
                drained.signalAll();
            } finally {
                flushLock.unlock();
            }
        }
        if (state() == SENDER_GONE && (long) CONSUMED.getVolatile(this) >= finalTail) {
            retire();
        }
    }

    /** The time trigger (run by the delivery thread); returns the deadline now armed, 0 for none. */
    long onTimer(long now) {
        long d = (long) DEADLINE.getAcquire(this);
        if (d == 0) {
            return single ? armForStraggler(now) : 0;
        }
        if (now - d < 0) {
            return d;
        }
        boolean deliver;
        lockPut();
        try {
            // Volatile: a single sender arms the trigger with a compare-and-set from 0, outside the lock.
            d = (long) DEADLINE.getVolatile(this);
            if (d == 0 || now - d < 0) {
                return d;
            }
            deliver = publish((long) TAIL.getAcquire(this));
            d = deliver && attr.triggerIntervalNsec() > 0 ? now + attr.triggerIntervalNsec() : 0;
            DEADLINE.setVolatile(this, d);
        } finally {
            unlockPut();
        }
        if (deliver) {
            signal();
        }
        if (d == 0 && single) {
            // A put in the same instant may still have seen the trigger armed: look again soon.
            return now + STRAGGLER_LOOK_NANOS;
        }
        return d;
    }

    /**
     * A single sender's message that found the time trigger armed just as it was disarmed waits
     * with no trigger: armed here, as the put would have done.
     */
    private long armForStraggler(long now) {
        if (state() != OPEN || (long) TAIL.getAcquire(this) <= (long) DELIVERED.getAcquire(this)) {
            return 0;
        }
        long armed = now + firstDelay;
        return DEADLINE.compareAndSet(this, 0L, armed) ? armed : (long) DEADLINE.getVolatile(this);
    }

    /** The armed time-trigger deadline, 0 for none; volatile, to pair with the delivery thread's park. */
    long armedDeadline() {
        return (long) DEADLINE.getVolatile(this);
    }

    /** When the store time of a waiting connection by name runs out, 0 when it is not waiting. */
    long storeDue() {
        long since = (long) ORPHAN_SINCE.getVolatile(this);
        return since == 0 ? 0 : since + attr.storeTimeNsec();
    }

    // ------------------------------------------------------------------ routing

    /**
     * Makes sure that a connection with delivered, unconsumed messages sits in the ready queue of
     * its channel. Whoever holds the queue token re-checks after handing it back, so giving up
     * when the token is taken loses nothing.
     */
    void signal() {
        for (;;) {
            if ((long) DELIVERED.getVolatile(this) == (long) CONSUMED.getVolatile(this)) {
                return;
            }
            if (remote != null) {
                remote.wake();
                return;
            }
            AsyncChannel ch = channel();
            if (ch == null) {
                return; // stored: binding to the next receiver signals again
            }
            // Read before the compare-and-set: a connection already queued (as it mostly is while
            // its sender runs ahead) costs a shared read, not the line taken from the getter.
            // Volatile either way: Dekker with dequeued(), which hands the token back, then looks.
            if (QUEUED_IN.getVolatile(this) != null || !QUEUED_IN.compareAndSet(this, null, ch)) {
                return;
            }
            if (ch.offer(this)) {
                return;
            }
            QUEUED_IN.compareAndSet(this, ch, null);
            if (channel() == ch) {
                return; // the channel is going; its destruction re-routes this connection
            }
        }
    }

    /** A snapshot for {@link io.courier.asyncmsg.AsyncMessaging#connections}; takes no lock. */
    AsyncConnectionInfo info() {
        AsyncChannel ch = channel();
        // Read from the receiver's end forward, so that a snapshot never shows more got than put.
        long rel = (long) RELEASED.getAcquire(this);
        long got = (long) CONSUMED.getAcquire(this);
        long del = (long) DELIVERED.getAcquire(this);
        long put = (long) TAIL.getAcquire(this);
        int serverPid = remote != null ? remote.pid : ch == null ? -1 : ch.owner.pid;
        int serverChid = remote != null ? remote.chid : ch == null ? -1 : ch.chid;
        return new AsyncConnectionInfo(owner.pid, coid, slot == null ? null : slot.name, serverPid, serverChid, stateName(state()), attr.bufferSize(), attr.maxNumBuffer(),
                attr.triggerNumMsg(), attr.triggerTimeNsec(), single, put, del, got, rel);
    }

    private static String stateName(int state) {
        return switch (state) {
            case OPEN -> "OPEN";
            case EXPIRED -> "EXPIRED";
            case DEAD -> "DEAD";
            case CLOSED -> "CLOSED";
            case SENDER_GONE -> "SENDER_GONE";
            default -> "UNKNOWN";
        };
    }

    /** Whether this connection's queue token is held for {@code ch}. */
    boolean queuedIn(AsyncChannel ch) {
        return QUEUED_IN.getVolatile(this) == ch;
    }

    /** The getter hands the token back after draining, then looks again. */
    void dequeued(AsyncChannel ch) {
        QUEUED_IN.compareAndSet(this, ch, null);
        signal();
    }

    /** Starts feeding {@code ch} (by name: under the name's lock). */
    void bind(AsyncChannel ch) {
        lockPut();
        try {
            if (state == EXPIRED) {
                STATE.setVolatile(this, OPEN);
            }
        } finally {
            unlockPut();
        }
        ORPHAN_SINCE.setVolatile(this, 0L);
        sys.delivery.unorphan(this);
        ch.conns.add(this);
        CHANNEL.setVolatile(this, ch);
        signal();
    }

    /**
     * Stops feeding {@code ch}, keeping every message (by name: under the name's lock). No getter
     * of {@code ch} is inside this connection afterwards: it checks the channel under the take lock.
     */
    void orphan(AsyncChannel ch, long now) {
        takeLock.lock();
        try {
            if (channel() != ch) {
                return;
            }
            CHANNEL.setVolatile(this, null);
        } finally {
            takeLock.unlock();
        }
        QUEUED_IN.compareAndSet(this, ch, null);
        ch.conns.remove(this);
        int st = state();
        if (st == OPEN || st == SENDER_GONE) {
            ORPHAN_SINCE.setVolatile(this, now == 0 ? 1 : now);
            sys.delivery.orphan(this);
        }
    }

    /** Marks a new connection by name as waiting for a receiver. */
    void waitForReceiver(long now) {
        ORPHAN_SINCE.setVolatile(this, now == 0 ? 1 : now);
        sys.delivery.orphan(this);
    }

    /**
     * The store time (run by the delivery thread): a connection by name without a receiver for
     * longer fails its messages with ETIMEDOUT. Returns the {@link System#nanoTime()} at which it
     * is due, or 0 once it is no longer waiting.
     */
    long onStoreTimer(long now) {
        long since = (long) ORPHAN_SINCE.getVolatile(this);
        if (since == 0) {
            return 0;
        }
        long due = since + attr.storeTimeNsec();
        if (now - due < 0) {
            return due;
        }
        slot.lock.lock();
        try {
            if ((long) ORPHAN_SINCE.getVolatile(this) != since || channel() != null) {
                return 0;
            }
            ORPHAN_SINCE.setVolatile(this, 0L);
            sys.delivery.unorphan(this);
            int failed = fail(Errno.ETIMEDOUT, EXPIRED);
            if (failed > 0) {
                LOG.warn("asyncmsg: {} message(s) of pid {} coid {} to name '{}' failed with ETIMEDOUT: no receiver for {} ms",
                        failed, owner.pid, coid, slot.name, attr.storeTimeNsec() / 1_000_000);
            }
        } finally {
            slot.lock.unlock();
        }
        if (state() == SENDER_GONE) {
            retire();
        }
        return 0;
    }

    // ------------------------------------------------------------------ receiver side (A5)

    /**
     * Copies delivered messages into receive buffers of {@code ch} (whose get lock the caller
     * holds, with this connection's queue token) until they or the buffers run out.
     *
     * @return the messages copied
     */
    int drainTo(AsyncChannel ch, AsyncChannel.Batch batch) {
        long from;
        long to;
        boolean viaAgent;
        long firstGot = 0;
        takeLock.lock();
        try {
            if (channel() != ch) {
                return 0;
            }
            from = consumed;
            long d = (long) DELIVERED.getVolatile(this);
            int pid = srcPid;
            long i = from;
            while (i < d) {
                Header h = ch.nextHeader();
                if (h == null) {
                    batch.outOfBuffers = true;
                    break;
                }
                int slotIndex = (int) i & mask;
                Object m = msgs[slotIndex];
                long span = spans[slotIndex];
                int length = (int) span;
                int copied = m instanceof ByteBuffer b ? h.fill(b, (int) (span >>> 32), length) : h.fill((ByteBuffer[]) m);
                h.describe(pid, ch.chid, srcCoid, copied, length);
                batch.add(h);
                i++;
            }
            to = i;
            if (to == from) {
                return 0;
            }
            CONSUMED.setVolatile(this, to);
            viaAgent = agentCompletes;
            if (!viaAgent) {
                // No callback to run: the slots are free at once. Under the take lock, so that a
                // failure that switches to the callback thread cannot be overtaken.
                RELEASED.setRelease(this, to);
                firstGot = handles[(int) from & mask];
            }
        } finally {
            takeLock.unlock();
        }
        Progress pr = progress;
        if (viaAgent) {
            sys.callbacks.schedule(this);
        } else if (pr != null && pr.got(firstGot, (int) (to - from))) {
            sys.callbacks.schedule(this); // its afterRun answers what waits for this news
        }
        afterConsumed();
        return (int) (to - from);
    }

    // ------------------------------------------------------------------ to another JVM (NodeSender)

    /**
     * Packs the delivered messages from index {@code from} (the first not yet sent) into
     * {@code into}, a batch to another JVM: at most {@code maxCount} of them, of at most
     * {@code maxBytes} bytes in all (at least one). Message {@code i}'s length goes at
     * {@code lengthsAt + 4 i}, the bytes one after the other from {@code lengthsAt + 4 n} on;
     * {@code into}'s limit is set to their end. Read from the slots under the take lock, one pass
     * to count and one to copy, with no list of them made (a reference store per message, and
     * clearing it after, were a fifth of the pump's time). They stay unconsumed (their slots held)
     * until {@link #remoteOutcome}. Returns how many; 0 also when {@code from} is before the first
     * without an outcome (they failed here meanwhile).
     */
    int packForRemote(long from, int maxCount, ByteBuffer into, int lengthsAt, long maxBytes) {
        takeLock.lock();
        try {
            if (from < consumed) {
                return 0;
            }
            long d = (long) DELIVERED.getVolatile(this);
            int n = 0;
            long bytes = 0;
            for (long i = from; i < d && n < maxCount; i++) {
                bytes += (int) spans[(int) i & mask];
                if (n > 0 && bytes > maxBytes) {
                    break;
                }
                n++;
            }
            byte[] array = into.array();
            int base = into.arrayOffset();
            int at = lengthsAt + 4 * n;
            for (int k = 0; k < n; k++) {
                int s = (int) (from + k) & mask;
                long span = spans[s];
                int len = (int) span;
                into.putInt(lengthsAt + 4 * k, len);
                Object m = msgs[s];
                if (m instanceof ByteBuffer b) {
                    int off = (int) (span >>> 32);
                    if (b.hasArray()) {
                        System.arraycopy(b.array(), b.arrayOffset() + off, array, base + at, len);
                    } else {
                        into.put(at, b, off, len);
                    }
                } else {
                    int part = at;
                    for (ByteBuffer b : (ByteBuffer[]) m) {
                        int r = b.remaining();
                        into.put(part, b, b.position(), r);
                        part += r;
                    }
                }
                at += len;
            }
            into.limit(at);
            return n;
        } finally {
            takeLock.unlock();
        }
    }

    /** Messages got (or failed), ever; volatile. */
    long consumed() {
        return (long) CONSUMED.getVolatile(this);
    }

    /** Messages put, ever; acquire. */
    long tail() {
        return (long) TAIL.getAcquire(this);
    }

    /** The end of the delivered messages (what a pump to another JVM may send up to); volatile. */
    long delivered() {
        return (long) DELIVERED.getVolatile(this);
    }

    /** The index of the first message without an outcome yet (what a resumed connection sends from). */
    long firstWithoutOutcome() {
        takeLock.lock();
        try {
            return consumed;
        } finally {
            takeLock.unlock();
        }
    }

    /**
     * The other JVM's outcome of the {@code n} messages from index {@code from}: delivered, but
     * for the {@code f} at {@code from + failedAt[k]}, which failed with errno {@code failedErr[k]}.
     * Nothing when they failed here meanwhile (a detach): their callbacks ran or will run with
     * that failure, once. A delivered message's errno is left as it is: a slot's errno is 0 but
     * from its failure to its callback's run ({@link #complete}, which clears it).
     */
    void remoteOutcome(long from, int n, int[] failedAt, int[] failedErr, int f) {
        boolean viaAgent;
        takeLock.lock();
        try {
            if (consumed != from) {
                return;
            }
            for (int k = 0; k < f; k++) {
                errs[(int) (from + failedAt[k]) & mask] = failedErr[k];
            }
            if (f > 0) {
                agentCompletes = true;
            }
            CONSUMED.setVolatile(this, from + n);
            viaAgent = agentCompletes;
            if (!viaAgent) {
                RELEASED.setRelease(this, from + n);
            }
        } finally {
            takeLock.unlock();
        }
        if (viaAgent) {
            sys.callbacks.schedule(this);
        }
        afterConsumed();
    }

    /**
     * The channel in another JVM is gone (destroyed, or its JVM died): as a local channel's
     * destruction, what was not got fails with ESRCH and later puts with EBADF.
     */
    void remoteGone(String why) {
        int failed = fail(Errno.ESRCH, DEAD);
        if (failed > 0) {
            LOG.info("asyncmsg: {} message(s) of pid {} coid {} failed with ESRCH: {}", failed, owner.pid, coid, why);
        }
        if (state() == SENDER_GONE) {
            retire();
        }
    }

    /** Whether a dead sender's connection has had all it put taken. */
    boolean drainedAfterSender() {
        return state() == SENDER_GONE && (long) CONSUMED.getVolatile(this) >= finalTailVolatile();
    }

    private long finalTailVolatile() {
        lockPut();
        try {
            return finalTail;
        } finally {
            unlockPut();
        }
    }

    // ------------------------------------------------------------------ completions (callback thread)

    boolean markCompletionQueued() {
        return COMPLETION_QUEUED.compareAndSet(this, false, true);
    }

    void clearCompletionQueued() {
        COMPLETION_QUEUED.setVolatile(this, false);
    }

    boolean completionPending() {
        return (long) CONSUMED.getVolatile(this) != (long) RELEASED.getAcquire(this);
    }

    /** Runs the callbacks of the messages got or failed since the last run, then frees their slots. */
    int complete() {
        Progress told = progress;
        if (told != null) {
            boolean viaAgent;
            takeLock.lock();
            try {
                viaAgent = agentCompletes;
            } finally {
                takeLock.unlock();
            }
            if (!viaAgent) {
                // Its getter frees the slots (and may be freeing some now): only the news to answer.
                told.afterRun();
                return 0;
            }
        }
        long from = (long) RELEASED.getAcquire(this);
        long to = (long) CONSUMED.getAcquire(this);
        boolean senderAlive = owner.alive();
        for (long i = from; i < to; i++) {
            int s = (int) i & mask;
            Object m = msgs[s];
            AsyncCallback cb = callbacks[s];
            int err = errs[s];
            long handle = handles[s];
            msgs[s] = null;
            callbacks[s] = null;
            errs[s] = 0;
            if (cb == null) {
                cb = attr.callback();
            }
            if (cb == null && told != null) {
                told.outcome(handle, err);
            } else if (cb != null && senderAlive) {
                sys.runCallback(cb, err == 0 ? Errno.EOK : Errno.of(err), m, handle, err != 0);
            } else if (err != 0) {
                sys.stats.discarded.increment();
            }
        }
        RELEASED.setRelease(this, to);
        if (told != null) {
            told.afterRun();
        }
        return (int) (to - from);
    }

    /**
     * What a {@link NodeGateway} is told of its connection's messages, by their handles: the
     * messages got, as ranges, where the getter got them (no callback per message, no callback
     * thread), and those that failed, one by one on the callback thread.
     */
    interface Progress {
        /**
         * {@code n} messages from handle {@code firstHandle} on were got; on the getter's thread,
         * after the take lock. True to have the callback thread run {@link #afterRun()}.
         */
        boolean got(long firstHandle, int n);

        /** Message {@code handle}'s outcome ({@code err}: 0 got, else the errno it failed with); callback thread. */
        void outcome(long handle, int err);

        /** The callback thread, after a run of this connection's outcomes or when {@link #got} asked for it. */
        void afterRun();
    }

    /** Tells {@code p} of this connection's outcomes (set before the first put; puts then name no callback). */
    void progress(Progress p) {
        progress = p;
    }

    // ------------------------------------------------------------------ failure and the end

    /**
     * Fails every message not yet got with {@code err} and moves to {@code newState} (a dead
     * sender stays SENDER_GONE). Returns the messages failed.
     */
    int fail(Errno err, int newState) {
        long t;
        lockPut();
        try {
            int st = state;
            if (st == CLOSED) {
                return 0;
            }
            failure = err;
            if (st != SENDER_GONE) {
                STATE.setVolatile(this, newState);
            }
            // Volatile, after the state store: a single sender's put either shows up here or sees the new state.
            t = (long) TAIL.getVolatile(this);
            DEADLINE.setVolatile(this, 0L);
        } finally {
            unlockPut();
        }
        int failed = failPending(err, t);
        sweepLater();
        return failed;
    }

    /** Fails the messages not yet got, up to {@code upTo}, with {@code err}; returns how many. */
    private int failPending(Errno err, long upTo) {
        long from;
        takeLock.lock();
        try {
            from = consumed;
            if (upTo <= from) {
                return 0;
            }
            publish(upTo);
            for (long i = from; i < upTo; i++) {
                errs[(int) i & mask] = err.code();
            }
            agentCompletes = true;
            CONSUMED.setVolatile(this, upTo);
        } finally {
            takeLock.unlock();
        }
        sys.callbacks.schedule(this);
        afterConsumed();
        return (int) (upTo - from);
    }

    /** The channel of a connection by pid and chid was destroyed (SPEC exact values: ESRCH). */
    void channelGone(AsyncChannel ch) {
        if (channel() != ch) {
            return;
        }
        CHANNEL.setVolatile(this, null);
        int failed = fail(Errno.ESRCH, DEAD);
        if (failed > 0) {
            LOG.info("asyncmsg: {} message(s) of pid {} coid {} failed with ESRCH: channel {}/{} was destroyed",
                    failed, owner.pid, coid, ch.owner.pid, ch.chid);
        }
        if (state() == SENDER_GONE) {
            retire();
        }
    }

    /** {@code asyncmsg_connect_detach()}: messages not yet got fail with ECANCELED. */
    void close() {
        fail(Errno.ECANCELED, CLOSED);
        retire();
        if (remote != null) {
            remote.wake(); // its pump detaches the other JVM's end
        }
    }

    /** The sender's process died: what it put is still delivered; nothing more is taken. */
    void senderGone() {
        long t;
        int st;
        lockPut();
        try {
            st = state;
            if (st == CLOSED) {
                return;
            }
            STATE.setVolatile(this, SENDER_GONE);
            t = (long) TAIL.getVolatile(this);
            finalTail = t;
            publish(t);
            DEADLINE.setVolatile(this, 0L);
        } finally {
            unlockPut();
        }
        sweepLater();
        if (st == DEAD || st == EXPIRED || (long) CONSUMED.getVolatile(this) >= t) {
            retire();
            return;
        }
        signal();
        if ((long) CONSUMED.getVolatile(this) >= t) {
            retire();
        }
    }

    /** Forgets the connection everywhere it is registered; idempotent. */
    void retire() {
        retired = true;
        AsyncChannel ch = (AsyncChannel) CHANNEL.getAndSet(this, (AsyncChannel) null);
        if (ch != null) {
            ch.conns.remove(this);
        }
        ORPHAN_SINCE.setVolatile(this, 0L);
        sys.delivery.forget(this);
        if (slot != null) {
            slot.remove(this);
        }
    }

    @Override
    public String toString() {
        return "AsyncConn[pid " + owner.pid + " coid " + coid + (slot != null ? " name " + slot.name : "") + "]";
    }
}
