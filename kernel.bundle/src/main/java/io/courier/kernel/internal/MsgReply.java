package io.courier.kernel.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.kernel.MsgInfo;
import java.nio.ByteBuffer;

/**
 * What a server does with a REPLY-blocked client's rcvid: {@code MsgReply()} and
 * {@code MsgError()} (which end the client's send), {@code MsgRead()} and {@code MsgWrite()} at
 * an offset, and {@code MsgInfo()}. Each claims the client first ({@link MsgSend#claimClient}), so
 * a reply and an unblock never both win and a stale rcvid fails with ESRCH; the reply is copied
 * straight into the client's reply buffers.
 *
 * <p>SPEC K3 (reply, the smaller buffer decides), K4 (msgError, and -1 after an UNBLOCK pulse),
 * K5 (IOVs), K6 (read and write at offsets), K7 (msgInfo); msgReply's exact errors.
 */
final class MsgReply {
    private MsgReply() {
    }

    static void msgReply(Proc p, long rcvid, int status, ByteBuffer msg) {
        KThread t = p.self();
        if (msg == null) {
            reply(p, rcvid, status, Iov.NONE);
            return;
        }
        reply(p, rcvid, status, Iov.holding(t.oneOp(), msg));
    }

    static void msgReplyv(Proc p, long rcvid, int status, ByteBuffer[] iov) {
        p.self();
        reply(p, rcvid, status, iov == null ? Iov.NONE : Iov.source(iov, "reply IOV"));
    }

    private static void reply(Proc p, long rcvid, int status, ByteBuffer[] src) {
        KThread c = MsgSend.claimClient(p, rcvid);
        int n = Iov.copy(src, 0, c.riov, 0, Integer.MAX_VALUE);
        c.replyExtent = Math.max(c.replyExtent, n);
        MsgSend.finishSend(c, status, null);
    }

    static void msgError(Proc p, long rcvid, Errno error) {
        p.self();
        if (error == null) {
            throw new KernelException(Errno.EINVAL, "error is null");
        }
        KThread c = MsgSend.claimClient(p, rcvid);
        MsgSend.finishSend(c, 0, error == Errno.EOK ? null : error);
    }

    static void msgError(Proc p, long rcvid, int error) {
        p.self();
        if (error == -1) {
            KThread c = MsgSend.claimClient(p, rcvid);
            Errno stored = c.unblockError;
            MsgSend.finishSend(c, 0, stored != null ? stored : Errno.EINTR);
            return;
        }
        msgError(p, rcvid, Errno.of(error));
    }

    static int msgRead(Proc p, long rcvid, ByteBuffer buf, int offset) {
        return onOneBuffer(p, buf, iov -> msgReadv(p, rcvid, iov, offset));
    }

    /** A call of the IOV form of a kernel call. */
    private interface IovCall {
        int call(ByteBuffer[] iov);
    }

    /** Runs the IOV form of a call with one buffer, in the calling thread's one-element IOV. */
    private static int onOneBuffer(Proc p, ByteBuffer buf, IovCall call) {
        KThread t = p.self();
        if (buf == null) {
            throw new KernelException(Errno.EFAULT, "buffer is null");
        }
        return call.call(Iov.holding(t.oneOp(), buf));
    }

    static int msgReadv(Proc p, long rcvid, ByteBuffer[] iov, int offset) {
        p.self();
        Iov.destination(iov, "read buffer");
        if (offset < 0) {
            throw new KernelException(Errno.EINVAL, "negative offset " + offset);
        }
        KThread c = MsgSend.claimClient(p, rcvid);
        try {
            int n = offset >= c.slen ? 0 : Iov.copy(c.siov, offset, iov, 0, Integer.MAX_VALUE);
            Iov.advance(iov, n);
            return n;
        } finally {
            c.sendPhase(KThread.REPLY);
        }
    }

    static int msgWrite(Proc p, long rcvid, ByteBuffer buf, int offset) {
        return onOneBuffer(p, buf, iov -> msgWritev(p, rcvid, iov, offset));
    }

    static int msgWritev(Proc p, long rcvid, ByteBuffer[] iov, int offset) {
        p.self();
        Iov.source(iov, "write buffer");
        if (offset < 0) {
            throw new KernelException(Errno.EINVAL, "negative offset " + offset);
        }
        KThread c = MsgSend.claimClient(p, rcvid);
        try {
            int n = offset >= c.rlen ? 0 : Iov.copy(iov, 0, c.riov, offset, Integer.MAX_VALUE);
            if (n > 0) {
                c.replyExtent = Math.max(c.replyExtent, offset + n);
            }
            return n;
        } finally {
            c.sendPhase(KThread.REPLY);
        }
    }

    static MsgInfo msgInfo(Proc p, long rcvid) {
        p.self();
        KThread c = MsgSend.claimClient(p, rcvid);
        try {
            MsgInfo info = new MsgInfo();
            MsgReceive.fillInfo(info, c, Math.min(c.slen, Integer.MAX_VALUE));
            return info;
        } finally {
            c.sendPhase(KThread.REPLY);
        }
    }
}
