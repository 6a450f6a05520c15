package io.courier.asyncmsg.internal;

import io.courier.asyncmsg.AsyncMsgHeader;
import io.courier.kernel.Errno;
import io.courier.kernel.MsgInfo;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * A receive buffer of a channel with its header: handed out by {@code get}, handed back by
 * {@code free}, then reused. Its state moves FREE to IN_USE under the channel's get lock and
 * IN_USE to FREE in {@code free}, from any thread of the owner.
 */
final class Header implements AsyncMsgHeader {
    static final int FREE = 0;
    static final int IN_USE = 1;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Header.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final AsyncChannel channel;
    /** The receive buffer, as the allocator gave it: reported to the FREE callback. */
    final ByteBuffer buffer;
    /** A view of the whole buffer; its limit is the message's length. */
    private final ByteBuffer view;
    private final ByteBuffer[] iov;
    /** The backing array of a heap receive buffer, else null. */
    private final byte[] heap;
    private final int heapOffset;
    private final MsgInfo info = new MsgInfo();
    Header next;
    private int state;

    Header(AsyncChannel channel, ByteBuffer buffer) {
        this.channel = channel;
        this.buffer = buffer;
        this.view = buffer.duplicate().clear();
        this.iov = new ByteBuffer[] {view};
        this.heap = view.hasArray() ? view.array() : null;
        this.heapOffset = view.hasArray() ? view.arrayOffset() : 0;
    }

    int capacity() {
        return view.capacity();
    }

    /** Whether the receiver holds it (got, not yet freed); for introspection. */
    boolean inUse() {
        return (int) STATE.getAcquire(this) == IN_USE;
    }

    /** FREE to IN_USE, by the getter that holds the channel's get lock; acquire pairs with {@link #release()}. */
    boolean take() {
        if ((int) STATE.getAcquire(this) != FREE) {
            return false;
        }
        STATE.setOpaque(this, IN_USE);
        return true;
    }

    /**
     * IN_USE to FREE; false when it was not in use (a double free). Not a compare-and-set: a
     * header has one owner at a time, and the release store is what the next getter's acquire
     * pairs with; two threads freeing the same header at the same instant is a bug this does not
     * catch, freeing it twice in a row is.
     */
    boolean release() {
        if ((int) STATE.getOpaque(this) != IN_USE) {
            return false;
        }
        STATE.setRelease(this, FREE);
        return true;
    }

    /** Copies {@code len} bytes of {@code src} from {@code offset} into the buffer; returns the bytes copied. */
    int fill(ByteBuffer src, int offset, int len) {
        int n = Math.min(len, view.capacity());
        view.clear();
        if (heap != null && src.hasArray()) {
            // Heap to heap: a plain array copy, cheaper for small messages than the buffer bulk put.
            System.arraycopy(src.array(), src.arrayOffset() + offset, heap, heapOffset, n);
        } else {
            view.put(0, src, offset, n);
        }
        view.limit(n);
        return n;
    }

    /** Gathers the bytes between position and limit of each of {@code parts}; returns the bytes copied. */
    int fill(ByteBuffer[] parts) {
        view.clear();
        int cap = view.capacity();
        int at = 0;
        for (ByteBuffer p : parts) {
            int n = Math.min(p.remaining(), cap - at);
            view.put(at, p, p.position(), n);
            at += n;
        }
        view.limit(at);
        return at;
    }

    void describe(int pid, int chid, int coid, int msglen, int srcmsglen) {
        info.set(pid, 0, chid, 0, coid, 0, 0, msglen, srcmsglen, view.capacity());
    }

    @Override
    public AsyncMsgHeader next() {
        return next;
    }

    @Override
    public MsgInfo info() {
        return info;
    }

    @Override
    public Errno err() {
        return Errno.EOK;
    }

    @Override
    public int parts() {
        return 1;
    }

    @Override
    public ByteBuffer[] iov() {
        return iov;
    }

    @Override
    public ByteBuffer msg() {
        return view;
    }

    @Override
    public String toString() {
        return "AsyncMsgHeader[" + info + "]";
    }
}
