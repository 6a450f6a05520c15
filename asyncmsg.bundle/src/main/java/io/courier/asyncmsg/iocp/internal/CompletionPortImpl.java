package io.courier.asyncmsg.iocp.internal;

import io.courier.asyncmsg.iocp.Completion;
import io.courier.asyncmsg.iocp.IoCompletionPort;
import io.courier.asyncmsg.iocp.Operation;
import io.courier.asyncmsg.iocp.OverlappedIo;
import io.courier.asyncmsg.iocp.PendingOperation;
import io.courier.asyncmsg.iocp.PortInfo;
import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A completion port: a lifecycle state, a queue of completions that doubles as the queue of
 * waiting threads, and (once an operation has had to wait) a {@link Poller}.
 *
 * <p>The queue is a {@link LinkedTransferQueue}, a dual queue: a completion offered while
 * threads wait is matched with exactly one of them, which alone is unparked; with nobody
 * waiting it is queued for the next waiter. That is IBM i's "wakes up exactly one of possibly
 * many threads that are waiting", without a lock.
 *
 * <p>Of the waiting threads, one at a time leads the {@link Poller} (selects) while the others
 * wait on the queue. A leader that leaves (with a completion, or at its timeout) queues a
 * {@link #LEAD} token, so that a follower takes over; so does a starter that parks an op while
 * nobody leads. Tokens are never handed to the application.
 *
 * <p>Closing puts one {@link #CLOSED_MARK} in the queue; a waiter that takes it puts it back
 * before failing, so every waiter, present or late, wakes in turn.
 */
public final class CompletionPortImpl implements IoCompletionPort {
    private static final Logger LOG = LoggerFactory.getLogger(CompletionPortImpl.class);
    private static final Object CLOSED_MARK = new Object();
    private static final Object LEAD = new Object();
    private static final int OPEN = 0;
    private static final int CLOSED = 1;
    private static final VarHandle STATE;
    private static final VarHandle POLLER;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(CompletionPortImpl.class, "state", int.class);
            POLLER = lookup.findVarHandle(CompletionPortImpl.class, "poller", Poller.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int id;
    private final PortRegistry.Owner owner;
    private final LinkedTransferQueue<Object> queue = new LinkedTransferQueue<>();
    private final Object pollerLock = new Object();
    private final LongAdder errors = new LongAdder();
    @SuppressWarnings("unused") // accessed through STATE
    private int state = OPEN;
    @SuppressWarnings("unused") // accessed through POLLER
    private Poller poller;

    CompletionPortImpl(int id, PortRegistry.Owner owner) {
        this.id = id;
        this.owner = owner;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public int ownerPid() {
        return owner.pid();
    }

    PortRegistry.Owner owner() {
        return owner;
    }

    @Override
    public boolean isOpen() {
        // Acquire: a thread that sees OPEN may use what the creator set up; close is a CAS.
        return (int) STATE.getAcquire(this) == OPEN;
    }

    // ------------------------------------------------------------------------- starting

    @Override
    public int startRecv(SocketChannel socket, OverlappedIo io) {
        requireIo(io);
        Errno bad = checkTransfer(socket, io, Operation.RECV);
        return bad != null ? fail(io, Operation.RECV, bad) : start(new PendingOp(Operation.RECV, socket, io));
    }

    @Override
    public int startSend(SocketChannel socket, OverlappedIo io) {
        requireIo(io);
        Errno bad = checkTransfer(socket, io, Operation.SEND);
        return bad != null ? fail(io, Operation.SEND, bad) : start(new PendingOp(Operation.SEND, socket, io));
    }

    @Override
    public int startAccept(ServerSocketChannel socket, OverlappedIo io) {
        requireIo(io);
        Errno bad;
        if (!isOpen() || socket == null || !socket.isOpen()) {
            bad = Errno.EBADF;
        } else if (!socket.socket().isBound()) {
            bad = Errno.EINVAL;
        } else {
            bad = nonBlocking(socket);
        }
        return bad != null ? fail(io, Operation.ACCEPT, bad) : start(new PendingOp(Operation.ACCEPT, socket, io));
    }

    private static void requireIo(OverlappedIo io) {
        if (io == null) {
            throw new KernelException(Errno.EINVAL, "no Qso_OverlappedIO_t");
        }
    }

    private Errno checkTransfer(SocketChannel socket, OverlappedIo io, Operation operation) {
        if (!isOpen() || socket == null || !socket.isOpen()) {
            return Errno.EBADF;
        }
        ByteBuffer buffer = io.buffer();
        if (buffer == null || io.length() <= 0 || io.length() > buffer.remaining()) {
            return Errno.EINVAL;
        }
        if (operation == Operation.RECV && buffer.isReadOnly()) {
            return Errno.EFAULT;
        }
        if (!socket.isConnected()) {
            return Errno.ENOTCONN;
        }
        return nonBlocking(socket);
    }

    private static Errno nonBlocking(SelectableChannel socket) {
        if (!socket.isBlocking()) {
            return null;
        }
        try {
            socket.configureBlocking(false);
            return null;
        } catch (IOException e) {
            return IoErrors.of(e);
        }
    }

    private int start(PendingOp op) {
        boolean write = op.isWrite();
        Poller current = (Poller) POLLER.getAcquire(this);
        if (current != null) {
            ChannelState existing = current.existing(op.channel);
            if (existing != null && existing.pending(write) != null) {
                return fail(op.io, op.operation, Errno.EALREADY);
            }
        }
        if (op.perform() == PendingOp.DONE) {
            return completedAtOnce(op);
        }
        return park(op, write);
    }

    private int completedAtOnce(PendingOp op) {
        if (op.io.postFlag()) {
            deliver(op, true);
            return 1;
        }
        finish(op, false);
        return op.errno == Errno.EOK ? 0 : -1;
    }

    private int park(PendingOp op, boolean write) {
        Poller p = poller();
        if (p == null) {
            return fail(op.io, op.operation, Errno.EBADF);
        }
        ChannelState channelState;
        try {
            channelState = p.stateFor(op.channel);
        } catch (IOException | CancelledKeyException | java.nio.channels.IllegalBlockingModeException e) {
            return fail(op.io, op.operation, e instanceof IOException io ? IoErrors.of(io) : Errno.EBADF);
        }
        // postFlagResult 0: "will be handled asynchronously". Written before the op is published.
        IoAccess.complete(op.io, op.operation, 0, Errno.EOK, null, false);
        op.parked = true;
        if (!channelState.install(op, write)) {
            return fail(op.io, op.operation, Errno.EALREADY);
        }
        p.parked(1);
        try {
            p.arm(channelState, write);
        } catch (CancelledKeyException e) {
            // Closed under us: if the poller has not finished it, it is ours to fail.
            return unpark(p, channelState, op) ? fail(op.io, op.operation, Errno.EBADF) : 1;
        }
        if (!isOpen() && unpark(p, channelState, op)) {
            return fail(op.io, op.operation, Errno.EBADF);
        }
        if (!p.isLed()) {
            queue.offer(LEAD); // a waiting follower (or the next waiter) starts polling
        }
        return 1;
    }

    private static boolean unpark(Poller p, ChannelState state, PendingOp op) {
        if (state.remove(op, op.isWrite())) {
            p.parked(-1);
            return true;
        }
        return false;
    }

    private Poller poller() {
        Poller p = (Poller) POLLER.getAcquire(this);
        if (p != null) {
            return p;
        }
        synchronized (pollerLock) {
            p = (Poller) POLLER.getAcquire(this);
            if (p == null && isOpen()) {
                try {
                    p = new Poller(this);
                } catch (IOException e) {
                    countError(e);
                    return null;
                }
                POLLER.setRelease(this, p);
            }
            return p;
        }
    }

    private static int fail(OverlappedIo io, Operation operation, Errno errno) {
        IoAccess.complete(io, operation, -1, errno, null, false);
        return -1;
    }

    private static void finish(PendingOp op, boolean postFlagResult) {
        IoAccess.complete(op.io, op.operation, op.errno == Errno.EOK ? op.transferred : -1,
                op.errno, op.accepted, postFlagResult);
    }

    /** Writes the results into the area and posts the completion (dropped if closed). */
    void deliver(PendingOp op, boolean postFlagResult) {
        finish(op, postFlagResult);
        Completion completion = new Completion(op.operation, op.errno, op.transferred, op.handle,
                op.io, op.accepted);
        if (!isOpen()) {
            dropped(completion);
            return;
        }
        Poller p = (Poller) POLLER.getAcquire(this);
        if (p == null || !p.keep(completion)) {
            enqueue(completion, p);
        }
    }

    /** To one waiting follower if there is one; else queued, waking a selecting leader. */
    private void enqueue(Completion completion, Poller p) {
        if (!queue.tryTransfer(completion)) {
            queue.offer(completion);
            if (p != null) {
                p.wakeLeader();
            }
        }
    }

    /** The next queued item (completion or closed mark), skipping leadership tokens. */
    Object pollQueue() {
        Object item;
        do {
            item = queue.poll();
        } while (item == LEAD);
        return item;
    }

    /** Whether anything is queued (a token counts: the leader then loops once). */
    boolean hasQueued() {
        return queue.peek() != null;
    }

    // --------------------------------------------------------------------- waiting, posting

    @Override
    public Completion waitForCompletion(Duration timeout) {
        if (timeout == null || timeout.isNegative()) {
            throw new KernelException(Errno.EINVAL, "QsoWaitForIOCompletion: bad timeout " + timeout);
        }
        if (!isOpen()) {
            throw new KernelException(Errno.EBADF, "QsoWaitForIOCompletion: port " + id + " is closed");
        }
        long start = System.nanoTime();
        long nanos = nanos(timeout);
        long deadline = nanos > Long.MAX_VALUE - start ? Long.MAX_VALUE : start + nanos;
        Object item = awaitItem(deadline);
        if (item == CLOSED_MARK) {
            queue.offer(CLOSED_MARK); // wake the next waiter too
            throw new KernelException(Errno.ECANCELED,
                    "QsoWaitForIOCompletion: port " + id + " destroyed while waiting");
        }
        if (item == null && Thread.currentThread().isInterrupted()) {
            throw new KernelException(Errno.EINTR, "QsoWaitForIOCompletion: interrupted");
        }
        return (Completion) item;
    }

    /** A completion or the closed mark, or null on timeout or interrupt. */
    private Object awaitItem(long deadline) {
        while (true) {
            Object item = pollQueue();
            if (item != null) {
                return item;
            }
            Poller p = (Poller) POLLER.getAcquire(this);
            if (p != null && p.tryLead()) {
                try {
                    item = p.lead(deadline);
                } finally {
                    p.unlead();
                }
                if (isOpen() && p.hasWork()) {
                    queue.offer(LEAD); // hand the poller on to a follower
                }
                if (item != null || !isOpen() || Thread.currentThread().isInterrupted()
                        || deadline - System.nanoTime() <= 0) {
                    return item != null || isOpen() ? item : CLOSED_MARK;
                }
                continue;
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return null;
            }
            try {
                item = queue.poll(remaining, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            if (item != LEAD) {
                return item;
            }
        }
    }

    private static long nanos(Duration timeout) {
        try {
            return timeout.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    @Override
    public void post(OverlappedIo io) {
        requireIo(io);
        if (!isOpen()) {
            throw new KernelException(Errno.EBADF, "QsoPostIOCompletion: port " + id + " is closed");
        }
        IoAccess.complete(io, Operation.POST, 0, Errno.EOK, null, false);
        enqueue(new Completion(Operation.POST, Errno.EOK, 0, io.handle(), io, null),
                (Poller) POLLER.getAcquire(this));
    }

    @Override
    public void cancel(NetworkChannel socket) {
        if (!isOpen()) {
            throw new KernelException(Errno.EBADF, "QsoCancelOperation: port " + id + " is closed");
        }
        if (socket == null) {
            throw new KernelException(Errno.EBADF, "QsoCancelOperation: no socket");
        }
        Poller p = (Poller) POLLER.getAcquire(this);
        if (p != null) {
            p.cancel(socket);
        }
    }

    // ------------------------------------------------------------------------ lifecycle

    @Override
    public void close() {
        if (!STATE.compareAndSet(this, OPEN, CLOSED)) {
            return;
        }
        PortRegistry.released(this);
        List<Object> left = new ArrayList<>();
        queue.drainTo(left);
        queue.offer(CLOSED_MARK);
        for (Object item : left) {
            if (item instanceof Completion completion) {
                dropped(completion);
            }
        }
        Poller p;
        synchronized (pollerLock) {
            p = (Poller) POLLER.getAcquire(this);
        }
        if (p != null) {
            p.closeDown();
        }
    }

    /** A completion nobody will take: an accepted socket would leak, so close it. */
    private void dropped(Completion completion) {
        if (completion.accepted() != null) {
            try {
                completion.accepted().close();
            } catch (IOException e) {
                countError(e);
            }
        }
    }

    void countError(Throwable t) {
        errors.increment();
        LOG.warn("iocp {}: {}", id, t.toString(), t);
    }

    @Override
    public PortInfo info() {
        Poller p = (Poller) POLLER.getAcquire(this);
        List<PendingOperation> pending = p == null || !isOpen() ? List.of() : p.pendingOperations();
        int queued = 0;
        for (Object item : queue) {
            if (item instanceof Completion) {
                queued++;
            }
        }
        int waiting = queue.getWaitingConsumerCount() + (p != null && p.isLed() ? 1 : 0);
        return new PortInfo(id, owner.pid(), isOpen(), waiting, queued, pending, errors.sum());
    }

    @Override
    public String toString() {
        return "IoCompletionPort[" + id + ", owner " + owner.pid() + (isOpen() ? "" : ", closed") + "]";
    }
}
