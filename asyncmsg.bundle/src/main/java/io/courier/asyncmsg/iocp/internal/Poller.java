package io.courier.asyncmsg.iocp.internal;

import io.courier.asyncmsg.iocp.PendingOperation;
import io.courier.kernel.Errno;
import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that finishes a port's operations once their sockets are ready: it selects, does
 * the receive, send or accept into the application's buffer, and posts the completion. It is
 * the part the IBM i sockets layer plays ("the sockets operating system loads the supplied
 * user buffer and sends the completed request to the I/O completion port").
 *
 * <p>One per port, started with the first operation that has to wait. It runs no application
 * code, so a port's {@code close} may join it. Its loop never dies of an exception.
 */
final class Poller implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Poller.class);
    /** How often sockets closed under a pending operation are looked for. */
    private static final long SWEEP_MILLIS = 50;
    private static final Duration JOIN_LIMIT = Duration.ofSeconds(10);

    private final CompletionPortImpl port;
    private final Selector selector;
    private final Thread thread;
    private final Set<ChannelState> states = ConcurrentHashMap.newKeySet();
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private long lastSweep = System.nanoTime();

    Poller(CompletionPortImpl port) throws IOException {
        this.port = port;
        this.selector = Selector.open();
        this.thread = Thread.ofPlatform().daemon().name("courier-iocp-" + port.id() + "-poller")
                .unstarted(this);
    }

    void start() {
        thread.start();
    }

    /** The socket's state in this poller, or null if it never had to wait here. */
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

    /** Asks the poller thread to cancel every op waiting on {@code channel}. */
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

    /** Stops the thread after it has failed every waiting op; waits for it (bounded). */
    void shutdown() {
        selector.wakeup();
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            if (!thread.join(JOIN_LIMIT)) {
                LOG.warn("iocp {}: poller did not stop within {}", port.id(), JOIN_LIMIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        while (port.isOpen()) {
            try {
                selector.select(this::ready, SWEEP_MILLIS);
                runTasks();
                sweepIfDue();
            } catch (ClosedSelectorException e) {
                break;
            } catch (Throwable t) {
                port.countError(t);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // no hot loop on a broken selector
            }
        }
        closeDown();
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
            op.errno = errno;
            port.deliver(op, false);
        }
    }

    private void closeDown() {
        runTasks();
        for (ChannelState state : states) {
            try {
                cancelAll(state, Errno.ECANCELED);
            } catch (Throwable t) {
                port.countError(t);
            }
        }
        states.clear();
        try {
            selector.close(); // deregisters every socket, which stays the application's
        } catch (IOException e) {
            port.countError(e);
        }
    }

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
