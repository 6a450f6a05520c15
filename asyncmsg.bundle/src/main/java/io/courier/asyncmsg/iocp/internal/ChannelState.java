package io.courier.asyncmsg.iocp.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;

/**
 * One socket as one port's {@link Poller} sees it: its selection key and two slots, one for the
 * pending receive or accept and one for the pending send.
 *
 * <p>Arming: read interest stays on after a receive completes (the next receive is usually
 * started before the peer's next message arrives, so it costs neither a wakeup nor an
 * {@code epoll_ctl}); the poller switches it off only when the socket turns readable with no
 * receive waiting. Write interest is on only while a send waits. Whoever empties a slot or
 * switches interest off then re-reads the other side (a Dekker pair of volatile accesses), so
 * a starter and the poller can never both decide the other will do it.
 */
final class ChannelState {
    private static final VarHandle READ_OP;
    private static final VarHandle WRITE_OP;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            READ_OP = lookup.findVarHandle(ChannelState.class, "readOp", PendingOp.class);
            WRITE_OP = lookup.findVarHandle(ChannelState.class, "writeOp", PendingOp.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final SelectableChannel channel;
    final SelectionKey key;
    /** OP_READ for a connection, OP_ACCEPT for a listening socket. */
    final int readInterest;

    @SuppressWarnings("unused") // accessed through READ_OP
    private PendingOp readOp;
    @SuppressWarnings("unused") // accessed through WRITE_OP
    private PendingOp writeOp;

    ChannelState(SelectableChannel channel, SelectionKey key, int readInterest) {
        this.channel = channel;
        this.key = key;
        this.readInterest = readInterest;
    }

    private static VarHandle slot(boolean write) {
        return write ? WRITE_OP : READ_OP;
    }

    /** The op waiting on this side, or null; volatile, one half of the Dekker pair. */
    PendingOp pending(boolean write) {
        return (PendingOp) slot(write).getVolatile(this);
    }

    /** Parks {@code op}; false if another op of its side is already waiting. */
    boolean install(PendingOp op, boolean write) {
        return slot(write).compareAndSet(this, (PendingOp) null, op);
    }

    /** Takes {@code op} out if it is still there; false if someone else finished it. */
    boolean remove(PendingOp op, boolean write) {
        return slot(write).compareAndSet(this, op, (PendingOp) null);
    }

    /** Takes out whatever op waits on this side (cancellation). */
    PendingOp take(boolean write) {
        return (PendingOp) slot(write).getAndSet(this, (PendingOp) null);
    }

    int interest(boolean write) {
        return write ? SelectionKey.OP_WRITE : readInterest;
    }
}
