package io.courier.asyncmsg.internal;

import io.courier.asyncmsg.AsyncChannelInfo;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.asyncmsg.RecvBufCallback;
import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Credentials;
import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.kernel.SigEvent;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An asynchronous channel (SPEC A1, A5): a small state, the ready queue of connections with
 * delivered messages, and the receive buffers. Lock order: {@code getLock}, then a
 * connection's take lock, then {@code readyLock}; the put side takes only {@code readyLock}.
 *
 * <p>Receive buffers: with {@code maxNumBuffer > 0} the channel keeps a pool of at most that many,
 * allocated as gets need them and reused after {@code free}. With {@code maxNumBuffer == 0}
 * ("don't allocate any buffers") it keeps none: each message a get returns goes into a buffer
 * taken for it alone (the callback's ALLOC, or a new heap buffer), which {@code free} gives back
 * at once (the callback's FREE); at most {@link #unpooledLimit} are out at a time.
 *
 * <p>The event is sent when the ready queue goes from empty to non-empty while it is armed; a
 * get that leaves it empty arms it again, and a get that leaves messages behind (too few free
 * buffers, or messages that arrived meanwhile) sends it again, so that a receiver doing one get
 * per event never stalls.
 */
final class AsyncChannel {
    private static final VarHandle DESTROYED;
    private static final VarHandle READY_COUNT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            DESTROYED = l.findVarHandle(AsyncChannel.class, "destroyed", boolean.class);
            READY_COUNT = l.findVarHandle(AsyncChannel.class, "readyCount", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final AsyncSystem sys;
    final AsyncProc owner;
    final int chid;
    final int flags;
    final int mode;
    final int bufferSize;
    final int maxNumBuffer;
    final SigEvent event;
    private final RecvBufCallback recvbuf;
    /** Connections bound to this channel (for its destruction). */
    final Set<Conn> conns = ConcurrentHashMap.newKeySet();
    /** Names this channel holds; guarded by each name's lock. */
    final Set<String> names = ConcurrentHashMap.newKeySet();

    private final ReentrantLock getLock = new ReentrantLock();
    private final ReentrantLock readyLock = new ReentrantLock();
    private final Condition notEmpty = readyLock.newCondition();
    /** Guarded by readyLock. */
    private final ArrayDeque<Conn> ready = new ArrayDeque<>();
    /** Guarded by readyLock. */
    private boolean armed = true;
    /** Guarded by readyLock. */
    private int waiters;
    /** The size of {@code ready}, for getters that spin without the lock; written under readyLock. */
    private int readyCount;
    /** Set under readyLock (and getLock); read anywhere. */
    private boolean destroyed;

    /** The receive buffers out with the receiver, without a pool ({@code maxNumBuffer == 0}): who removes one frees it. */
    private final Set<Header> unpooled = ConcurrentHashMap.newKeySet();
    /** The most buffers out at a time without a pool: what {@code MAX_CHANNEL_BYTES} allows. */
    private final int unpooledLimit;

    // Receive buffers, guarded by getLock.
    private Header[] headers = new Header[8];
    private int allocated;
    private int cursor;
    private boolean allocRefused;
    private final Batch batch = new Batch();

    AsyncChannel(AsyncSystem sys, AsyncProc owner, int chid, int flags, int mode, int bufferSize, int maxNumBuffer,
            SigEvent event, RecvBufCallback recvbuf) {
        this.sys = sys;
        this.owner = owner;
        this.chid = chid;
        this.flags = flags;
        this.mode = mode;
        this.bufferSize = bufferSize;
        this.maxNumBuffer = maxNumBuffer;
        this.event = event;
        this.recvbuf = recvbuf;
        this.unpooledLimit = (int) Math.min(AsyncMessaging.MAX_NUM_BUFFER, AsyncMessaging.MAX_CHANNEL_BYTES / bufferSize);
    }

    /** Whether the channel keeps a pool of receive buffers ({@code maxNumBuffer > 0}). */
    private boolean pooled() {
        return maxNumBuffer > 0;
    }

    boolean isDestroyed() {
        return (boolean) DESTROYED.getVolatile(this);
    }

    /** Whether a process with {@code c} may attach: write permission by owner, group or other ({@code mode}). */
    boolean permits(Credentials c) {
        if (c.uid() == 0) {
            return true;
        }
        Credentials o = owner.kernel.credentials();
        int bits = c.uid() == o.uid() ? mode >> 6 : c.gid() == o.gid() ? mode >> 3 : mode;
        return (bits & 2) != 0;
    }

    // ------------------------------------------------------------------ the ready queue

    /** Queues a connection that holds this channel's token; false when the channel is destroyed. */
    boolean offer(Conn c) {
        boolean notify = false;
        readyLock.lock();
        try {
            if (destroyed) {
                return false;
            }
            if (ready.isEmpty() && armed) {
                armed = false;
                notify = event != null;
            }
            ready.addLast(c);
            READY_COUNT.setRelease(this, ready.size());
            if (waiters > 0) {
                notEmpty.signalAll();
            }
        } finally {
            readyLock.unlock();
        }
        if (notify) {
            sys.delivery.requestEvent(this);
        }
        return true;
    }

    private Conn poll() {
        readyLock.lock();
        try {
            Conn c = ready.pollFirst();
            READY_COUNT.setRelease(this, ready.size());
            return c;
        } finally {
            readyLock.unlock();
        }
    }

    private void pushBack(Conn c) {
        readyLock.lock();
        try {
            ready.addFirst(c);
            READY_COUNT.setRelease(this, ready.size());
        } finally {
            readyLock.unlock();
        }
    }

    /**
     * The end of a get: arms the event if the queue is empty, or sends it again if messages wait
     * and this get returned some (a get that returned none failed with ENOBUFS: its caller must
     * free buffers first, and an event now would only repeat the failure).
     */
    private void endGet(boolean gotSome) {
        boolean notify = false;
        readyLock.lock();
        try {
            if (ready.isEmpty()) {
                armed = true;
            } else {
                notify = gotSome && event != null && !destroyed;
            }
        } finally {
            readyLock.unlock();
        }
        if (notify) {
            sys.delivery.requestEvent(this);
        }
    }

    // ------------------------------------------------------------------ get (A5)

    /**
     * {@code asyncmsg_get()}.
     *
     * @param timeoutNanos how long a blocking channel waits; negative for ever
     */
    Header get(long timeoutNanos) {
        long deadline = timeoutNanos < 0 ? Long.MAX_VALUE : System.nanoTime() + Math.min(timeoutNanos, Long.MAX_VALUE / 4);
        boolean nonblock = (flags & ChannelFlags.ASYNC_NONBLOCK) != 0;
        for (;;) {
            Header first = tryGet();
            if (first != null || nonblock) {
                return first;
            }
            awaitReady(deadline);
        }
    }

    private void adapt(int spinning, boolean served) {
        int next = served ? Math.min(Idle.WAIT.spins(), spinning * 2) : Math.max(SPINS_MIN, spinning / 2);
        if (next != spinning) {
            spins = next;
        }
    }

    /** The spins of the next getter's wait, for tests. */
    int spins() {
        return spins;
    }

    private Header tryGet() {
        getLock.lock();
        try {
            if (isDestroyed()) {
                throw destroyedError();
            }
            Batch b = batch;
            b.reset();
            allocRefused = false;
            // From the first buffer again: the ones freed since the last get are taken first, so a
            // receiver that frees each batch keeps reusing the same few, still in its cache.
            cursor = 0;
            Conn c;
            while (!b.outOfBuffers && (c = poll()) != null) {
                if (!c.queuedIn(this)) {
                    continue; // a stale entry: the connection went elsewhere and took its token along
                }
                c.drainTo(this, b);
                if (b.outOfBuffers && c.channel() == this) {
                    pushBack(c); // keeps the token: its messages stay first in line
                } else {
                    c.dequeued(this);
                }
            }
            endGet(b.count > 0);
            if (b.first == null && b.outOfBuffers) {
                throw new KernelException(Errno.ENOBUFS, "messages wait on channel " + chid + " but all its "
                        + (pooled() ? allocated : unpooled.size()) + " receive buffers are held, or no more are"
                        + " given; free some");
            }
            if (b.count > 0) {
                sys.stats.delivered.add(b.count);
            }
            Header first = b.end();
            b.reset();
            return first;
        } finally {
            getLock.unlock();
        }
    }

    /** The fewest spins of a getter's wait on a channel fed from afar ({@link #spins}), about 2–3 µs here. */
    static final int SPINS_MIN = 100;

    /**
     * How many rounds a getter spins before it yields, on a channel that has had a connection
     * from another JVM or node ({@link #fedFromAfar}): between {@link #SPINS_MIN} and
     * {@code Idle.WAIT}'s spins, doubled after a wait that spinning served and halved after one it
     * did not, as the node ring's doorbell adapts. Batches from afar come a batch's time apart
     * (a hundred microseconds and more) through a gateway that shares the cores, and a getter that
     * spun 1,000 rounds for each took the gateway's CPU (benchmarks/RESULTS.md). A channel fed in
     * this JVM alone keeps the full spin: its getter's yields, when it spun less, let the
     * scheduler put it on its sender's core, where the two stayed at a third of their speed.
     * Plain: getters racing on it only make it adapt a round later.
     */
    private int spins = Idle.WAIT.spins();
    /** Whether a connection from another JVM or node was ever bound here; see {@link #spins}. */
    private volatile boolean afar;

    /** A connection from another JVM or node (a gateway's) is bound here: the getter's spin adapts from now on. */
    void fedFromAfar() {
        if (!afar) {
            afar = true;
        }
    }

    private void awaitReady(long deadline) {
        boolean adapts = afar;
        int spinning = adapts ? spins : Idle.WAIT.spins();
        int busy = spinning + Idle.WAIT.yields();
        for (int round = 0; round < busy; round++) {
            if ((int) READY_COUNT.getAcquire(this) > 0 || isDestroyed()) {
                if (adapts) {
                    adapt(spinning, round < spinning);
                }
                return;
            }
            if (round < spinning) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        if (adapts) {
            adapt(spinning, false);
        }
        readyLock.lock();
        waiters++;
        try {
            while (ready.isEmpty() && !destroyed) {
                if (deadline == Long.MAX_VALUE) {
                    notEmpty.await();
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new KernelException(Errno.ETIMEDOUT, "nothing arrived on channel " + chid + " in time");
                    }
                    notEmpty.awaitNanos(left);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KernelException(Errno.EINTR, "get on channel " + chid + " interrupted");
        } finally {
            waiters--;
            readyLock.unlock();
        }
    }

    private KernelException destroyedError() {
        return new KernelException(Errno.ESRCH, "asynchronous channel " + chid + " of process " + owner.pid
                + " is destroyed");
    }

    /** A free receive buffer, or null when all are held and no more may be allocated; under getLock. */
    Header nextHeader() {
        if (!pooled()) {
            return unpooledHeader();
        }
        int n = allocated;
        for (int k = 0; k < n; k++) {
            int i = cursor;
            cursor = i + 1 == n ? 0 : i + 1;
            Header h = headers[i];
            if (h.take()) {
                return h;
            }
        }
        if (n >= maxNumBuffer || allocRefused) {
            return null;
        }
        ByteBuffer buf = allocate();
        if (buf == null) {
            allocRefused = true;
            return null;
        }
        Header h = new Header(this, buf);
        h.take();
        if (n == headers.length) {
            headers = Arrays.copyOf(headers, Math.min(maxNumBuffer, n * 2));
        }
        headers[n] = h;
        allocated = n + 1;
        return h;
    }

    /** A buffer taken for one message, without a pool; under getLock. */
    private Header unpooledHeader() {
        if (allocRefused || unpooled.size() >= unpooledLimit) {
            return null;
        }
        ByteBuffer buf = allocate();
        if (buf == null) {
            allocRefused = true;
            return null;
        }
        Header h = new Header(this, buf);
        h.take();
        unpooled.add(h);
        return h;
    }

    private ByteBuffer allocate() {
        if (recvbuf == null) {
            return ByteBuffer.allocate(bufferSize);
        }
        ByteBuffer[] bufs = new ByteBuffer[1];
        try {
            if (recvbuf.call(bufferSize, 1, bufs, RecvBufCallback.ALLOC) <= 0) {
                return null;
            }
        } catch (Throwable t) {
            sys.recvbufCallbackFailed(this, t);
            return null;
        }
        return bufs[0];
    }

    /** {@code asyncmsg_free()}: back to the pool, or, without one, back to the callback at once. */
    void free(Header h) {
        if (!h.release()) {
            throw new KernelException(Errno.EINVAL, "header of channel " + chid + " is not in use (freed twice?)");
        }
        if (!pooled() && unpooled.remove(h)) {
            giveBack(List.of(h.buffer));
        }
    }

    // ------------------------------------------------------------------ destruction

    /**
     * {@code asyncmsg_channel_destroy()} or the owner's death: waiting getters fail with ESRCH,
     * connections by pid and chid die, connections by name keep their messages for the next
     * holder of the name, the receive buffers go to the FREE callback.
     */
    void destroy() {
        getLock.lock();
        try {
            readyLock.lock();
            try {
                if (destroyed) {
                    return;
                }
                DESTROYED.setVolatile(this, true);
                ready.clear();
                READY_COUNT.setRelease(this, 0);
                notEmpty.signalAll();
            } finally {
                readyLock.unlock();
            }
        } finally {
            getLock.unlock();
        }
        long now = System.nanoTime();
        for (String name : List.copyOf(names)) {
            sys.unbindName(name, this, now);
        }
        for (Conn c : List.copyOf(conns)) {
            if (c.slot != null) {
                sys.unbindConn(c, this, now);
            } else {
                c.channelGone(this);
            }
        }
        freeBuffers();
    }

    private void freeBuffers() {
        List<ByteBuffer> bufs = new ArrayList<>();
        getLock.lock();
        try {
            for (int i = 0; i < allocated; i++) {
                bufs.add(headers[i].buffer);
            }
        } finally {
            getLock.unlock();
        }
        for (Header h : List.copyOf(unpooled)) {
            if (unpooled.remove(h)) {
                bufs.add(h.buffer); // still with the receiver: freed here, not by its free()
            }
        }
        giveBack(bufs);
    }

    /** Hands {@code bufs} to the FREE callback, if there is one and they are any. */
    private void giveBack(List<ByteBuffer> bufs) {
        if (recvbuf == null || bufs.isEmpty()) {
            return;
        }
        try {
            recvbuf.call(bufferSize, bufs.size(), bufs.toArray(ByteBuffer[]::new), RecvBufCallback.FREE);
        } catch (Throwable t) {
            sys.recvbufCallbackFailed(this, t);
        }
    }

    // ------------------------------------------------------------------ introspection

    /** A snapshot for {@link io.courier.asyncmsg.AsyncMessaging#channels}. */
    AsyncChannelInfo info() {
        long queued = 0;
        for (Conn c : conns) {
            queued += c.info().queued();
        }
        if (!pooled()) {
            // Without a pool a buffer exists only while the receiver holds it.
            int out = unpooled.size();
            return new AsyncChannelInfo(owner.pid, chid, new TreeSet<>(names).stream().toList(), bufferSize,
                    maxNumBuffer, conns.size(), queued, out, out);
        }
        int made;
        int inUse = 0;
        // The get lock is held only while a get copies a batch, never while a getter waits.
        getLock.lock();
        try {
            made = allocated;
            for (int i = 0; i < made; i++) {
                if (headers[i].inUse()) {
                    inUse++;
                }
            }
        } finally {
            getLock.unlock();
        }
        return new AsyncChannelInfo(owner.pid, chid, new TreeSet<>(names).stream().toList(), bufferSize, maxNumBuffer,
                conns.size(), queued, made, inUse);
    }

    @Override
    public String toString() {
        return "AsyncChannel[" + owner.pid + "/" + chid + "]";
    }

    /** The headers of one get, linked in order; reused under getLock. */
    static final class Batch {
        Header first;
        Header last;
        int count;
        boolean outOfBuffers;

        void reset() {
            first = null;
            last = null;
            count = 0;
            outOfBuffers = false;
        }

        /**
         * Links {@code h} after the last. A header taken again usually follows the same header as
         * in the last get (the buffers are taken in order from the first freed): its link is
         * stored only when it differs, which spares a reference store (and the collector's write
         * barrier) per message. The chain ends at {@link #end()}.
         */
        void add(Header h) {
            if (last == null) {
                first = h;
            } else if (last.next != h) {
                last.next = h;
            }
            last = h;
            count++;
        }

        /** The first header, the chain ended at the last one (whose link may be an earlier get's). */
        Header end() {
            Header l = last;
            if (l != null && l.next != null) {
                l.next = null;
            }
            return first;
        }
    }
}
