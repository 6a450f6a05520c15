package io.courier.shm;

/**
 * One live mapping in {@link SharedMemory#mappings(io.courier.kernel.Microkernel)}: which process
 * maps which part of which object ({@code pidin mem}'s shared memory lines), a snapshot for
 * introspection.
 *
 * @param pid the process that mapped it
 * @param name the object's name with its leading {@code /}; empty for an anonymous object
 * @param ino the object's file serial number, as {@link ShmStat#ino()}
 * @param offset where in the object the mapping starts
 * @param length its length in bytes
 * @param prot {@link SharedMemory#PROT_READ}, {@code PROT_WRITE}, {@code PROT_EXEC} bits
 * @param flags {@link SharedMemory#MAP_SHARED} or {@code MAP_PRIVATE}, with {@code MAP_FIXED}
 */
public record MappingInfo(int pid, String name, long ino, long offset, long length, int prot, int flags) {
}
