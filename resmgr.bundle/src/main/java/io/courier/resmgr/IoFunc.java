package io.courier.resmgr;

import io.courier.kernel.ClientInfo;
import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The iofunc layer's default handlers and helpers ({@code iofunc_*_default()},
 * {@code iofunc_check_access()}), for {@link ResmgrHandler}'s defaults and for managers that
 * override a handler but still want the default behaviour for part of it.
 */
public final class IoFunc {
    /** Read permission, for {@link #checkAccess}. */
    public static final int R_OK = 4;
    /** Write permission, for {@link #checkAccess}. */
    public static final int W_OK = 2;
    /** Search (execute) permission, for {@link #checkAccess}. */
    public static final int X_OK = 1;
    /** The most bytes of directory entries one read returns. */
    public static final int DIR_READ_MAX = 64 * 1024;

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

    private IoFunc() {
    }

    /** No data: end of file. Shared and read-only; replying never moves its position. */
    public static ByteBuffer eof() {
        return EMPTY;
    }

    /**
     * {@code iofunc_check_access()}: whether {@code who} may access {@code attr} for
     * {@code want} ({@link #R_OK} | {@link #W_OK} | {@link #X_OK}). Root (uid 0) may do
     * anything; otherwise the owner's, group's or others' bits decide, in that order.
     *
     * @throws KernelException EACCES when not
     */
    public static void checkAccess(ClientInfo who, IoAttr attr, int want) {
        if (want == 0 || who.uid() == 0) {
            return;
        }
        int mode = attr.mode();
        int bits;
        if (who.uid() == attr.uid()) {
            bits = (mode >> 6) & 7;
        } else if (who.gid() == attr.gid()) {
            bits = (mode >> 3) & 7;
        } else {
            bits = mode & 7;
        }
        if ((bits & want) != want) {
            throw new KernelException(Errno.EACCES, "permission denied to uid " + who.uid());
        }
    }

    /** The permissions an open with {@code ioflag} needs. */
    public static int accessFor(int ioflag) {
        return (OpenFlags.readable(ioflag) ? R_OK : 0) | (OpenFlags.writable(ioflag) ? W_OK : 0);
    }

    /** {@code iofunc_read_default()}: a directory's entries, end of file for anything else. */
    public static ByteBuffer readDefault(ResmgrContext ctx, ResmgrHandler handler, Ocb ocb, int nbytes) {
        if (ocb.attr().isDirectory()) {
            return readDirectory(ctx, handler, ocb, nbytes);
        }
        return EMPTY;
    }

