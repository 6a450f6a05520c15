/**
 * Shared memory after QNX Neutrino's {@code shm_open()}, {@code mmap()} and shared-memory
 * handles: named and anonymous memory objects that processes map and share, and the
 * process-shared mutexes, condition variables, semaphores and atomics that live inside them
 * (SPEC S1 to S6). {@link io.courier.shm.SharedMemory} is one process's view of it.
 *
 * <h2>How it is built</h2>
 * <ul>
 * <li>An object is a file in a memory file system ({@code /dev/shm}), mapped with
 *     {@code FileChannel.map(mode, offset, size, arena)} into a
 *     {@link java.lang.foreign.MemorySegment}; no native access is needed. Named objects live
 *     in the folder {@link io.courier.shm.SharedMemory#directory} (private to the kernel, or
 *     shared between JVMs through the {@code courier.shm.dir} system property); anonymous ones
 *     are unlinked at birth.</li>
 * <li>Each kernel's shared memory runs as a process named {@code shm} (QNX keeps it in the
 *     process manager). An fd is a connection of the caller to that process's channel, in the
 *     caller's fd range; a message sent on it is answered ENOSYS. When the {@code shm} process
 *     dies, as it does when the kernel closes, every mapping is unmapped, every fd forgotten
 *     and the private folder removed.</li>
 * <li>Process death (an exit hook of the process's {@code Kernel}) closes the process's fds,
 *     unmaps its mappings, drops the handles made for it, and marks the mutexes it held dead.</li>
 * <li>Synchronisation objects are words in the mapping moved with {@code VarHandle}
 *     compare-and-set; their layout is {@link io.courier.shm.SyncLayout}. Waiting spins, yields,
 *     then parks; waiters of this JVM are woken at once, those of another JVM within a
 *     millisecond.</li>
 * </ul>
 *
 * <h2>What Courier chose where QNX is silent or the JVM differs</h2>
 * <ul>
 * <li>Names: {@code /} then 1 to 255 characters without {@code /} or NUL, not {@code .} or
 *     {@code ..}: EINVAL, ENAMETOOLONG past 255.</li>
 * <li>{@code O_WRONLY} and {@code O_TRUNC} with {@code O_RDONLY} are EINVAL; modes are 0..0777
 *     and applied exactly (no umask); {@code shm_unlink} is for root or the owner (EACCES).</li>
 * <li>{@code ftruncate} past the largest object size (the folder's file store, or
 *     {@code courier.shm.maxSize}) is ENOMEM; shrinking an object under a live mapping of this
 *     JVM is EBUSY, because the JVM would fault on the lost pages.</li>
 * <li>{@code mmap}: offsets must be page-aligned (EINVAL); a range past the object's size is
 *     ENXIO; {@code PROT_NONE}, {@code PROT_EXEC} and {@code MAP_FIXED} are ENOTSUP. A mapping
 *     without {@code PROT_WRITE} gives a read-only segment.</li>
 * <li>Handles: single use (EINVAL after); used by another process, EACCES, and the handle
 *     stays for its process; more access than the handle or the creator's fd, EACCES.
 *     {@code SHM_CREATE_HANDLE_OPT_NOFD} is not supported. Handles do not cross JVMs.</li>
 * <li>Mutexes: relocking a non-recursive mutex is EDEADLK; unlocking one not held is EPERM.
 *     A holder is dead when its process (or JVM) dies, and for a robust mutex also when its
 *     thread ends. A robust mutex then gives EOWNERDEAD to the next locker; another goes DEAD
 *     (EINVAL) until {@link io.courier.shm.ShmMutex#revive()}. Another JVM's liveness is its
 *     operating-system pid: a reused pid would keep a dead holder alive.</li>
 * <li>The dead-mutex event is delivered by the kernel's {@code msgDeliverEvent(0, event)} in
 *     the watching process: any event type.</li>
 * <li>Condition variable signals wake every waiter (POSIX allows spurious wake-ups).</li>
 * </ul>
 */
@Export
@Version("0.2.0")
package io.courier.shm;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
