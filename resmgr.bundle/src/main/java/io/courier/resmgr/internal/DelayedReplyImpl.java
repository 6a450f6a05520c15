package io.courier.resmgr.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.resmgr.DelayedReply;
import io.courier.resmgr.Ocb;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/** A delayed answer, kept by the dispatch until answered so that UNBLOCK pulses find it. */
final class DelayedReplyImpl implements DelayedReply {
    private final DispatchImpl dispatch;
    private final long rcvid;
    final Binding binding;
    private final AtomicBoolean answered = new AtomicBoolean();

    DelayedReplyImpl(DispatchImpl dispatch, long rcvid, Binding binding) {
        this.dispatch = dispatch;
        this.rcvid = rcvid;
        this.binding = binding;
    }

    @Override
    public long rcvid() {
        return rcvid;
    }

    @Override
    public Ocb ocb() {
        return binding == null ? null : binding.ocb;
    }

    private void take() {
        if (!answered.compareAndSet(false, true)) {
            throw new KernelException(Errno.ESRCH, "rcvid " + rcvid + " was already answered");
        }
        dispatch.undelay(this);
    }

    @Override
    public void reply(int status, ByteBuffer data) {
        take();
        dispatch.kernel().msgReply(rcvid, status, data);
    }

    @Override
    public void error(Errno errno) {
        take();
        dispatch.kernel().msgError(rcvid, errno);
    }

    @Override
    public void cancel() {
        take();
        dispatch.kernel().msgError(rcvid, -1);
    }

    @Override
    public boolean answered() {
        return answered.get();
    }

    /** The client went away: nothing to answer any more. */
    void drop() {
        answered.set(true);
    }
}
