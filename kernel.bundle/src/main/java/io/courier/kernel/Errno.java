package io.courier.kernel;

/**
 * The closed set of errors a Courier kernel call can report, with QNX Neutrino's numeric
 * values ({@code <errno.h>}). Every failing kernel call throws a {@link KernelException}
 * carrying one of these.
 */
public enum Errno {
    /** No error. */
    EOK(0),
    /** Operation not permitted. */
    EPERM(1),
    /** No such file or directory. */
    ENOENT(2),
    /** No such process (or channel, rcvid, connection object). */
    ESRCH(3),
    /** Interrupted function call. */
    EINTR(4),
    /** I/O error. */
    EIO(5),
    /** No such device or address; the peer is terminating. */
    ENXIO(6),
    /** Argument list too long. */
    E2BIG(7),
    /** Bad file descriptor or connection id. */
    EBADF(9),
    /** Resource temporarily unavailable. */
    EAGAIN(11),
    /** Not enough memory. */
    ENOMEM(12),
    /** Permission denied. */
    EACCES(13),
    /** Bad address: a buffer that cannot be read or written. */
    EFAULT(14),
    /** Resource busy. */
    EBUSY(16),
    /** File exists. */
    EEXIST(17),
    /** No such device. */
    ENODEV(19),
    /** Not a directory. */
    ENOTDIR(20),
    /** Is a directory. */
    EISDIR(21),
    /** Invalid argument. */
    EINVAL(22),
    /** Too many open files in the system. */
    ENFILE(23),
    /** Too many open files in the process. */
    EMFILE(24),
    /** Inappropriate I/O control operation. */
    ENOTTY(25),
    /** File too large. */
    EFBIG(27),
    /** No space left on device. */
    ENOSPC(28),
    /** Illegal seek. */
    ESPIPE(29),
    /** Read-only file system. */
    EROFS(30),
    /** Broken pipe. */
    EPIPE(32),
    /** Result out of range. */
    ERANGE(34),
    /** No message of the desired type. */
    ENOMSG(35),
    /** Resource deadlock avoided. */
    EDEADLK(45),
    /** No locks available. */
    ENOLCK(46),
    /** Operation cancelled. */
    ECANCELED(47),
    /** Not supported. */
    ENOTSUP(48),
    /** Bad message. */
    EBADMSG(77),
    /** File name too long. */
    ENAMETOOLONG(78),
    /** Value too large for the data type. */
    EOVERFLOW(79),
    /** Function not implemented. */
    ENOSYS(89),
    /** Too many levels of symbolic links. */
    ELOOP(90),
    /** Directory not empty. */
    ENOTEMPTY(93),
    /** State not recoverable (robust mutex unlocked without being made consistent). */
    ENOTRECOVERABLE(95),
    /** The previous owner of a robust mutex died holding it. */
    EOWNERDEAD(96),
    /** Operation now in progress. */
    EINPROGRESS(236),
    /** Operation already in progress. */
    EALREADY(237),
    /** Socket operation on a non-socket. */
    ENOTSOCK(238),
    /** Message too long. */
    EMSGSIZE(240),
    /** Address already in use. */
    EADDRINUSE(248),
    /** Network is down. */
    ENETDOWN(250),
    /** Connection aborted. */
    ECONNABORTED(253),
    /** Connection reset by peer. */
    ECONNRESET(254),
    /** No buffer space available. */
    ENOBUFS(255),
    /** Socket is already connected. */
    EISCONN(256),
    /** Socket is not connected. */
    ENOTCONN(257),
    /** Connection timed out. */
    ETIMEDOUT(260),
    /** Connection refused. */
    ECONNREFUSED(261),
    /** Host is down: a node of the network that is not up (issue 21). */
    EHOSTDOWN(264),
    /** No route to host: a node descriptor no configured node has. */
    EHOSTUNREACH(265);

    private static final Errno[] BY_CODE;

    static {
        int max = 0;
        for (Errno e : values()) {
            max = Math.max(max, e.code);
        }
        BY_CODE = new Errno[max + 1];
        for (Errno e : values()) {
            BY_CODE[e.code] = e;
        }
    }

    private final int code;

    Errno(int code) {
        this.code = code;
    }

    /** QNX's numeric value of this error. */
    public int code() {
        return code;
    }

    /**
     * The error with QNX's numeric value {@code code}.
     *
     * @throws KernelException EINVAL when no error has that value
     */
    public static Errno of(int code) {
        if (code < 0 || code >= BY_CODE.length || BY_CODE[code] == null) {
            throw new KernelException(EINVAL, "no errno with value " + code);
        }
        return BY_CODE[code];
    }
}
