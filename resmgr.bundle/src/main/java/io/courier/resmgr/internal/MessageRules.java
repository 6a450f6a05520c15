package io.courier.resmgr.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.IoConnectLayout;
import io.courier.kernel.IoMsg;
import io.courier.kernel.KernelException;
import io.courier.resmgr.IoCloseLayout;
import io.courier.resmgr.IoConnectExtLayout;
import io.courier.resmgr.IoDevctlLayout;
import io.courier.resmgr.IoLseekLayout;
import io.courier.resmgr.IoNotifyLayout;
import io.courier.resmgr.IoReadLayout;
import io.courier.resmgr.IoStatLayout;
import io.courier.resmgr.IoWriteLayout;
import io.courier.resmgr.Resmgr;
import java.nio.ByteBuffer;

/**
 * What every message must be before the dispatch layer hands it to a handler (SPEC R2), by its
 * type's {@code *Layout}; the one place these rules live:
 *
 * <ul>
 *   <li>Any message has its 16-bit type, and an {@code _IO_*} message that Courier knows its whole
 *       header ({@code SIZE} of its layout): shorter is EBADMSG.
 *   <li>A length in a header says how many bytes follow it: {@code _IO_WRITE} and
 *       {@code _IO_DEVCTL} {@code nbytes} (unsigned, as in QNX), {@code _IO_CONNECT}
 *       {@code path_len} (with its NUL, which must be there) and {@code extra_len}. More than the
 *       client sent is EBADMSG; a negative {@code _IO_READ} {@code nbytes} is EINVAL; a path
 *       longer than {@link Resmgr#PATH_MAX} is ENAMETOOLONG.
 *   <li>The message combined with an {@code _IO_CONNECT} of subtype {@code COMBINE_CLOSE} is
 *       checked by the same rules, within its {@code extra_len}.
 * </ul>
 *
 * <p>The fields a handler interprets (offsets, {@code whence}, actions, the event, open flags)
 * are checked where they are interpreted, before the handler is called or by the iofunc
 * defaults. Unknown {@code _IO_*} types fail with ENOSYS after this check, and a manager's own
 * types (above {@link IoMsg#IO_MAX}) go to its {@code msg} handler with their type checked only.
 */
final class MessageRules {
    private MessageRules() {
    }

    /**
     * Checks the message in {@code m} (the bytes received, from index 0) of which the client sent
     * {@code sent} bytes in all.
     *
     * @return the message's type
     * @throws KernelException EBADMSG, EINVAL or ENAMETOOLONG for a message that breaks its layout
     */
    static int check(ByteBuffer m, int sent) {
        if (m.limit() < 2 || sent < 2) {
            throw new KernelException(Errno.EBADMSG, "a message of " + Math.min(m.limit(), sent) + " bytes has no type");
        }
        int type = Native.u16(m, 0);
        switch (type) {
            case IoMsg.IO_CONNECT -> connect(m, sent);
            case IoMsg.IO_READ -> {
                header(type, m, sent, IoReadLayout.SIZE);
                if (IoReadLayout.nbytes(m, 0) < 0) {
                    throw new KernelException(Errno.EINVAL, "_IO_READ of " + IoReadLayout.nbytes(m, 0) + " bytes");
                }
            }
            case IoMsg.IO_WRITE -> {
                header(type, m, sent, IoWriteLayout.SIZE);
                follows("_IO_WRITE nbytes", IoWriteLayout.nbytes(m, 0), IoWriteLayout.SIZE, sent);
            }
            case IoMsg.IO_DEVCTL -> {
                header(type, m, sent, IoDevctlLayout.SIZE);
                follows("_IO_DEVCTL nbytes", IoDevctlLayout.nbytes(m, 0), IoDevctlLayout.SIZE, sent);
            }
            case IoMsg.IO_STAT -> header(type, m, sent, IoStatLayout.SIZE);
            case IoMsg.IO_NOTIFY -> header(type, m, sent, IoNotifyLayout.SIZE);
            case IoMsg.IO_LSEEK -> header(type, m, sent, IoLseekLayout.SIZE);
            case IoMsg.IO_CLOSE -> header(type, m, sent, IoCloseLayout.SIZE);
            default -> {
                // Another system type (ENOSYS once its fd is known) or the manager's own.
            }
        }
        return type;
    }

    private static void header(int type, ByteBuffer m, int sent, int size) {
        if (sent < size || m.limit() < size) {
            throw new KernelException(Errno.EBADMSG, "a message of type 0x" + Integer.toHexString(type) + " of "
                    + Math.min(sent, m.limit()) + " bytes is shorter than its " + size + "-byte header");
        }
    }

    /** {@code length} (unsigned) bytes must follow the {@code header} bytes of a message of {@code sent} bytes. */
    private static void follows(String what, int length, int header, int sent) {
        if (Integer.toUnsignedLong(length) > sent - header) {
            throw new KernelException(Errno.EBADMSG, what + " " + Integer.toUnsignedString(length) + " exceeds the "
                    + (sent - header) + " bytes that follow the header");
        }
    }

    private static void connect(ByteBuffer m, int sent) {
        header(IoMsg.IO_CONNECT, m, sent, IoConnectLayout.HEADER_SIZE);
        int pathLen = IoConnectExtLayout.pathLen(m, 0);
        if (pathLen < 1) {
            throw new KernelException(Errno.EBADMSG, "_IO_CONNECT path_len 0: not even the NUL");
        }
        follows("_IO_CONNECT path_len", pathLen, IoConnectLayout.HEADER_SIZE, sent);
        if (pathLen - 1 > Resmgr.PATH_MAX) {
            throw new KernelException(Errno.ENAMETOOLONG, "a path has at most " + Resmgr.PATH_MAX + " bytes");
        }
        // PATH_MAX and the header fit the receive buffer: the path is all there.
        if (m.get(IoConnectLayout.PATH + pathLen - 1) != 0) {
            throw new KernelException(Errno.EBADMSG, "_IO_CONNECT path of path_len " + pathLen + " has no NUL");
        }
        int extraLen = IoConnectExtLayout.extraLen(m, 0);
        int at = IoConnectExtLayout.combinedOffset(pathLen);
        if (extraLen > 0) {
            follows("_IO_CONNECT extra_len", extraLen, at, sent);
        }
        if (IoConnectExtLayout.subtype(m, 0) == IoConnectLayout.SUBTYPE_COMBINE_CLOSE) {
            if (extraLen == 0 || at + extraLen > m.limit()) {
                throw new KernelException(Errno.EBADMSG, "_IO_CONNECT COMBINE_CLOSE without its combined message of "
                        + extraLen + " bytes");
            }
            check(m.slice(at, extraLen), extraLen);
        }
    }
}
