package io.courier.resmgr;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.SigEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The events clients armed with {@code ionotify()} on one entry ({@code iofunc_notify_t} with
 * {@code iofunc_notify()}, {@code iofunc_notify_trigger()} and {@code iofunc_notify_remove()}):
 * the request/acknowledge/pulse/fetch pattern of asynchronous I/O. The client sends its
 * {@link SigEvent}; the handler {@link #arm}s it, keeping the rcvid, and answers at once; when
 * the condition comes to hold the manager calls {@link #trigger}, which delivers the event with
 * {@code MsgDeliverEvent(rcvid, event)}; the client then reads.
 *
 * <p>An armed event fires once. One OCB has at most one armed event per list: arming again
 * replaces it. Thread-safe.
 */
public final class NotifyList {
    private static final Logger LOG = LoggerFactory.getLogger(NotifyList.class);

    private record Armed(Kernel kernel, long rcvid, Ocb ocb, int flags, SigEvent event) {
    }

    private final List<Armed> armed = new ArrayList<>();
    private final AtomicReference<KernelException> lastFailure = new AtomicReference<>();

    /** An empty list. */
    public NotifyList() {
    }

    /**
     * {@code iofunc_notify()}: handles an {@code _IO_NOTIFY} for {@code ocb}, whose entry has the
     * conditions {@code met} now ({@link Notify}{@code .COND_*}).
     *
     * @return the wanted conditions that hold now, the handler's answer
     * @throws KernelException EINVAL for an unknown action
     */
    public int arm(ResmgrContext ctx, Ocb ocb, int action, int flags, SigEvent event, int met) {
        int now = met & flags & Notify.COND_MASK;
        switch (action) {
            case Notify.ACTION_POLL:
                return now;
            case Notify.ACTION_POLLARM:
                if (now == 0) {
                    add(new Armed(ctx.kernel(), ctx.rcvid(), ocb, flags & Notify.COND_MASK, event));
                }
                return now;
            case Notify.ACTION_TRANARM:
                add(new Armed(ctx.kernel(), ctx.rcvid(), ocb, flags & Notify.COND_MASK, event));
                return now;
            case Notify.ACTION_CONDARM:
                if (now != 0) {
                    deliver(new Armed(ctx.kernel(), ctx.rcvid(), ocb, flags, event));
                } else {
                    add(new Armed(ctx.kernel(), ctx.rcvid(), ocb, flags & Notify.COND_MASK, event));
                }
                return now;
            default:
                throw new KernelException(Errno.EINVAL, "unknown notify action " + action);
        }
    }

    private synchronized void add(Armed a) {
        armed.removeIf(x -> x.ocb == a.ocb);
        armed.add(a);
    }

    /**
     * {@code iofunc_notify_trigger()}: {@code cond} came to hold; delivers and disarms every
     * event armed for it. A delivery that fails (the client is gone, the kernel refuses) is
     * logged, kept for {@link #lastFailure()}, and does not stop the others.
     *
     * @return the events delivered
     */
    public int trigger(int cond) {
        List<Armed> fire = new ArrayList<>();
        synchronized (this) {
            armed.removeIf(a -> {
                if ((a.flags & cond) != 0) {
                    fire.add(a);
                    return true;
                }
                return false;
            });
        }
        int delivered = 0;
        for (Armed a : fire) {
            if (deliver(a)) {
                delivered++;
            }
        }
        return delivered;
    }

    private boolean deliver(Armed a) {
        try {
            a.kernel.msgDeliverEvent(a.rcvid, a.event);
            return true;
        } catch (KernelException e) {
            lastFailure.set(e);
            LOG.warn("MsgDeliverEvent(rcvid {}, {}) failed: {}", a.rcvid, a.event, e.getMessage());
            return false;
        }
    }

    /** {@code iofunc_notify_remove()}: disarms what {@code ocb} armed (its fd closed or its client gone). */
    public synchronized void remove(Ocb ocb) {
        armed.removeIf(a -> a.ocb == ocb);
    }

    /** The events armed now. */
    public synchronized int armed() {
        return armed.size();
    }

    /** The last delivery that failed, or null. */
    public KernelException lastFailure() {
        return lastFailure.get();
    }
}
