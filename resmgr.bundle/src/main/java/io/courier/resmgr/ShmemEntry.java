package io.courier.resmgr;

/**
 * One shared memory object as {@code /dev/shmem} shows it.
 *
 * @param name the name, without the leading {@code /}
 * @param size the size in bytes
 * @param mode the permission bits
 * @param uid the owner
 * @param gid the group
 */
public record ShmemEntry(String name, long size, int mode, int uid, int gid) {
}
