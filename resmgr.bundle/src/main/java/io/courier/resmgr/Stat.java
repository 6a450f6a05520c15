package io.courier.resmgr;

/**
 * A file's status ({@code struct stat}), what {@link Resmgr#stat(int)} returns.
 *
 * @param ino the inode number, unique within the manager
 * @param size the size in bytes
 * @param mode the type and permission bits ({@link Mode})
 * @param uid the owner
 * @param gid the group
 * @param nlink the number of links
 * @param atime the last access, milliseconds since the epoch
 * @param mtime the last modification, milliseconds since the epoch
 * @param ctime the last status change, milliseconds since the epoch
 */
public record Stat(long ino, long size, int mode, int uid, int gid, int nlink, long atime, long mtime,
        long ctime) {
    /** Whether this is a directory. */
    public boolean isDirectory() {
        return Mode.isDirectory(mode);
    }

    /** Whether this is a regular file. */
    public boolean isRegular() {
        return Mode.isRegular(mode);
    }
}
