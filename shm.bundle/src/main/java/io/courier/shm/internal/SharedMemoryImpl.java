package io.courier.shm.internal;

import io.courier.kernel.Kernel;
import io.courier.shm.Mapping;
import io.courier.shm.SharedMemory;
import io.courier.shm.ShmStat;
import java.util.Objects;

/**
 * {@link SharedMemory} for one process: a light view. The process's state (fds, mappings) lives
 * in the kernel's {@link ShmRegistry}, found on the first call, so every view of one process
 * shares it.
 */
public final class SharedMemoryImpl implements SharedMemory {
    private final Kernel kernel;
    private ShmProcess state;

    /** The view of {@code kernel}'s process. */
    public SharedMemoryImpl(Kernel kernel) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
    }

    @Override
    public Kernel kernel() {
        return kernel;
    }

    /** The process's state, found again when the old one died with its process or registry. */
    private ShmProcess state() {
        ShmProcess s = state;
        if (s == null || !s.usable()) {
            s = ShmRegistry.of(kernel).process(kernel);
            state = s;
        }
        return s;
    }

    @Override
    public int shmOpen(String name, int oflag, int mode) {
        ShmProcess s = state();
        return s.registry.shmOpen(s, name, oflag, mode);
    }

    @Override
    public void ftruncate(int fd, long size) {
        ShmProcess s = state();
        s.registry.ftruncate(s, fd, size);
    }

    @Override
    public ShmStat fstat(int fd) {
        ShmProcess s = state();
        return s.registry.fstat(s, fd);
    }

    @Override
    public void close(int fd) {
        ShmProcess s = state();
        s.registry.close(s, fd);
    }

    @Override
    public void shmUnlink(String name) {
        ShmProcess s = state();
        s.registry.shmUnlink(s, name);
    }

    @Override
    public Mapping mmap(long length, int prot, int flags, int fd, long offset) {
        ShmProcess s = state();
        return s.registry.mmap(s, length, prot, flags, fd, offset);
    }

    @Override
    public void munmap(Mapping mapping) {
        ShmProcess s = state();
        s.registry.munmap(s, mapping);
    }

    @Override
    public long shmCreateHandle(int fd, int pid, int perms, int flags) {
        ShmProcess s = state();
        return s.registry.shmCreateHandle(s, fd, pid, perms, flags);
    }

    @Override
    public int shmOpenHandle(long handle, int perms) {
        ShmProcess s = state();
        return s.registry.shmOpenHandle(s, handle, perms);
    }

    @Override
    public void shmDeleteHandle(long handle) {
        ShmProcess s = state();
        s.registry.shmDeleteHandle(s, handle);
    }

    @Override
    public String toString() {
        return "SharedMemory[" + kernel + "]";
    }
}
