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
 * <p>Closing puts one {@link #CLOSED_MARK} in the queue; a waiter that takes it puts it back
 * before failing, so every waiter, present or late, wakes in turn.
 */
public final class CompletionPortImpl implements IoCompletionPort {
    private static final Logger LOG = LoggerFactory.getLogger(CompletionPortImpl.class);
    private static final Object CLOSED_MARK = new Object();
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
        if (!channelState.install(op, write)) {
            return fail(op.io, op.operation, Errno.EALREADY);
        }
        try {
            p.arm(channelState, write);
        } catch (CancelledKeyException e) {
            // Closed under us: if the poller has not finished it, it is ours to fail.
            return channelState.remove(op, write) ? fail(op.io, op.operation, Errno.EBADF) : 1;
        }
        if (!isOpen() && channelState.remove(op, write)) {
            return fail(op.io, op.operation, Errno.EBADF);
        }
        return 1;
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
                p.start();
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
        if (isOpen()) {
            queue.offer(completion);
        } else {
            dropped(completion);
        }
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
        Object item;
        try {
            item = timeout.isZero() ? queue.poll() : queue.poll(nanos(timeout), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KernelException(Errno.EINTR, "QsoWaitForIOCompletion: interrupted");
        }
        if (item == CLOSED_MARK) {
            queue.offer(CLOSED_MARK); // wake the next waiter too
            throw new KernelException(Errno.ECANCELED,
                    "QsoWaitForIOCompletion: port " + id + " destroyed while waiting");
        }
        return (Completion) item;
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
        queue.offer(new Completion(Operation.POST, Errno.EOK, 0, io.handle(), io, null));
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
            p.shutdown();
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

    /** Failures the poller caught and survived (for tests and introspection). */
    public long errorCount() {
        return errors.sum();
    }

    @Override
    public PortInfo info() {
        Poller p = (Poller) POLLER.getAcquire(this);
        List<PendingOperation> pending = p == null || !isOpen() ? List.of() : p.pendingOperations();
        int queued = 0;
        for (Object item : queue) {
            if (item != CLOSED_MARK) {
                queued++;
            }
        }
        return new PortInfo(id, owner.pid(), isOpen(), queue.getWaitingConsumerCount(), queued, pending);
    }

    @Override
    public String toString() {
        return "IoCompletionPort[" + id + ", owner " + owner.pid() + (isOpen() ? "" : ", closed") + "]";
    }
}
