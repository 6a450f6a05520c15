package io.courier.asyncmsg.iocp.internal;

import io.courier.asyncmsg.iocp.Completion;
import io.courier.asyncmsg.iocp.PendingOperation;
import io.courier.kernel.Errno;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The part the IBM i sockets layer plays ("the sockets operating system loads the supplied
 * user buffer and sends the completed request to the I/O completion port"): a selector over the
 * sockets whose operations had to wait, which moves their bytes when they are ready and posts
 * the completions.
 *
 * <p>It has no thread of its own. The threads waiting on the port take turns at it,
 * leader/follower, as the JDK's own asynchronous channel groups do: one waiting thread (the
 * leader, holding {@link #lead}) selects; the first completion it produces it keeps and
 * returns to its caller, so the thread that saw the socket ready processes the data with no
 * hand-off; further completions go to the port's queue, each to one follower. A leader leaving
 * hands the role on ({@link CompletionPortImpl}). I/O therefore moves while at least one thread
 * waits on the port, as completions are only taken by waiting threads anyway.
 */
final class Poller {
    /** How often sockets closed under a pending operation are looked for. */
    private static final long SWEEP_MILLIS = 50;
    private static final VarHandle SELECTING;

    static {
        try {
            SELECTING = MethodHandles.lookup().findVarHandle(Poller.class, "selecting", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final CompletionPortImpl port;
    private final Selector selector;
    private final ReentrantLock lead = new ReentrantLock();
    private final Set<ChannelState> states = ConcurrentHashMap.newKeySet();
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Ops parked in {@link #states}; lets a leaving leader skip waking a follower for nothing. */
    private final AtomicInteger parked = new AtomicInteger();
    @SuppressWarnings("unused") // accessed through SELECTING
    private boolean selecting;
    /**
     * The leading thread; written only by it, under {@link #lead}. Plain: other threads only
     * compare it with themselves, and a stale value never equals the reader.
     */
    private Thread leader;
    /** The completion the leader keeps for itself; touched only by the leader. */
    private Completion kept;
    /** Under {@link #lead}. */
    private long lastSweep = System.nanoTime();

    Poller(CompletionPortImpl port) throws IOException {
        this.port = port;
        this.selector = Selector.open();
    }

    // ------------------------------------------------------------------- registration

    /** The socket's state here, or null if no operation on it ever had to wait. */
    ChannelState existing(SelectableChannel channel) {
        SelectionKey key = channel.keyFor(selector);
        return key == null ? null : (ChannelState) key.attachment();
    }

    /** The socket's state, registering the socket (with no interest) on first use. */
    ChannelState stateFor(SelectableChannel channel) throws IOException {
        ChannelState state = existing(channel);
        if (state != null) {
            return state;
        }
        // register() would replace the attachment of a racing registration: serialise on the
        // channel's own registration lock.
        synchronized (channel.blockingLock()) {
            SelectionKey key = channel.keyFor(selector);
            if (key == null) {
                key = channel.register(selector, 0);
            }
            state = (ChannelState) key.attachment();
            if (state == null) {
                int readInterest = channel instanceof ServerSocketChannel
                        ? SelectionKey.OP_ACCEPT : SelectionKey.OP_READ;
                state = new ChannelState(channel, key, readInterest);
                states.add(state);
                key.attach(state);
            }
            return state;
        }
    }

    /**
     * Makes sure the selector watches {@code state} for {@code write}'s side. Called by a
     * starting thread right after it parked an op.
     *
     * @throws CancelledKeyException the socket was closed meanwhile
     */
    void arm(ChannelState state, boolean write) {
        int ops = state.interest(write);
        SelectionKey key = state.key;
        if ((key.interestOps() & ops) != ops) {
            key.interestOpsOr(ops);
            // Interest changes reach epoll only at the selector's next select().
            selector.wakeup();
        }
    }

    /** Asks the leader to cancel every op waiting on {@code channel}. */
    void cancel(NetworkChannel channel) {
        tasks.add(() -> {
            if (channel instanceof SelectableChannel selectable) {
                ChannelState state = existing(selectable);
                if (state != null) {
                    cancelAll(state, Errno.ECANCELED);
                }
            }
        });
        selector.wakeup();
    }

    // ------------------------------------------------------------------- leadership

    /** Counts an op parked (+1) or taken out (-1) by a starter. */
    void parked(int delta) {
        parked.addAndGet(delta);
    }

    /**
     * Whether a leader is needed: ops wait for their sockets, or tasks for the leader. Read by a
     * leader after it let go of the lead; a starter counts its op before it looks whether
     * anyone leads (volatile on both sides), so one of the two hands the lead on.
     */
    boolean hasWork() {
        return parked.get() > 0 || !tasks.isEmpty();
    }

    /** Whether some thread leads now (a volatile read). */
    boolean isLed() {
        return lead.isLocked();
    }

    /** Whether the current thread is leading (and so may keep a completion). */
    boolean isLeader() {
        return leader == Thread.currentThread();
    }

    boolean tryLead() {
        return lead.tryLock();
    }

    void unlead() {
        lead.unlock();
    }

    /**
     * Keeps {@code completion} for the leader if the caller is the leader and keeps none yet.
     */
    boolean keep(Completion completion) {
        if (leader != Thread.currentThread() || kept != null) {
            return false;
        }
        kept = completion;
        return true;
    }

    /**
     * Wakes the leader out of select() if it is blocked there: something was queued that it
     * should take. Volatile read: the other half of the Dekker pair in {@link #lead}.
     */
    void wakeLeader() {
        if ((boolean) SELECTING.getVolatile(this) && leader != Thread.currentThread()) {
            selector.wakeup();
        }
    }

    /**
     * Leads until a completion turns up or {@code deadline} (a nanoTime) passes. Call with
     * {@link #tryLead} held.
     *
     * @return a completion this thread produced, the closed mark or a queued completion
     *     (from {@code port}), or null on timeout, interrupt or close
     */
    Object lead(long deadline) {
        leader = Thread.currentThread();
        kept = null;
        try {
            boolean first = true;
            while (true) {
                if (!port.isOpen()) {
                    return kept; // taken before the close: still this thread's
                }
                runTasks();
                sweepIfDue();
                if (kept != null) {
                    return kept;
                }
                Object queued = port.pollQueue();
                if (queued != null) {
                    return queued;
                }
                long remaining = deadline - System.nanoTime();
                if ((remaining <= 0 && !first) || Thread.currentThread().isInterrupted()) {
                    return null;
                }
                first = false;
                select(remaining);
            }
        } catch (ClosedSelectorException e) {
            return kept;
        } finally {
            leader = null;
        }
    }

    private void select(long remainingNanos) {
        // Volatile write, then re-check the queue: a poster that queued before seeing
        // selecting=true is seen here; one that queues after sees it and wakes us.
        SELECTING.setVolatile(this, true);
        try {
            if (port.hasQueued()) {
                return;
            }
            long millis = Math.min(SWEEP_MILLIS, TimeUnit.NANOSECONDS.toMillis(remainingNanos));
            if (millis <= 0) {
                selector.selectNow(this::ready);
            } else {
                selector.select(this::ready, millis);
            }
        } catch (ClosedSelectorException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            port.countError(e); // the waiting thread goes on leading; no exception escapes
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // no hot loop on a broken selector
        } finally {
            SELECTING.setVolatile(this, false);
        }
    }

    private void ready(SelectionKey key) {
        try {
            ChannelState state = (ChannelState) key.attachment();
            if (state == null) {
                return;
            }
            int ready = key.readyOps();
            if ((ready & state.readInterest) != 0) {
                service(state, false);
            }
            if ((ready & SelectionKey.OP_WRITE) != 0) {
                service(state, true);
            }
        } catch (CancelledKeyException e) {
            // Socket closed: the sweep fails what waited on it.
        } catch (Throwable t) {
            port.countError(t);
        }
    }

    private void service(ChannelState state, boolean write) {
        PendingOp op = state.pending(write);
        if (op == null) {
            disarm(state, write);
            return;
        }
        if (op.perform() == PendingOp.AGAIN) {
            return;
        }
        if (!state.remove(op, write)) {
            return; // cancelled while we moved its bytes
        }
        parked.decrementAndGet();
        if (write) {
            disarm(state, true);
        }
        port.deliver(op, false);
    }

    /** Interest off; then, if a starter parked an op meanwhile, back on (Dekker pair). */
    private static void disarm(ChannelState state, boolean write) {
        int ops = state.interest(write);
        state.key.interestOpsAnd(~ops);
        if (state.pending(write) != null) {
            state.key.interestOpsOr(ops);
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (Throwable t) {
                port.countError(t);
            }
        }
    }

    private void sweepIfDue() {
        long now = System.nanoTime();
        if (now - lastSweep < TimeUnit.MILLISECONDS.toNanos(SWEEP_MILLIS)) {
            return;
        }
        lastSweep = now;
        for (ChannelState state : states) {
            if (!state.channel.isOpen()) {
                states.remove(state);
                cancelAll(state, Errno.ECANCELED);
            }
        }
    }

    private void cancelAll(ChannelState state, Errno errno) {
        cancel(state, false, errno);
        cancel(state, true, errno);
    }

    private void cancel(ChannelState state, boolean write, Errno errno) {
        PendingOp op = state.take(write);
        if (op != null) {
            parked.decrementAndGet();
            op.errno = errno;
            port.deliver(op, false);
        }
    }

    // ------------------------------------------------------------------- close

    /**
     * After the port closed: waits for the leader to leave (it is woken), then fails every
     * waiting op with ECANCELED and closes the selector, which gives the sockets back.
     */
    void closeDown() {
        selector.wakeup();
        lead.lock();
        try {
            tasks.clear();
            for (ChannelState state : states) {
                try {
                    cancelAll(state, Errno.ECANCELED);
                } catch (Throwable t) {
                    port.countError(t);
                }
            }
            states.clear();
            try {
                selector.close();
            } catch (IOException e) {
                port.countError(e);
            }
        } finally {
            lead.unlock();
        }
    }

    // ------------------------------------------------------------------- introspection

    /** What waits, for introspection; safe from any thread. */
    List<PendingOperation> pendingOperations() {
        List<PendingOperation> pending = new ArrayList<>();
        for (ChannelState state : states) {
            addPending(pending, state.pending(false));
            addPending(pending, state.pending(true));
        }
        return pending;
    }

    private static void addPending(List<PendingOperation> into, PendingOp op) {
        if (op != null) {
            into.add(new PendingOperation(op.operation, describe(op.channel), op.length,
                    op.transferred, describe(op.handle)));
        }
    }

    private static String describe(Object object) {
        try {
            if (object instanceof SocketChannel socket) {
                return socket.getLocalAddress() + "->" + socket.getRemoteAddress();
            }
            if (object instanceof ServerSocketChannel server) {
                return server.getLocalAddress() + " (listening)";
            }
            return String.valueOf(object);
        } catch (IOException | RuntimeException e) {
            return "(" + e.getClass().getSimpleName() + ")";
        }
    }
}
