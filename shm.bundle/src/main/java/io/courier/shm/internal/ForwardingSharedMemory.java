package io.courier.shm.internal;

import io.courier.kernel.Kernel;
import io.courier.shm.Mapping;
import io.courier.shm.SharedMemory;
import io.courier.shm.ShmStat;

/** A {@link SharedMemory} that passes every call to another: the base of the OSGi service. */
public abstract class ForwardingSharedMemory implements SharedMemory {
    /** The view the calls go to. */
    protected abstract SharedMemory delegate();

    @Override
    public Kernel kernel() {
        return delegate().kernel();
    }

    @Override
    public int shmOpen(String name, int oflag, int mode) {
        return delegate().shmOpen(name, oflag, mode);
    }

    @Override
    public void ftruncate(int fd, long size) {
        delegate().ftruncate(fd, size);
    }

    @Override
    public ShmStat fstat(int fd) {
        return delegate().fstat(fd);
    }

    @Override
    public void close(int fd) {
        delegate().close(fd);
    }

    @Override
    public void shmUnlink(String name) {
        delegate().shmUnlink(name);
    }

    @Override
    public Mapping mmap(long length, int prot, int flags, int fd, long offset) {
        return delegate().mmap(length, prot, flags, fd, offset);
    }

    @Override
    public void munmap(Mapping mapping) {
        delegate().munmap(mapping);
    }

    @Override
    public long shmCreateHandle(int fd, int pid, int perms, int flags) {
        return delegate().shmCreateHandle(fd, pid, perms, flags);
    }

    @Override
    public int shmOpenHandle(long handle, int perms) {
        return delegate().shmOpenHandle(handle, perms);
    }

    @Override
    public void shmDeleteHandle(long handle) {
        delegate().shmDeleteHandle(handle);
    }
}
