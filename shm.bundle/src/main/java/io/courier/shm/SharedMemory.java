package io.courier.shm;

import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import io.courier.kernel.Providers;
import java.nio.file.Path;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One process's view of Courier's shared memory calls ({@code shm_open()}, {@code mmap()} and
 * friends): the calls that process makes. In OSGi each bundle that gets the
 * {@code SharedMemory} service is a process of its own; outside OSGi {@link #of(Kernel)} gives
 * the view of any process.
 *
 * <p>Shared memory objects are real files in a folder of a memory file system
 * ({@code /dev/shm/courier-*} by default, or the folder named by the system property
 * {@value #DIRECTORY_PROPERTY}), so processes of this kernel, of other kernels and of other
 * JVMs on the machine that map the same object see the same bytes. {@link #list(Microkernel)}
 * is the {@code /dev/shmem} listing.
 *
 * <p>File descriptors are connections of the calling process in the kernel's fd range, as in
 * QNX where an fd is a connection to the process manager: they show in the kernel's connection
 * listing and go away with the process.
 *
 * <p>Every view of one process shares that process's fds and mappings; when the process dies
 * (its bundle stops) its fds are closed and its mappings unmapped (SPEC S3). Failures throw
 * {@link io.courier.kernel.KernelException} with QNX's errno.
 */
@ProviderType
public interface SharedMemory {
    /** {@code O_RDONLY}: open for reading only. */
    int O_RDONLY = 0;
    /** {@code O_WRONLY}: refused by {@link #shmOpen}; a memory object is always readable. */
    int O_WRONLY = 1;
    /** {@code O_RDWR}: open for reading and writing. */
    int O_RDWR = 2;
    /** {@code O_ACCMODE}: the access bits of an oflag. */
    int O_ACCMODE = 3;
    /** {@code O_CREAT}: create the object when it does not exist. */
    int O_CREAT = 0x100;
    /** {@code O_TRUNC}: truncate an existing object to size 0 (needs {@link #O_RDWR}). */
    int O_TRUNC = 0x200;
    /** {@code O_EXCL}: with {@link #O_CREAT}, fail with EEXIST when the object exists. */
    int O_EXCL = 0x400;

    /** {@code PROT_NONE}: refused with ENOTSUP (the JVM cannot map inaccessible pages). */
    int PROT_NONE = 0;
    /** {@code PROT_READ}: the mapping can be read. */
    int PROT_READ = 0x100;
    /** {@code PROT_WRITE}: the mapping can be written. */
    int PROT_WRITE = 0x200;
    /** {@code PROT_EXEC}: refused with ENOTSUP. */
    int PROT_EXEC = 0x400;

    /** {@code MAP_SHARED}: writes go to the object and are seen by every mapping of it. */
    int MAP_SHARED = 0x1;
    /** {@code MAP_PRIVATE}: writes are private to this mapping (copy on write). */
    int MAP_PRIVATE = 0x2;
    /** {@code MAP_FIXED}: refused with ENOTSUP (the JVM chooses addresses). */
    int MAP_FIXED = 0x10;

    /**
     * {@code SHM_ANON} as the name of {@link #shmOpen}: a new anonymous object that has no name
     * and is reachable only through fds, mappings and handles (SPEC S4). It needs
     * {@link #O_CREAT}. (It cannot clash with a real name, which starts with {@code /}.)
     */
    String SHM_ANON = "SHM_ANON";

    /** The page size ({@code __PAGESIZE}): object sizes round up to it, offsets are multiples of it. */
    long PAGE_SIZE = 4096;
    /** The longest name after its leading {@code /} ({@code NAME_MAX}). */
    int NAME_MAX = 255;

    /**
     * The system property naming the folder that holds the named objects; processes of several
     * JVMs given the same folder share objects by name. Without it each kernel gets a folder of
     * its own under {@code /dev/shm}, removed when the kernel closes.
     */
    String DIRECTORY_PROPERTY = "courier.shm.dir";
    /** The system property giving the largest object size in bytes (default: the folder's file store size). */
    String MAX_SIZE_PROPERTY = "courier.shm.maxSize";

    /**
     * The shared memory view of {@code kernel}'s process. Makes no kernel call until first used.
     *
     * @throws io.courier.kernel.KernelException ENOSYS when no implementation is present
     *     ({@link SharedMemoryProvider})
     */
    static SharedMemory of(Kernel kernel) {
        return Providers.find(SharedMemoryProvider.class).of(kernel);
    }

    /**
     * The {@code /dev/shmem} listing: every named object in the folder of {@code microkernel}'s
     * shared memory, including objects other JVMs made there, sorted by name. For the resource
     * manager's pathname space (SPEC S3, R5).
     */
    static List<ShmStat> list(Microkernel microkernel) {
        return Providers.find(SharedMemoryProvider.class).list(microkernel);
    }

    /**
     * The named objects, as {@link #list(Microkernel)} gives them, but read-only: it makes
     * nothing, so while shared memory was never used (no manager process) there are none.
     */
    static List<ShmStat> objects(Microkernel microkernel) {
        return Providers.find(SharedMemoryProvider.class).objects(microkernel);
    }

    /**
     * A snapshot of the live mappings of {@code microkernel}'s processes, by pid: read-only, it
     * makes nothing (an empty list while shared memory is not in use). {@code microkernel} may be
     * the OSGi service.
     */
    static List<MappingInfo> mappings(Microkernel microkernel) {
        return Providers.find(SharedMemoryProvider.class).mappings(microkernel);
    }

    /** The folder that holds the named objects of {@code microkernel}: give it to another JVM to share them. */
    static Path directory(Microkernel microkernel) {
        return Providers.find(SharedMemoryProvider.class).directory(microkernel);
    }

    /** The process this view acts for. */
    Kernel kernel();

    /**
     * {@code shm_open()}: opens (and with {@link #O_CREAT} creates) the object {@code name}.
     *
     * @param name {@code /} and up to {@link #NAME_MAX} characters without another {@code /}, or
     *     {@link #SHM_ANON}
     * @param oflag {@link #O_RDONLY} or {@link #O_RDWR}, with {@link #O_CREAT}, {@link #O_EXCL},
     *     {@link #O_TRUNC}
     * @param mode the permission bits (0..0777) of a new object; an existing object's bits are
     *     checked against the caller's credentials (root may do anything)
     * @return the fd
     * @throws io.courier.kernel.KernelException EINVAL for a bad name, oflag or mode, for
     *     {@link #O_TRUNC} with {@link #O_RDONLY}, or {@link #SHM_ANON} without {@link #O_CREAT};
     *     ENAMETOOLONG; ENOENT when the object does not exist and {@link #O_CREAT} is not given;
     *     EEXIST with {@link #O_CREAT} and {@link #O_EXCL} when it exists; EACCES when the mode
     *     denies the access; EBUSY for {@link #O_TRUNC} while this JVM maps the object; EAGAIN
     *     when out of fds; ESRCH when the process is dead
     */
    int shmOpen(String name, int oflag, int mode);

    /**
     * {@code ftruncate()}: sets the object's size, rounded up to {@link #PAGE_SIZE}; new bytes
     * are zero.
     *
     * @throws io.courier.kernel.KernelException EBADF for an fd that is not a shared memory
     *     object open for writing; EINVAL for a negative size; ENOMEM past the largest object
     *     size; EBUSY when shrinking below a mapping of this JVM
     */
    void ftruncate(int fd, long size);

    /**
     * {@code fstat()}: the object behind {@code fd}.
     *
     * @throws io.courier.kernel.KernelException EBADF for an fd that is not a shared memory object
     */
    ShmStat fstat(int fd);

    /**
     * {@code close()}: closes the fd; the object stays while its name, another fd, a mapping or a
     * handle refers to it.
     *
     * @throws io.courier.kernel.KernelException EBADF for an fd that is not a shared memory object
     */
    void close(int fd);

    /**
     * {@code shm_unlink()}: removes the name; the object lives on while fds, mappings or handles
     * refer to it, and a later {@code shmOpen} of the name finds or makes another object.
     *
     * @throws io.courier.kernel.KernelException EINVAL or ENAMETOOLONG for a bad name; ENOENT for
     *     an unknown name; EACCES for a caller that is neither root nor the owner
     */
    void shmUnlink(String name);

    /**
     * {@code mmap()}: maps {@code length} bytes of the object behind {@code fd} from
     * {@code offset}. A mapping without {@link #PROT_WRITE} is read-only: its segment refuses
     * writes ({@link Mapping#write} and the synchronisation objects with EACCES, the segment
     * itself with the JDK's {@link IllegalArgumentException} "Attempt to write a read-only
     * segment").
     *
     * @param prot {@link #PROT_READ}, optionally with {@link #PROT_WRITE}
     * @param flags {@link #MAP_SHARED} or {@link #MAP_PRIVATE}
     * @param offset a multiple of {@link #PAGE_SIZE}
     * @throws io.courier.kernel.KernelException EBADF for a bad fd; EINVAL for a length below 1,
     *     an offset that is negative or not page-aligned, unknown prot or flags, or neither or
     *     both of {@link #MAP_SHARED} and {@link #MAP_PRIVATE}; ENOTSUP for {@link #PROT_NONE},
     *     {@link #PROT_EXEC} and {@link #MAP_FIXED}; EACCES for a shared writable mapping of an fd
     *     opened {@link #O_RDONLY}; ENXIO when {@code offset + length} passes the object's size;
     *     ENOMEM when the JVM cannot map it
     */
    Mapping mmap(long length, int prot, int flags, int fd, long offset);

    /**
     * {@code munmap()}: unmaps the mapping; its segment can no longer be used (the JDK throws
     * {@link IllegalStateException} on access).
     *
     * @throws io.courier.kernel.KernelException EINVAL for a mapping that is not mapped in this
     *     process
     */
    void munmap(Mapping mapping);

    /**
     * {@code shm_create_handle()}: a single-use handle that lets process {@code pid}, and no
     * other, open the object behind {@code fd} with {@link #shmOpenHandle} (SPEC S4). The handle
     * keeps the object alive until it is used, deleted, or process {@code pid} dies.
     *
     * @param perms {@link #O_RDONLY} or {@link #O_RDWR}: no more than {@code fd} allows
     * @param flags 0 ({@code SHM_CREATE_HANDLE_OPT_NOFD} is not supported)
     * @return the handle, an opaque number
     * @throws io.courier.kernel.KernelException EBADF for a bad fd; EINVAL for bad perms or flags;
     *     EACCES for perms beyond the fd's; ESRCH for no process {@code pid}
     */
    long shmCreateHandle(int fd, int pid, int perms, int flags);

    /**
     * {@code shm_open_handle()}: turns a handle made for this process into an fd; the handle is
     * used up.
     *
     * @param perms {@link #O_RDONLY} or {@link #O_RDWR}: no more than the handle grants
     * @throws io.courier.kernel.KernelException EINVAL for an unknown or used handle, or bad
     *     perms; EACCES for a handle made for another process (which keeps it) or perms beyond
     *     the handle's
     */
    int shmOpenHandle(long handle, int perms);

    /**
     * {@code shm_delete_handle()}: withdraws an unused handle this process made or was given.
     *
     * @throws io.courier.kernel.KernelException EINVAL for an unknown or used handle; EACCES for
     *     a handle of other processes
     */
    void shmDeleteHandle(long handle);
}
