package io.courier.resmgr;

/**
 * File type and permission bits of a mode ({@code st_mode}), with QNX's {@code <sys/stat.h>}
 * values.
 */
public final class Mode {
    /** {@code S_IFMT}: the file type bits. */
    public static final int S_IFMT = 0xF000;
    /** {@code S_IFIFO}: a FIFO. */
    public static final int S_IFIFO = 0x1000;
    /** {@code S_IFCHR}: a character device, what a device manager usually is. */
    public static final int S_IFCHR = 0x2000;
    /** {@code S_IFDIR}: a directory. */
    public static final int S_IFDIR = 0x4000;
    /** {@code S_IFNAM}: a special named file; what {@code /dev/name/local} shows. */
    public static final int S_IFNAM = 0x5000;
    /** {@code S_IFREG}: a regular file. */
    public static final int S_IFREG = 0x8000;

    /** {@code S_IRUSR}. */
    public static final int S_IRUSR = 0400;
    /** {@code S_IWUSR}. */
    public static final int S_IWUSR = 0200;
    /** {@code S_IXUSR}. */
    public static final int S_IXUSR = 0100;
    /** {@code S_IRGRP}. */
    public static final int S_IRGRP = 040;
    /** {@code S_IWGRP}. */
    public static final int S_IWGRP = 020;
    /** {@code S_IXGRP}. */
    public static final int S_IXGRP = 010;
    /** {@code S_IROTH}. */
    public static final int S_IROTH = 04;
    /** {@code S_IWOTH}. */
    public static final int S_IWOTH = 02;
    /** {@code S_IXOTH}. */
    public static final int S_IXOTH = 01;
    /** The permission bits. */
    public static final int PERMS = 0777;

    private Mode() {
    }

    /** Whether {@code mode} is a directory's. */
    public static boolean isDirectory(int mode) {
        return (mode & S_IFMT) == S_IFDIR;
    }

    /** Whether {@code mode} is a regular file's. */
    public static boolean isRegular(int mode) {
        return (mode & S_IFMT) == S_IFREG;
    }

    /**
     * {@code ls -l}'s {@code drwxr-xr-x}: the type letter ({@code d}, {@code c}, {@code n} for
     * a named special file, {@code p}, {@code -}, {@code ?}), then the permissions.
     */
    public static String toString(int mode) {
        char type = switch (mode & S_IFMT) {
            case S_IFDIR -> 'd';
            case S_IFCHR -> 'c';
            case S_IFNAM -> 'n';
            case S_IFIFO -> 'p';
            case S_IFREG -> '-';
            default -> '?';
        };
        StringBuilder sb = new StringBuilder().append(type);
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            sb.append((mode & (S_IRUSR >> i)) != 0 ? rwx.charAt(i) : '-');
        }
        return sb.toString();
    }
}
