package io.courier.resmgr;

/**
 * One entry of a directory ({@code struct dirent}).
 *
 * @param ino the entry's inode number (0 when the manager does not say)
 * @param name the entry's name, without any {@code /}
 */
public record DirEntry(long ino, String name) {
}