    /**
     * Answers a read of a directory: as many whole {@link DirentLayout} records as fit in
     * {@code nbytes}, from the entry at the OCB's offset, which then moves past them. At the
     * end: no data.
     *
     * @throws KernelException EINVAL when {@code nbytes} cannot hold the next entry
     */
    public static ByteBuffer readDirectory(ResmgrContext ctx, ResmgrHandler handler, Ocb ocb, int nbytes) {
        List<DirEntry> entries = handler.readdir(ctx, ocb.attr());
        long index = ocb.offset();
        if (index >= entries.size()) {
            return EMPTY;
        }
        ByteBuffer out = ByteBuffer.allocate(Math.min(nbytes, DIR_READ_MAX));
        int at = 0;
        while (index < entries.size()) {
            DirEntry e = entries.get((int) index);
            int need = DirentLayout.recordSize(e.name().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
            if (at + need > out.capacity()) {
                break;
            }
            at += DirentLayout.put(out, at, e, index + 1);
            index++;
        }
        if (at == 0) {
            throw new KernelException(Errno.EINVAL, "a read of " + nbytes + " bytes cannot hold the next entry");
        }
        ocb.offset(index);
        return out.limit(at);
    }

    /**
     * Answers a read of a file whose bytes are {@code content} (position 0 to limit): up to
     * {@code nbytes} from the OCB's offset, which moves past them; nothing past the end.
     * Returns a view of {@code content}, no copy.
     */
    public static ByteBuffer readAt(Ocb ocb, ByteBuffer content, int nbytes) {
        long off = ocb.offset();
        int size = content.limit();
        if (off >= size) {
            return EMPTY;
        }
        int n = (int) Math.min(nbytes, size - off);
        ocb.offset(off + n);
        return content.slice((int) off, n);
    }

    /** Where a write starts: the end of the entry for {@code O_APPEND}, else the OCB's offset. */
    public static long writeOffset(Ocb ocb) {
        return (ocb.ioflag() & OpenFlags.O_APPEND) != 0 ? ocb.attr().size() : ocb.offset();
    }

    /**
     * {@code iofunc_lseek_default()}: {@link Resmgr#SEEK_SET}, {@link Resmgr#SEEK_CUR} or
     * {@link Resmgr#SEEK_END} (from the entry's size); seeking past the end is allowed.
     *
     * @throws KernelException EINVAL for another {@code whence} or a negative result;
     *     EOVERFLOW when the result does not fit
     */
    public static long lseekDefault(Ocb ocb, long offset, int whence) {
        long base = switch (whence) {
            case Resmgr.SEEK_SET -> 0;
            case Resmgr.SEEK_CUR -> ocb.offset();
            case Resmgr.SEEK_END -> ocb.attr().size();
            default -> throw new KernelException(Errno.EINVAL, "bad whence " + whence);
        };
        long to;
        try {
            to = Math.addExact(base, offset);
        } catch (ArithmeticException e) {
            throw new KernelException(Errno.EOVERFLOW, "offset overflows");
        }
        if (to < 0) {
            throw new KernelException(Errno.EINVAL, "negative offset " + to);
        }
        ocb.offset(to);
        return to;
    }

    /**
     * {@code iofunc_devctl_default()}: {@link Dcmd#DCMD_ALL_GETFLAGS} answers the open flags,
     * {@link Dcmd#DCMD_ALL_SETFLAGS} sets {@code O_APPEND} and {@code O_NONBLOCK}.
     *
     * @return 0
     * @throws KernelException ENOTTY for any other command; EINVAL when SETFLAGS brings no int
     */
    public static int devctlDefault(Ocb ocb, int dcmd, ByteBuffer data, ByteBuffer reply) {
        if (dcmd == Dcmd.DCMD_ALL_GETFLAGS) {
            if (reply.remaining() >= Integer.BYTES) {
                NativeBytes.putI32(reply, reply.position(), ocb.ioflag());
                reply.position(reply.position() + Integer.BYTES);
            }
            return 0;
        }
        if (dcmd == Dcmd.DCMD_ALL_SETFLAGS) {
            if (data.remaining() < Integer.BYTES) {
                throw new KernelException(Errno.EINVAL, "DCMD_ALL_SETFLAGS needs an int");
            }
            int flags = NativeBytes.i32(data, data.position());
            int keep = ocb.ioflag() & ~(OpenFlags.O_APPEND | OpenFlags.O_NONBLOCK);
            ocb.ioflag(keep | (flags & (OpenFlags.O_APPEND | OpenFlags.O_NONBLOCK)));
            return 0;
        }
        throw new KernelException(Errno.ENOTTY, "unknown devctl command 0x" + Integer.toHexString(dcmd));
    }

    /** Reads a native-order int at {@code data}'s position, for devctl handlers. */
    public static int getInt(ByteBuffer data) {
        if (data.remaining() < Integer.BYTES) {
            throw new KernelException(Errno.EINVAL, "devctl data holds no int");
        }
        return NativeBytes.i32(data, data.position());
    }

    /** Writes a native-order int at {@code reply}'s position and advances it, for devctl handlers. */
    public static void putInt(ByteBuffer reply, int value) {
        if (reply.remaining() < Integer.BYTES) {
            throw new KernelException(Errno.EINVAL, "the client's reply buffer holds no int");
        }
        NativeBytes.putI32(reply, reply.position(), value);
        reply.position(reply.position() + Integer.BYTES);
    }
}
