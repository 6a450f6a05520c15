package io.courier.resmgr;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.kernel.SigEvent;
import java.nio.ByteBuffer;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * What a resource manager does with the messages for its attachment: QNX's connect and I/O
 * function tables ({@code resmgr_connect_funcs_t}, {@code resmgr_io_funcs_t}) in one interface
 * whose defaults are the iofunc layer's ({@code iofunc_*_default()}), so a manager overrides
 * only what it needs. A device that answers reads overrides {@link #read}; a filesystem also
 * overrides {@link #lookup}, {@link #readdir}, {@link #create} and the others.
 *
 * <p>Before calling an I/O handler the dispatch layer has found the client's {@link Ocb},
 * checked that the open allows the operation ({@code iofunc_read_verify()},
 * {@code iofunc_write_verify()}: EBADF) and taken the entry's lock ({@link IoAttr#lock()}).
 * Before {@link #open} it has checked the client's permissions against the entry's mode and
 * owner (EACCES). A handler fails a request by throwing {@link KernelException}; any other
 * exception is logged and answered with EIO.
 */
@ConsumerType
public interface ResmgrHandler {
    /**
     * Finds the entry at {@code path}, relative to the mount point ("" is the mount point,
     * whose attributes are {@code mount}); null when there is none (ENOENT). Only managers
     * attached with {@link ResmgrFlags#DIR} get non-empty paths; they never hold empty
     * components, {@code .} or {@code ..}.
     */
    default IoAttr lookup(ResmgrContext ctx, IoAttr mount, String path) {
        return path.isEmpty() ? mount : null;
    }

    /**
     * {@code open(O_CREAT)} of a missing entry: creates {@code name} in directory {@code dir}
     * with {@code mode} (a regular file's); the caller has write permission on {@code dir}.
     * Default: EROFS.
     */
    default IoAttr create(ResmgrContext ctx, IoAttr dir, String name, int mode) {
        throw new KernelException(Errno.EROFS, "this manager creates no files");
    }

    /** {@code mkdir()} ({@code _IO_CONNECT_MKNOD}): creates directory {@code name} in {@code dir}. Default: EROFS. */
    default IoAttr mkdir(ResmgrContext ctx, IoAttr dir, String name, int mode) {
        throw new KernelException(Errno.EROFS, "this manager creates no directories");
    }

    /** {@code unlink()} ({@code _IO_CONNECT_UNLINK}): removes {@code entry}, named {@code name} in {@code dir}. Default: EROFS. */
    default void unlink(ResmgrContext ctx, IoAttr dir, String name, IoAttr entry) {
        throw new KernelException(Errno.EROFS, "this manager removes nothing");
    }

    /**
     * {@code iofunc_open_default()}: makes the OCB for an open of {@code attr} that passed the
     * permission checks. A manager may return its own subclass, or handle {@code O_TRUNC}.
     */
    default Ocb open(ResmgrContext ctx, IoAttr attr, int ioflag) {
        return new Ocb(attr, ioflag);
    }

    /**
     * {@code _IO_READ}: the data to answer a read of at most {@code nbytes} with (its remaining
     * bytes; the reply status is their number), or null when the handler answered itself or
     * delayed the answer. Default ({@code iofunc_read_default()}): a directory's entries
     * ({@link #readdir}), end of file for anything else.
     */
    default ByteBuffer read(ResmgrContext ctx, Ocb ocb, int nbytes) {
        return IoFunc.readDefault(ctx, this, ocb, nbytes);
    }

    /** The entries of directory {@code dir}, in a stable order. Default: none. */
    default List<DirEntry> readdir(ResmgrContext ctx, IoAttr dir) {
        return List.of();
    }

    /**
     * {@code _IO_WRITE}: takes {@code nbytes} of data, which the handler reads with
     * {@link ResmgrContext#msgRead} from offset {@link IoWriteLayout#SIZE}; returns the bytes
     * written (the reply status). Default: ENOSYS.
     */
    default int write(ResmgrContext ctx, Ocb ocb, int nbytes) {
        throw new KernelException(Errno.ENOSYS, "this manager takes no writes");
    }

    /** {@code _IO_LSEEK}: the new offset. Default: {@link IoFunc#lseekDefault}. */
    default long lseek(ResmgrContext ctx, Ocb ocb, long offset, int whence) {
        return IoFunc.lseekDefault(ocb, offset, whence);
    }

    /**
     * {@code _IO_DEVCTL}: runs command {@code dcmd} with the client's {@code data}; fills
     * {@code reply} (as far as it has room: what the client can take) and returns the
     * {@code dev_info} value. Default: {@link IoFunc#devctlDefault} (the {@code DCMD_ALL_*}
     * commands; ENOTTY for any other). Both buffers are the layer's and valid during the call
     * only; {@code data}'s bytes are those between its position and limit.
     */
    default int devctl(ResmgrContext ctx, Ocb ocb, int dcmd, ByteBuffer data, ByteBuffer reply) {
        return IoFunc.devctlDefault(ocb, dcmd, data, reply);
    }

    /** {@code _IO_STAT}: the entry's status. Default ({@code iofunc_stat_default()}): from the attributes. */
    default Stat stat(ResmgrContext ctx, Ocb ocb) {
        return ocb.attr().stat();
    }

    /**
     * {@code _IO_NOTIFY} ({@code ionotify()}): arms {@code event} for the {@code flags}
     * conditions ({@link Notify}) with {@code action}; returns the conditions that hold now.
     * A manager keeps a {@link NotifyList} and calls {@link NotifyList#arm}. Default: ENOSYS.
     */
    default int notify(ResmgrContext ctx, Ocb ocb, int action, int flags, SigEvent event) {
        throw new KernelException(Errno.ENOSYS, "this manager has no notification");
    }

    /**
     * {@code close_ocb}: the OCB is being freed, by {@code close()} or because its client went
     * away (then no message is being served). Release what the OCB holds: armed events, delayed
     * answers. Default: nothing.
     */
    default void close(Ocb ocb) {
    }

    /**
     * Any other message on an open fd: types above {@code _IO_MAX} sent with {@code msgSend()}
     * on the fd ({@code _IO_MSG}-style). Default: ENOSYS.
     */
    default void msg(ResmgrContext ctx, Ocb ocb) {
        throw new KernelException(Errno.ENOSYS, "this manager takes no other messages");
    }

    /**
     * The client of a delayed answer asked to unblock (a timeout or interrupt; the channel has
     * UNBLOCK). Default: {@link DelayedReply#cancel()}, so the client leaves with EINTR or
     * ETIMEDOUT.
     */
    default void unblock(DelayedReply pending) {
        pending.cancel();
    }
}
