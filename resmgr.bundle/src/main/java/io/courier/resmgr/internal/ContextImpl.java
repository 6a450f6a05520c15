package io.courier.resmgr.internal;

import io.courier.kernel.ClientInfo;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.MsgInfo;
import io.courier.resmgr.DelayedReply;
import io.courier.resmgr.ResmgrContext;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The context of one dispatch thread, reused for every message it receives: the receive buffer,
 * the message information and small reply buffers, so that the common path makes no garbage.
 */
final class ContextImpl implements ResmgrContext {
    private static final Logger LOG = LoggerFactory.getLogger(ContextImpl.class);

    /** The receive buffer's size: any connect message (path up to PATH_MAX) and most headers with data fit. */
    static final int RECEIVE_SIZE = 2048;

    final DispatchImpl dispatch;
    final Kernel kernel;
    final ByteBuffer buf = ByteBuffer.allocate(RECEIVE_SIZE);
    private final ByteBuffer view = buf.asReadOnlyBuffer();
    final MsgInfo info = new MsgInfo();
    /** For the small fixed replies: lseek, notify, stat. */
    final ByteBuffer small = ByteBuffer.allocate(64);
    /** For the devctl reply header. */
    final ByteBuffer header = ByteBuffer.allocate(16);
    /** The size of {@link #devctlReply}: a devctl whose client takes more gets a buffer of its own. */
    static final int DEVCTL_REPLY = 1024;
    /** A devctl's reply data, reused. */
    private final ByteBuffer devctlReply = ByteBuffer.allocate(DEVCTL_REPLY);
    /** The two parts of a devctl reply, reused. */
    private final ByteBuffer[] pair = new ByteBuffer[2];
    /** A view of a devctl's data in the receive buffer, reused. */
    private final ByteBuffer devctlData = buf.asReadOnlyBuffer();
    private long rcvid;
    private boolean answered;
    private ClientInfo client;
    Binding binding;
    /** A delayed answer whose client had already asked to unblock when it was delayed. */
    DelayedReplyImpl unblockPending;

    ContextImpl(DispatchImpl dispatch) {
        this.dispatch = dispatch;
        this.kernel = dispatch.kernel();
    }

    /** Starts serving {@code id}, just received. */
    void begin(long id) {
        rcvid = id;
        answered = false;
        client = null;
        binding = null;
        unblockPending = null;
        view.limit(Math.min(info.msglen(), RECEIVE_SIZE)).position(0);
    }

    /** A devctl's data when it came whole in the receive buffer: bytes {@code at} to {@code at + n}. */
    ByteBuffer devctlData(int at, int n) {
        return devctlData.limit(at + n).position(at);
    }

    /** A buffer for a devctl's reply data of at most {@code room} bytes. */
    ByteBuffer devctlReply(int room) {
        return room <= DEVCTL_REPLY ? devctlReply.clear().limit(room) : ByteBuffer.allocate(room);
    }

    /** The bytes received, as a view from 0; the layer's own parsing uses it. */
    ByteBuffer received() {
        return view;
    }

    @Override
    public Kernel kernel() {
        return kernel;
    }

    @Override
    public long rcvid() {
        return rcvid;
    }

    @Override
    public MsgInfo info() {
        return info;
    }

    @Override
    public ByteBuffer message() {
        return view.duplicate().position(0);
    }

    @Override
    public ClientInfo client() {
        if (client == null) {
            client = binding != null && binding.ocb.client() != null ? binding.ocb.client()
                    : kernel.connectClientInfo(info.scoid());
        }
        return client;
    }

    @Override
    public int msgRead(ByteBuffer dst, int offset) {
        return kernel.msgRead(rcvid, dst, offset);
    }

    @Override
    public int msgWrite(ByteBuffer src, int offset) {
        return kernel.msgWrite(rcvid, src, offset);
    }

    private void answer() {
        if (answered) {
            throw new KernelException(Errno.ESRCH, "rcvid " + rcvid + " was already answered");
        }
        answered = true;
    }

    /** A client that left while its message was served cannot be answered; that is no error of the handler's. */
    private void clientGone(KernelException e) {
        if (e.errno() != Errno.ESRCH) {
            throw e;
        }
        LOG.debug("client of rcvid {} is gone: {}", rcvid, e.getMessage());
    }

    @Override
    public void reply(int status, ByteBuffer data) {
        answer();
        try {
            kernel.msgReply(rcvid, status, data);
        } catch (KernelException e) {
            clientGone(e);
        }
    }

    @Override
    public void replyv(int status, ByteBuffer... iov) {
        answer();
        try {
            kernel.msgReplyv(rcvid, status, iov);
        } catch (KernelException e) {
            clientGone(e);
        }
    }

    @Override
    public void error(Errno errno) {
        answer();
        try {
            kernel.msgError(rcvid, errno);
        } catch (KernelException e) {
            clientGone(e);
        }
    }

    /** {@link #replyv} of a header and data without the varargs array. */
    void replyv(int status, ByteBuffer header, ByteBuffer data) {
        pair[0] = header;
        pair[1] = data;
        try {
            replyv(status, pair);
        } finally {
            pair[0] = null;
            pair[1] = null;
        }
    }

    /** Answers a read with at most {@code nbytes} of {@code data}; the status is the bytes sent. */
    void replyRead(ByteBuffer data, int nbytes) {
        int n = Math.min(data.remaining(), nbytes);
        reply(n, n == data.remaining() ? data : data.slice(data.position(), n));
    }

    /** Fails the message with {@code errno} unless answered already. */
    void fail(Errno errno) {
        if (!answered) {
            error(errno);
        }
    }

    @Override
    public DelayedReply delayReply() {
        answer();
        DelayedReplyImpl d = new DelayedReplyImpl(dispatch, rcvid, binding);
        dispatch.delay(d);
        try {
            if ((kernel.msgInfo(rcvid).flags() & MsgInfo.UNBLOCK_REQ) != 0) {
                // Its UNBLOCK pulse may have come before the delay was recorded: unblock after the handler.
                unblockPending = d;
            }
        } catch (KernelException e) {
            // The client is gone already; its DISCONNECT will clean up.
            LOG.debug("client of delayed rcvid {} is gone", rcvid);
        }
        return d;
    }

    @Override
    public boolean answered() {
        return answered;
    }
}
