package io.courier.kernel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A client's connection to a name that outlives the server behind it: the client knows the
 * name, and the connection finds whichever server holds it now. It is what a client writes
 * around {@link Kernel#nameOpen}, {@link Kernel#msgSend} and {@link Kernel#nameClose} so that
 * its server may be updated, replaced or removed while it runs (a hot swap).
 *
 * <ul>
 *   <li>The name is opened on first use, not on creation, so a client may start before its
 *       server.
 *   <li>A send whose message never reached a server is sent again to the next one: the coid
 *       was stale ({@link Errno#EBADF}: the server's channel is gone) or the server was
 *       terminating ({@link Errno#ENXIO}). The connection closes the stale coid, opens the name
 *       again and resends.
 *   <li>A send cut off by the server's death ({@link Errno#ESRCH}: the server may have
 *       received the message and died before replying) fails with ESRCH, and the next call
 *       opens the name again, so a request is never handled twice behind the client's back.
 *       A client whose requests may be repeated (idempotent: a query, a checksum) says so with
 *       {@link Builder#resendAfterServerDeath(boolean)}, and the request goes to the next
 *       server instead.
 *   <li>While the name is not attached ({@link Errno#ENOENT}: the server is being swapped),
 *       a call waits for it, polling, at most {@link Builder#reopenWait(Duration)} from the
 *       call's start (default {@link #DEFAULT_REOPEN_WAIT}); after that it fails with ENOENT.
 *       A removed server thus costs each call that wait, and an ENOENT; when the server comes
 *       back, calls succeed again by themselves.
 *   <li>Other errors (the server's own {@code msgError}, EINTR, ETIMEDOUT, a refused
 *       {@code _IO_CONNECT}) are the call's, as with {@link Kernel#msgSend}. An EBADF, ESRCH or
 *       ENXIO counts as the server's going only when the coid is stale indeed (its channel gone,
 *       its process dead or dying); on a coid that still works it is the server's answer.
 * </ul>
 *
 * <p>Any thread of the process may use one connection at once; they share its coid, as threads
 * of a QNX process share a coid. Calls after {@link #close()} fail with EBADF, and calls from a
 * process that has died fail with ESRCH at once.
 *
 * <pre>{@code
 * NameConnection checksum = NameConnection.builder(kernel, "checksum").resendAfterServerDeath(true).build();
 * int status = checksum.msgSend(request, reply);   // opens "checksum" on first use, reopens after a swap
 * checksum.close();
 * }</pre>
 */
public final class NameConnection implements AutoCloseable {
    /** How long a call waits for its name to be attached again, unless told otherwise. */
    public static final Duration DEFAULT_REOPEN_WAIT = Duration.ofSeconds(2);

    /** The longest pause between two looks for a name that is not attached. */
    private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private static final VarHandle LINK;

    static {
        try {
            LINK = MethodHandles.lookup().findVarHandle(NameConnection.class, "link", Link.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One opened coid; compared by identity, as coids are reused lowest-first. */
    private record Link(int coid) {
    }

    /** No coid open, and none wanted any more. */
    private static final Link CLOSED = new Link(-1);

    private final Kernel kernel;
    private final String name;
    private final long reopenWaitNanos;
    private final boolean resendAfterServerDeath;
    /** The flags of each {@code nameOpen}: {@link Kernel#NAME_FLAG_ATTACH_GLOBAL} or 0. */
    private final int openFlags;
    /** Held while opening or dropping a coid, so that threads that find it stale open one coid, not one each. */
    private final ReentrantLock opening = new ReentrantLock();
    /** The coid open now, null when none is (yet), {@link #CLOSED} after close: read with getAcquire, written with setRelease under {@link #opening}. */
    @SuppressWarnings("unused") // through LINK
    private Link link;

    private NameConnection(Builder b) {
        this.kernel = b.kernel;
        this.name = b.name;
        this.reopenWaitNanos = b.reopenWait.toNanos();
        this.resendAfterServerDeath = b.resendAfterServerDeath;
        this.openFlags = b.global ? Kernel.NAME_FLAG_ATTACH_GLOBAL : 0;
    }

    /** A connection to {@code name} for {@code kernel}'s process, with the defaults; nothing is opened yet. */
    public static NameConnection of(Kernel kernel, String name) {
        return builder(kernel, name).build();
    }

    /** A builder of a connection to {@code name} for {@code kernel}'s process. */
    public static Builder builder(Kernel kernel, String name) {
        return new Builder(kernel, name);
    }

    /** The name this connection reaches. */
    public String name() {
        return name;
    }

    /** The process that makes the calls. */
    public Kernel kernel() {
        return kernel;
    }

    /**
     * The coid open now, opening the name when none is (waiting for it as a send does).
     *
     * @throws KernelException ENOENT when the name is not attached within the wait; EBADF after
     *     {@link #close()}; the errors of {@link Kernel#nameOpen}
     */
    public int coid() {
        return current(deadline()).coid();
    }

    /**
     * {@code ConnectServerInfo()} of the coid open now: which server process holds the name.
     *
     * @throws KernelException as {@link #coid()}
     */
    public ServerInfo serverInfo() {
        long deadline = deadline();
        for (;;) {
            Link l = current(deadline);
            try {
                return kernel.connectServerInfo(l.coid());
            } catch (KernelException e) {
                handle(l, e, true, deadline);
            }
        }
    }

    /**
     * {@link Kernel#msgSend(int, ByteBuffer, ByteBuffer)} to whichever server holds the name.
     *
     * @return the status the server replied with
     * @throws KernelException ENOENT when the name is not attached within the wait; ESRCH when
     *     the server died while it had the message (unless resending after a server's death);
     *     EBADF after {@link #close()}; otherwise as {@link Kernel#msgSend}
     */
    public int msgSend(ByteBuffer smsg, ByteBuffer rmsg) {
        return send(false, smsg, rmsg, null, null, null);
    }

    /** {@link #msgSend(ByteBuffer, ByteBuffer)} with a kernel timeout (null: none) on each send's SEND and REPLY states. */
    public int msgSend(ByteBuffer smsg, ByteBuffer rmsg, Duration timeout) {
        return send(false, smsg, rmsg, null, null, timeout);
    }

    /** {@link Kernel#msgSendv(int, ByteBuffer[], ByteBuffer[])} to whichever server holds the name. */
    public int msgSendv(ByteBuffer[] siov, ByteBuffer[] riov) {
        return send(true, null, null, siov, riov, null);
    }

    /**
     * {@link #msgSendv(ByteBuffer[], ByteBuffer[])} with a kernel timeout (null: none) on each
     * send's SEND and REPLY states.
     */
    public int msgSendv(ByteBuffer[] siov, ByteBuffer[] riov, Duration timeout) {
        return send(true, null, null, siov, riov, timeout);
    }

    /** The send loop of both forms. */
    private int send(boolean vector, ByteBuffer smsg, ByteBuffer rmsg, ByteBuffer[] siov, ByteBuffer[] riov, Duration timeout) {
        long deadline = deadline();
        int rmsgAt = rmsg == null ? 0 : rmsg.position();
        int[] riovAt = riov == null ? null : positions(riov);
        for (;;) {
            Link l = current(deadline);
            try {
                return !vector ? kernel.msgSend(l.coid(), smsg, rmsg, timeout)
                        : kernel.msgSendv(l.coid(), siov, riov, timeout);
            } catch (KernelException e) {
                handle(l, e, resendAfterServerDeath, deadline);
                // A resend fills the reply buffers from where the caller left them.
                if (rmsg != null) {
                    rmsg.position(rmsgAt);
                }
                if (riovAt != null) {
                    for (int i = 0; i < riov.length; i++) {
                        if (riov[i] != null) {
                            riov[i].position(riovAt[i]);
                        }
                    }
                }
            }
        }
    }

    private static int[] positions(ByteBuffer[] iov) {
        int[] at = new int[iov.length];
        for (int i = 0; i < iov.length; i++) {
            at[i] = iov[i] == null ? 0 : iov[i].position();
        }
        return at;
    }

    /**
     * {@link Kernel#msgSendPulse(int, int, int, long)} to whichever server holds the name. A
     * pulse is queued or not, never half-handled, so it is always sent again to the next server
     * when its coid was stale.
     */
    public void msgSendPulse(int priority, int code, long value) {
        long deadline = deadline();
        for (;;) {
            Link l = current(deadline);
            try {
                kernel.msgSendPulse(l.coid(), priority, code, value);
                return;
            } catch (KernelException e) {
                handle(l, e, true, deadline);
            }
        }
    }

    /**
     * Closes the coid open now ({@code name_close()}); later calls fail with EBADF. Closing a
     * closed connection does nothing.
     */
    @Override
    public void close() {
        opening.lock();
        try {
            Link l = (Link) LINK.getAcquire(this);
            LINK.setRelease(this, CLOSED);
            if (l != null && l != CLOSED) {
                closeQuietly(l);
            }
        } finally {
            opening.unlock();
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return LINK.getAcquire(this) == CLOSED;
    }

    @Override
    public String toString() {
        Link l = (Link) LINK.getAcquire(this);
        return "NameConnection[" + name + (l == null ? ", not open" : l == CLOSED ? ", closed" : ", coid " + l.coid())
                + "]";
    }

    private long deadline() {
        return System.nanoTime() + reopenWaitNanos;
    }

    /** The link to use now, opening the name (and waiting for it until {@code deadline}) when there is none. */
    private Link current(long deadline) {
        Link l = (Link) LINK.getAcquire(this);
        if (l != null) {
            if (l == CLOSED) {
                throw new KernelException(Errno.EBADF, "connection to " + name + " is closed");
            }
            return l;
        }
        return open(deadline);
    }

    private Link open(long deadline) {
        long pause = TimeUnit.MICROSECONDS.toNanos(500);
        for (;;) {
            opening.lock();
            try {
                Link l = (Link) LINK.getAcquire(this);
                if (l == CLOSED) {
                    throw new KernelException(Errno.EBADF, "connection to " + name + " is closed");
                }
                if (l != null) {
                    return l; // another thread opened it meanwhile
                }
                try {
                    Link opened = new Link(kernel.nameOpen(name, openFlags));
                    LINK.setRelease(this, opened);
                    return opened;
                } catch (KernelException e) {
                    if (!kernel.isAlive() || !(e.errno() == Errno.ENOENT || gone(e.errno()))) {
                        throw e;
                    }
                    if (System.nanoTime() - deadline >= 0) {
                        throw e.errno() == Errno.ENOENT ? e
                                : new KernelException(Errno.ENOENT, "name " + name + " did not come back: " + e.getMessage());
                    }
                }
            } finally {
                opening.unlock();
            }
            pause = pause(pause, deadline);
        }
    }

    /** Waits a little (not past {@code deadline}) before the next look; the next pause, doubled up to a bound. */
    private long pause(long pause, long deadline) {
        LockSupport.parkNanos(this, Math.max(0, Math.min(pause, deadline - System.nanoTime())));
        if (Thread.interrupted()) {
            throw new KernelException(Errno.EINTR, "interrupted waiting for name " + name);
        }
        return Math.min(pause * 2, MAX_POLL_NANOS);
    }

    /**
     * A call through {@code l} failed with {@code e}: returns when it should be made again
     * (with another coid), else throws. A stale coid is dropped in both cases.
     */
    private void handle(Link l, KernelException e, boolean resendOnDeath, long deadline) {
        Errno err = e.errno();
        if (!kernel.isAlive() || !gone(err) || !dropIfStale(l)) {
            throw e; // the caller's own death, or the server's own answer on a coid that still works
        }
        if (err == Errno.ESRCH && !resendOnDeath) {
            throw e;
        }
        if (System.nanoTime() - deadline >= 0) {
            throw e;
        }
    }

    /** Whether {@code err} from a call on a coid says the server behind it is gone or going. */
    private static boolean gone(Errno err) {
        return err == Errno.EBADF || err == Errno.ESRCH || err == Errno.ENXIO || err == Errno.EHOSTDOWN;
    }

    /**
     * Forgets {@code l} and closes its coid when the server behind it is gone or going; false
     * when it still works (an EBADF, ESRCH or ENXIO was then the server's reply). Under the lock,
     * as a coid closed here may be given to the next open at once: a link another thread dropped
     * already was stale, and its coid number is not asked about again.
     */
    private boolean dropIfStale(Link l) {
        opening.lock();
        try {
            if (LINK.getAcquire(this) != l) {
                return true;
            }
            if (!stale(l)) {
                return false;
            }
            LINK.setRelease(this, null);
            closeQuietly(l);
            return true;
        } finally {
            opening.unlock();
        }
    }

    private boolean stale(Link l) {
        ServerInfo server;
        try {
            server = kernel.connectServerInfo(l.coid());
        } catch (KernelException e) {
            return true;
        }
        return kernel.microkernel().process(server.pid()).map(p -> !p.isAlive()).orElse(true);
    }

    private void closeQuietly(Link l) {
        try {
            kernel.nameClose(l.coid());
        } catch (KernelException e) {
            // the coid is gone already: the process died, or it was never more than stale
        }
    }

    /** Settings of a {@link NameConnection}. */
    public static final class Builder {
        private final Kernel kernel;
        private final String name;
        private Duration reopenWait = DEFAULT_REOPEN_WAIT;
        private boolean resendAfterServerDeath;
        private boolean global;

        private Builder(Kernel kernel, String name) {
            if (kernel == null || name == null) {
                throw new KernelException(Errno.EINVAL, "a name connection needs a kernel and a name");
            }
            this.kernel = kernel;
            this.name = name;
        }

        /**
         * How long a call waits, from its start, for the name to be attached again; zero fails
         * at once with ENOENT.
         *
         * @throws KernelException EINVAL for a negative wait
         */
        public Builder reopenWait(Duration wait) {
            if (wait == null || wait.isNegative()) {
                throw new KernelException(Errno.EINVAL, "reopen wait must be zero or more: " + wait);
            }
            this.reopenWait = wait;
            return this;
        }

        /**
         * Whether a send cut off by its server's death (ESRCH) goes to the next server: only for
         * requests that may be handled twice. Default false: the call fails with ESRCH.
         */
        public Builder resendAfterServerDeath(boolean resend) {
            this.resendAfterServerDeath = resend;
            return this;
        }

        /**
         * Whether the name is also looked for among the global names of the other nodes of the
         * network ({@link Kernel#NAME_FLAG_ATTACH_GLOBAL}) when this node has none. Default false.
         */
        public Builder global(boolean global) {
            this.global = global;
            return this;
        }

        /** The connection; nothing is opened until the first call. */
        public NameConnection build() {
            return new NameConnection(this);
        }
    }
}
