package io.courier.resmgr.internal;

import io.courier.kernel.Kernel;
import io.courier.resmgr.Dispatch;
import io.courier.resmgr.IoAttr;
import io.courier.resmgr.ResmgrAttachment;
import io.courier.resmgr.ResmgrHandler;
import java.util.concurrent.atomic.AtomicBoolean;

/** One entry of the pathname space: a path served by a handler on a channel. */
final class Mount implements ResmgrAttachment, Target {
    final PathSpace space;
    final int id;
    final String path;
    final int flags;
    final long seq;
    final Kernel owner;
    final int pid;
    final int chid;
    final DispatchImpl dispatch;
    final IoAttr attr;
    final ResmgrHandler handler;
    /** Set when {@code resmgrAttach} made the dispatch for this mount alone: detaching closes it. */
    final boolean ownsDispatch;
    /**
     * Its entry in the node's path table ({@link NodePaths}); -1 when not published there. Set
     * after {@link #attached} is; {@link PathSpace#detach} clears that and then reads this, so one
     * of the two withdraws it.
     */
    volatile int nodeIndex = -1;
    private final AtomicBoolean attached = new AtomicBoolean(true);

    Mount(PathSpace space, int id, String path, int flags, long seq, DispatchImpl dispatch, IoAttr attr,
            ResmgrHandler handler, boolean ownsDispatch) {
        this.space = space;
        this.id = id;
        this.path = path;
        this.flags = flags;
        this.seq = seq;
        this.owner = dispatch.kernel();
        this.pid = owner.pid();
        this.chid = dispatch.chid();
        this.dispatch = dispatch;
        this.attr = attr;
        this.handler = handler;
        this.ownsDispatch = ownsDispatch;
    }

    @Override
    public int pid() {
        return pid;
    }

    @Override
    public int chid() {
        return chid;
    }

    @Override
    public int handle() {
        return id;
    }

    @Override
    public long seq() {
        return seq;
    }

    @Override
    public boolean alive() {
        return owner.isAlive();
    }

    /** Marks it detached; true the first time. */
    boolean markDetached() {
        return attached.compareAndSet(true, false);
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public int flags() {
        return flags;
    }

    @Override
    public IoAttr attr() {
        return attr;
    }

    @Override
    public Dispatch dispatch() {
        return dispatch;
    }

    @Override
    public boolean attached() {
        return attached.get();
    }

    @Override
    public String toString() {
        return "ResmgrAttachment[" + id + " " + path + " pid " + pid + " chid " + chid + "]";
    }
}
