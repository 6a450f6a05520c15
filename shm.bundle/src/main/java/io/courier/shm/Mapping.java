package io.courier.shm;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A mapping made by {@link SharedMemory#mmap}: {@link #segment()} is the mapped memory, and the
 * process-shared synchronisation objects live inside it (their bytes are laid out by
 * {@link SyncLayout}). A mapping belongs to the process that made it and goes away with
 * {@link SharedMemory#munmap} or that process's death.
 */
@ProviderType
public interface Mapping {
    /**
     * The mapped memory: {@link #length()} bytes starting at {@link #offset()} of the object.
     * Read-only when the mapping has no {@link SharedMemory#PROT_WRITE}. Not usable once
     * unmapped (the JDK throws {@link IllegalStateException}).
     */
    MemorySegment segment();

    /** The offset in the object where the mapping starts. */
    long offset();

    /** The length in bytes. */
    long length();

    /** The protection ({@link SharedMemory#PROT_READ}, {@link SharedMemory#PROT_WRITE}). */
    int prot();

    /** The flags ({@link SharedMemory#MAP_SHARED} or {@link SharedMemory#MAP_PRIVATE}). */
    int flags();

    /** Whether the mapping is still mapped. */
    boolean isMapped();

    /**
     * Copies the bytes between {@code src}'s position and limit to {@code offset} in the mapping;
     * {@code src}'s position is left alone.
     *
     * @throws io.courier.kernel.KernelException EACCES for a read-only mapping; EFAULT when the
     *     bytes do not fit or the mapping is gone
     */
    void write(long offset, ByteBuffer src);

    /**
     * Copies the whole of {@code src} to {@code offset} in the mapping.
     *
     * @throws io.courier.kernel.KernelException EACCES for a read-only mapping; EFAULT when the
     *     bytes do not fit or the mapping is gone
     */
    void write(long offset, MemorySegment src);

    /**
     * Fills {@code dst} from its position to its limit with the bytes at {@code offset}; the
     * position advances by the bytes copied.
     *
     * @throws io.courier.kernel.KernelException EFAULT when the range is outside the mapping or
     *     the mapping is gone, or {@code dst} is read-only
     */
    void read(long offset, ByteBuffer dst);

    /**
     * Fills the whole of {@code dst} with the bytes at {@code offset}.
     *
     * @throws io.courier.kernel.KernelException EFAULT when the range is outside the mapping or
     *     the mapping is gone, or {@code dst} is read-only
     */
    void read(long offset, MemorySegment dst);

    /**
     * {@code pthread_mutex_init()} with {@code PTHREAD_PROCESS_SHARED}: makes a mutex at
     * {@code offset}, unlocked.
     *
     * @param flags 0, {@link ShmMutex#ROBUST}, {@link ShmMutex#RECURSIVE}
     * @throws io.courier.kernel.KernelException EINVAL for an offset that is not a multiple of
     *     {@link SyncLayout#ALIGNMENT} or leaves no room, or unknown flags; EACCES for a
     *     read-only mapping; EBUSY for a mutex held by a live holder
     */
    ShmMutex initMutex(long offset, int flags);

    /**
     * Attaches to the mutex another process (or JVM) made at {@code offset}.
     *
     * @throws io.courier.kernel.KernelException EINVAL when there is no mutex of this layout
     *     version there or the offset is bad; EACCES for a read-only mapping
     */
    ShmMutex mutex(long offset);

    /**
     * {@code pthread_cond_init()} with {@code PTHREAD_PROCESS_SHARED}: makes a condition
     * variable at {@code offset}.
     *
     * @throws io.courier.kernel.KernelException EINVAL for a bad offset; EACCES for a read-only
     *     mapping
     */
    ShmCondvar initCondvar(long offset);

    /**
     * Attaches to the condition variable at {@code offset}.
     *
     * @throws io.courier.kernel.KernelException EINVAL when there is none there; EACCES for a
     *     read-only mapping
     */
    ShmCondvar condvar(long offset);

    /**
     * {@code sem_init()} with {@code pshared}: makes a semaphore at {@code offset} with count
     * {@code value}.
     *
     * @throws io.courier.kernel.KernelException EINVAL for a bad offset or a negative value;
     *     EACCES for a read-only mapping
     */
    ShmSemaphore initSemaphore(long offset, int value);

    /**
     * Attaches to the semaphore at {@code offset}.
     *
     * @throws io.courier.kernel.KernelException EINVAL when there is none there; EACCES for a
     *     read-only mapping
     */
    ShmSemaphore semaphore(long offset);
}
