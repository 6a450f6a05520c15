package io.courier.resmgr;

import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.kernel.Providers;
import io.courier.kernel.SigEvent;
import java.nio.ByteBuffer;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One process's view of Courier's resource manager calls ({@code resmgr_*()}) and of the
 * file-descriptor I/O that becomes messages to resource managers ({@code open()},
 * {@code read()}, ...): the calls that process makes. In OSGi each bundle that gets the
 * {@code Resmgr} service is a process of its own; outside OSGi {@link #of(Kernel)} gives the
 * view of any process.
 *
 * <p>The pathname space is one per {@link io.courier.kernel.Microkernel}, shared by all its
 * processes. A path resolves to the manager attached at its longest matching prefix (whole
 * components); a manager that answers ENOENT passes the path on to the next shorter one, as in
 * QNX. Paths are absolute ({@code /}-separated; a relative path is taken from {@code /});
 * {@code .}, {@code ..} and empty components are resolved by the client before resolution, so
 * a manager never sees them and {@code ..} never leaves the root. A path of more than
 * {@link #PATH_MAX} bytes or with a component of more than {@link #NAME_MAX} bytes fails with
 * ENAMETOOLONG. The pathname manager of the space (a process named {@code pathmgr}) serves the
 * directories that only hold mount points, {@code /dev/name/local} (the {@code nameAttach}ed
 * names) and {@code /dev/shmem} (see {@link ShmemDirectory}); all of them are read-only
 * (EROFS).
 *
 * <p>An fd is a connection id in the fd range: {@code kernel().msgSend(fd, ...)} reaches the
 * manager like {@link #read} does. Every failure is a {@link KernelException} with an errno.
 */
@ProviderType
public interface Resmgr {
    /** {@code SEEK_SET}: {@link #lseek} from the start. */
    int SEEK_SET = 0;
    /** {@code SEEK_CUR}: {@link #lseek} from the current offset. */
    int SEEK_CUR = 1;
    /** {@code SEEK_END}: {@link #lseek} from the end. */
    int SEEK_END = 2;
    /** {@code PATH_MAX}: the longest path, in UTF-8 bytes. */
    int PATH_MAX = 1024;
    /** {@code NAME_MAX}: the longest path component, in UTF-8 bytes. */
    int NAME_MAX = 255;

    /**
     * The resource manager view of {@code kernel}'s process.
     *
     * @throws KernelException ENOSYS when no implementation is present ({@link ResmgrProvider})
     */
    static Resmgr of(Kernel kernel) {
        return Providers.find(ResmgrProvider.class).of(kernel);
    }

    /**
     * A snapshot of the pathname space of {@code microkernel}: every attached path, sorted by
     * path and, for one path, in resolution order (BEFORE, plain, AFTER; newest first). Read-only:
     * it makes nothing (an empty list while no process used the resource managers).
     * {@code microkernel} may be the OSGi service.
     */
    static List<MountInfo> mounts(Microkernel microkernel) {
        return Providers.find(ResmgrProvider.class).mounts(microkernel);
    }

    /** The process this view acts for. */
    Kernel kernel();

    // ---------------------------------------------------------------- managers

    /**
     * {@code dispatch_create()}: a channel (DISCONNECT | UNBLOCK) for attachments to share,
     * served once {@link Dispatch#start}ed.
     */
    Dispatch dispatchCreate();

    /**
     * {@code resmgr_attach()} of a device: attaches {@code path} with a character device's
     * attributes (mode {@code 0666}, owned by this process's user) on a dispatch of its own with
     * one thread.
     *
     * @see #resmgrAttach(Dispatch, String, int, IoAttr, ResmgrHandler)
     */
    ResmgrAttachment resmgrAttach(String path, ResmgrHandler handler);

    /**
     * {@code resmgr_attach()} on a dispatch of its own with one thread, which
     * {@link #resmgrDetach} closes.
     *
     * @see #resmgrAttach(Dispatch, String, int, IoAttr, ResmgrHandler)
     */
    ResmgrAttachment resmgrAttach(String path, int flags, IoAttr attr, ResmgrHandler handler);

    /**
     * {@code resmgr_attach()}: puts {@code path} into the pathname space, served by
     * {@code handler} on {@code dispatch}. Several managers may attach the same path; the newest
     * resolves first unless {@link ResmgrFlags#BEFORE} or {@link ResmgrFlags#AFTER} say
     * otherwise. The name goes when detached, when the dispatch closes, or when this process
     * dies.
     *
     * @param path absolute, without empty components, {@code .} or {@code ..}
     * @param flags {@link ResmgrFlags}; with {@link ResmgrFlags#DIR} the manager also gets
     *     every path below
     * @param attr the mount point's attributes
     * @throws KernelException EINVAL for a bad path or flags, or a dispatch of another process;
     *     ENAMETOOLONG for a path too long; EBADF for a closed dispatch
     */
    ResmgrAttachment resmgrAttach(Dispatch dispatch, String path, int flags, IoAttr attr, ResmgrHandler handler);

    /**
     * {@code resmgr_detach()}: takes the name out of the pathname space; fds already open keep
     * working while the dispatch runs. A dispatch {@code resmgrAttach} made on its own is closed.
     *
     * @throws KernelException EINVAL when not attached by this process
     */
    void resmgrDetach(ResmgrAttachment attachment);

    /**
     * Plugs {@code directory} in as what {@code /dev/shmem} lists, until closed or this process
     * dies.
     */
    ShmemDirectory.Registration shmemDirectoryAttach(ShmemDirectory directory);

    // ---------------------------------------------------------------- clients

    /** {@link #open(String, int, int)} with mode {@code 0666}. */
    int open(String path, int oflag);

    /**
     * {@code open()}: resolves {@code path}, connects to the manager (a connection in the fd
     * range) and sends it an {@code _IO_CONNECT} (subtype OPEN, {@code ioflag} = {@code oflag}).
     * {@code /dev/name/local/NAME} connects to the server that {@code nameAttach}ed NAME, which
     * answers the {@code _IO_CONNECT} as for {@code nameOpen}.
     *
     * @param oflag {@link OpenFlags}
     * @param mode the permissions of a file {@link OpenFlags#O_CREAT} creates
     * @return the fd
     * @throws KernelException ENOENT when no manager has the path; EACCES when the client's
     *     credentials do not allow the access; EEXIST for {@code O_CREAT|O_EXCL} of an existing
     *     file; EISDIR for writing a directory; EROFS for a manager that creates nothing;
     *     EINVAL for bad flags or a NUL in the path; ENAMETOOLONG
     */
    int open(String path, int oflag, int mode);

    /**
     * {@code read()} ({@code _IO_READ}): reads up to {@code buf.remaining()} bytes into
     * {@code buf} from its position, which advances; the reply lands in {@code buf} directly.
     *
     * @return the bytes read; 0 at the end
     * @throws KernelException EBADF for a bad fd or one not open for reading
     */
    int read(int fd, ByteBuffer buf);

    /**
     * {@code write()} ({@code _IO_WRITE}): sends {@code buf}'s remaining bytes as the second part
     * of an IOV after the header; like every source buffer its position is left alone.
     *
     * @return the bytes written
     * @throws KernelException EBADF for a bad fd or one not open for writing
     */
    int write(int fd, ByteBuffer buf);

    /**
     * {@code lseek()} ({@code _IO_LSEEK}).
     *
     * @return the new offset
     * @throws KernelException EINVAL for a bad {@code whence} or a negative result
     */
    long lseek(int fd, long offset, int whence);

    /**
     * {@code devctl()} ({@code _IO_DEVCTL}): sends {@code dcmd} with {@code data}'s remaining
     * bytes (may be null) and reads the manager's data into {@code reply} (may be null) from
     * its position, which advances.
     *
     * @return the manager's {@code dev_info}
     * @throws KernelException ENOTTY for a command the manager does not know
     */
    int devctl(int fd, int dcmd, ByteBuffer data, ByteBuffer reply);

    /** {@code fstat()} ({@code _IO_STAT}). */
    Stat stat(int fd);

    /**
     * {@code stat()}: an {@code _IO_CONNECT} with the {@code _IO_STAT} combined, in one message;
     * needs no read permission.
     *
     * @throws KernelException ENOENT
     */
    Stat stat(String path);

    /**
     * {@code close()} ({@code _IO_CLOSE}, then the connection is detached, even when the
     * manager has gone).
     *
     * @throws KernelException EBADF for a bad fd
     */
    void close(int fd);

    /**
     * {@code ionotify()} ({@code _IO_NOTIFY}): asks the manager to deliver {@code event} (with
     * {@code MsgDeliverEvent()}) when one of the {@code flags} conditions comes to hold.
     *
     * @param action {@link Notify}{@code .ACTION_*}
     * @param flags {@link Notify}{@code .COND_*}
     * @return the conditions that hold now
     * @throws KernelException ENOSYS for a manager without notification; EINVAL for a
     *     {@code SIGEV_THREAD} event (it cannot cross a message)
     */
    int ionotify(int fd, int action, int flags, SigEvent event);

    /**
     * {@code opendir()/readdir()}: the entries of directory {@code path}, the union of what each
     * manager that has the path as a directory lists (mount points below it included), without
     * duplicates, the first manager's first.
     *
     * @throws KernelException ENOENT; ENOTDIR when the path is no directory; EACCES
     */
    List<DirEntry> readdir(String path);

    /**
     * {@code mkdir()} ({@code _IO_CONNECT_MKNOD}).
     *
     * @throws KernelException EEXIST; ENOENT for a missing parent; EROFS where nothing is created
     */
    void mkdir(String path, int mode);

    /**
     * {@code unlink()} ({@code _IO_CONNECT_UNLINK}).
     *
     * @throws KernelException ENOENT; ENOTEMPTY for a directory with entries; EROFS
     */
    void unlink(String path);
}
