package io.courier.shm;

/**
 * What {@link SharedMemory#fstat} and the {@code /dev/shmem} listing tell of a shared memory
 * object ({@code struct stat}).
 *
 * @param name the name with its leading {@code /}; empty for an anonymous object
 * @param size the size in bytes, a multiple of {@link SharedMemory#PAGE_SIZE}
 * @param mode the permission bits
 * @param uid the owner's user id
 * @param gid the owner's group id
 * @param ino the file serial number: two fds of the same object show the same one, and an
 *     object made again under an old name shows another
 */
public record ShmStat(String name, long size, int mode, int uid, int gid, long ino) {
}
