package io.courier.kernel;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A server's name that another server may hold: a hot standby, the server's side of what
 * {@link NameConnection} is to a client (beyond QNX, where a second {@code name_attach} of a name
 * fails with EEXIST and the program ends).
 *
 * <p>{@link #attach} tries {@link Kernel#nameAttach} at once. When the name is free, the standby
 * holds it from then on, as the attach would. When another process holds it ({@link Errno#EEXIST}:
 * the same server bundle deployed twice, in one runtime or in two runtimes of the node), the
 * standby {@linkplain #standingBy() stands by}: {@link #await} tries again every
 * {@code retry} until the name is free (its holder detached it, its bundle stopped, its process
 * or JVM died), attaches it and returns it. Clients that open the name again (a
 * {@link NameConnection} does) reach the new holder.
 *
 * <ul>
 *   <li>A bad name fails {@link #attach} at once, with the errno of {@link Kernel#nameAttach}
 *       (EINVAL); a retry that is not positive is EINVAL too.
 *   <li>{@link #close} ends a wait in {@link #await} (which then returns null) and detaches the
 *       name if the standby attached it. It may be called from any thread, more than once.
 *   <li>When the process dies while it stands by, {@link #await} fails with the attach's ESRCH.
 * </ul>
 *
 * <pre>{@code
 * NameStandby name = NameStandby.attach(kernel, "checksum", Kernel.NAME_FLAG_ATTACH_GLOBAL, NameStandby.DEFAULT_RETRY);
 * NameAttach attach = name.await();   // at once if the name was free; else once its holder goes
 * if (attach != null) {
 *     serve(attach.chid());
 * }
 * name.close();                       // detaches, or stops standing by
 * }</pre>
 */
public final class NameStandby implements AutoCloseable {
    /** How often a standby tries the name, unless told otherwise. */
    public static final Duration DEFAULT_RETRY = Duration.ofMillis(250);

    private final Kernel kernel;
    private final String name;
    private final int flags;
    private final long retryNanos;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled by {@link #close}. */
    private final Condition closing = lock.newCondition();
    /** The name once attached; guarded by {@link #lock}. */
    private NameAttach attached;
    /** Guarded by {@link #lock}. */
    private boolean closed;
    /** Whether the first try found the name taken. */
    private final boolean stoodBy;

    private NameStandby(Kernel kernel, String name, int flags, long retryNanos) {
        this.kernel = kernel;
        this.name = name;
        this.flags = flags;
        this.retryNanos = retryNanos;
        this.attached = tryAttach();
        this.stoodBy = attached == null;
    }

    /**
     * The name {@code name} of {@code kernel}'s process, attached at once if it is free (with
     * {@code flags}, as {@link Kernel#nameAttach}), else stood by for, trying every {@code retry}.
     *
     * @throws KernelException EINVAL for a bad name or a retry that is not positive; the other
     *     errnos of {@link Kernel#nameAttach} but EEXIST
     */
    public static NameStandby attach(Kernel kernel, String name, int flags, Duration retry) {
        if (kernel == null) {
            throw new KernelException(Errno.EINVAL, "no kernel");
        }
        if (retry == null || retry.isNegative() || retry.isZero()) {
            throw new KernelException(Errno.EINVAL, "a standby's retry must be positive: " + retry);
        }
        return new NameStandby(kernel, name, flags, retry.toNanos());
    }

    /** The name attached, or null when another process holds it. */
    private NameAttach tryAttach() {
        try {
            return kernel.nameAttach(name, flags);
        } catch (KernelException e) {
            if (e.errno() == Errno.EEXIST) {
                return null;
            }
            throw e;
        }
    }

    /** The name this standby attaches. */
    public String name() {
        return name;
    }

    /** Whether the name was taken when the standby was made: it stood by (and may hold the name now). */
    public boolean stoodBy() {
        return stoodBy;
    }

    /** Whether the standby waits for the name now: not attached yet, and not closed. */
    public boolean standingBy() {
        lock.lock();
        try {
            return attached == null && !closed;
        } finally {
            lock.unlock();
        }
    }

    /** The name's attachment once this standby holds it; null while it stands by or once closed. */
    public NameAttach attached() {
        lock.lock();
        try {
            return closed ? null : attached;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The name's attachment: at once when this standby holds it, else once the name is free and
     * attached; null when the standby is closed first.
     *
     * @throws KernelException ESRCH when the process died; the other errnos of {@link Kernel#nameAttach}
     * @throws InterruptedException when the waiting thread is interrupted (the standby goes on)
     */
    public NameAttach await() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (!closed) {
                if (attached == null) {
                    attached = tryAttach();
                }
                if (attached != null) {
                    return attached;
                }
                closing.awaitNanos(retryNanos);
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Ends a wait and standing by; detaches the name if this standby attached it. */
    @Override
    public void close() {
        NameAttach a;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            closing.signalAll();
            a = attached;
            attached = null;
        } finally {
            lock.unlock();
        }
        if (a != null) {
            try {
                kernel.nameDetach(a);
            } catch (KernelException e) {
                // The process died, or the server detached it itself: the name is gone either way.
            }
        }
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "NameStandby[" + name + (closed ? ", closed" : attached != null ? ", attached chid " + attached.chid()
                    : ", standing by every " + TimeUnit.NANOSECONDS.toMillis(retryNanos) + " ms") + "]";
        } finally {
            lock.unlock();
        }
    }
}
