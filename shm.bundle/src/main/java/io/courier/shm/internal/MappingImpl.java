package io.courier.shm.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.shm.Mapping;
import io.courier.shm.SharedMemory;
import io.courier.shm.ShmCondvar;
import io.courier.shm.ShmMutex;
import io.courier.shm.ShmSemaphore;
import io.courier.shm.SyncLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A mapping: a segment of the object's file mapped in an arena of its own, so that
 * {@code munmap} (or the process's death) unmaps exactly it.
 */
final class MappingImpl implements Mapping {
    final ShmProcess process;
    final ShmObject object;
    final Arena arena;
    private final MemorySegment segment;
    private final long offset;
    private final long length;
    private final int prot;
    private final int flags;
    /** Cleared (under the registry's lock) when unmapped. */
    volatile boolean mapped = true;

    MappingImpl(ShmProcess process, ShmObject object, Arena arena, MemorySegment segment, long offset, int prot,
            int flags) {
        this.process = process;
        this.object = object;
        this.arena = arena;
        this.segment = segment;
        this.offset = offset;
        this.length = segment.byteSize();
        this.prot = prot;
        this.flags = flags;
    }

    @Override
    public MemorySegment segment() {
        return segment;
    }

    @Override
    public long offset() {
        return offset;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public int prot() {
        return prot;
    }

    @Override
    public int flags() {
        return flags;
    }

    @Override
    public boolean isMapped() {
        return mapped;
    }

    boolean writable() {
        return (prot & SharedMemory.PROT_WRITE) != 0;
    }

    @Override
    public void write(long at, ByteBuffer src) {
        if (src == null) {
            throw new KernelException(Errno.EFAULT, "no source buffer");
        }
        write(at, MemorySegment.ofBuffer(src));
    }

    @Override
    public void write(long at, MemorySegment src) {
        if (src == null) {
            throw new KernelException(Errno.EFAULT, "no source segment");
        }
        if (!writable()) {
            throw new KernelException(Errno.EACCES, "the mapping is read-only (no PROT_WRITE)");
        }
        checkRange(at, src.byteSize());
        try {
            MemorySegment.copy(src, 0, segment, at, src.byteSize());
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }

    @Override
    public void read(long at, ByteBuffer dst) {
        if (dst == null || dst.isReadOnly()) {
            throw new KernelException(Errno.EFAULT, "no writable destination buffer");
        }
        int n = dst.remaining();
        read(at, MemorySegment.ofBuffer(dst));
        dst.position(dst.position() + n);
    }

    @Override
    public void read(long at, MemorySegment dst) {
        if (dst == null || dst.isReadOnly()) {
            throw new KernelException(Errno.EFAULT, "no writable destination segment");
        }
        checkRange(at, dst.byteSize());
        try {
            MemorySegment.copy(segment, at, dst, 0, dst.byteSize());
        } catch (RuntimeException e) {
            throw Faults.translate(e);
        }
    }

    private void checkRange(long at, long n) {
        if (!mapped) {
            throw new KernelException(Errno.EFAULT, "the mapping is unmapped");
        }
        if (at < 0 || n > length || at > length - n) {
            throw new KernelException(Errno.EFAULT, n + " bytes at " + at + " are outside the " + length
                    + "-byte mapping");
        }
    }

    /** Checks that a synchronisation object of {@code size} bytes can live at {@code at}. */
    void checkSync(long at, int size) {
        if (!mapped) {
            throw new KernelException(Errno.EFAULT, "the mapping is unmapped");
        }
        if (at < 0 || at % SyncLayout.ALIGNMENT != 0 || at > length - size) {
            throw new KernelException(Errno.EINVAL, "no room for a " + size + "-byte object at " + at
                    + " (multiples of " + SyncLayout.ALIGNMENT + " within " + length + " bytes)");
        }
        if (!writable()) {
            throw new KernelException(Errno.EACCES, "synchronisation objects need a writable mapping");
        }
    }

    /** The wait-lot key of the synchronisation object at {@code at}. */
    WaitLot.Key key(long at) {
        return new WaitLot.Key(object.fileKey, offset + at);
    }

    @Override
    public ShmMutex initMutex(long at, int mutexFlags) {
        return MutexImpl.init(this, at, mutexFlags);
    }

    @Override
    public ShmMutex mutex(long at) {
        return MutexImpl.attach(this, at);
    }

    @Override
    public ShmCondvar initCondvar(long at) {
        return CondvarImpl.init(this, at);
    }

    @Override
    public ShmCondvar condvar(long at) {
        return CondvarImpl.attach(this, at);
    }

    @Override
    public ShmSemaphore initSemaphore(long at, int value) {
        return SemaphoreImpl.init(this, at, value);
    }

    @Override
    public ShmSemaphore semaphore(long at) {
        return SemaphoreImpl.attach(this, at);
    }

    @Override
    public String toString() {
        return "Mapping[" + object.describe() + " @" + offset + "+" + length + (mapped ? "" : ", unmapped") + "]";
    }
}
