package io.courier.resmgr;

/**
 * Flags of {@link Resmgr#open(String, int)}, with QNX's {@code <fcntl.h>} values. They travel
 * unchanged as the {@code ioflag} of the {@code _IO_CONNECT} message and are kept in the
 * {@link Ocb}.
 */
public final class OpenFlags {
    /** {@code O_RDONLY}: open for reading. */
    public static final int O_RDONLY = 0;
    /** {@code O_WRONLY}: open for writing. */
    public static final int O_WRONLY = 1;
    /** {@code O_RDWR}: open for reading and writing. */
    public static final int O_RDWR = 2;
    /** {@code O_ACCMODE}: the access mode bits. */
    public static final int O_ACCMODE = 3;
    /** {@code O_APPEND}: every write goes to the end. */
    public static final int O_APPEND = 0x0008;
    /** {@code O_NONBLOCK}: do not block in read or write. */
    public static final int O_NONBLOCK = 0x0080;
    /** {@code O_CREAT}: create the file when it does not exist. */
    public static final int O_CREAT = 0x0100;
    /** {@code O_TRUNC}: truncate a regular file opened for writing. */
    public static final int O_TRUNC = 0x0200;
    /** {@code O_EXCL}: with {@link #O_CREAT}, fail with EEXIST when the file exists. */
    public static final int O_EXCL = 0x0400;

    /** Every flag {@link Resmgr#open(String, int)} accepts. */
    public static final int ALL = O_ACCMODE | O_APPEND | O_NONBLOCK | O_CREAT | O_TRUNC | O_EXCL;

    private OpenFlags() {
    }

    /** Whether {@code ioflag} allows reading. */
    public static boolean readable(int ioflag) {
        int acc = ioflag & O_ACCMODE;
        return acc == O_RDONLY || acc == O_RDWR;
    }

    /** Whether {@code ioflag} allows writing. */
    public static boolean writable(int ioflag) {
        int acc = ioflag & O_ACCMODE;
        return acc == O_WRONLY || acc == O_RDWR;
    }
}
