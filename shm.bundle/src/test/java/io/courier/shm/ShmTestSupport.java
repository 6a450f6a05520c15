package io.courier.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.testing.SystemPerTest;
import org.junit.jupiter.api.function.Executable;

/** A fresh kernel per test ({@link SystemPerTest}), mappings, and errno assertions. */
abstract class ShmTestSupport extends SystemPerTest<Microkernel> {
    static final int RW = SharedMemory.PROT_READ | SharedMemory.PROT_WRITE;

    @Override
    protected Microkernel boot() {
        return Microkernel.boot();
    }

    /** A process and its shared memory view. */
    SharedMemory shm(String name) {
        return SharedMemory.of(mk.process(name));
    }

    static KernelException fails(Errno errno, Executable call) {
        KernelException e = assertThrows(KernelException.class, call);
        assertEquals(errno, e.errno(), e.getMessage());
        return e;
    }

    /** Creates {@code name} (O_RDWR|O_CREAT|O_EXCL, 0600) of {@code size} bytes and maps all of it read-write. */
    static Mapping create(SharedMemory shm, String name, long size) {
        int fd = shm.shmOpen(name, SharedMemory.O_RDWR | SharedMemory.O_CREAT | SharedMemory.O_EXCL, 0600);
        shm.ftruncate(fd, size);
        Mapping m = shm.mmap(size, RW, SharedMemory.MAP_SHARED, fd, 0);
        shm.close(fd);
        return m;
    }

    /** Opens {@code name} O_RDWR and maps {@code size} bytes read-write. */
    static Mapping open(SharedMemory shm, String name, long size) {
        int fd = shm.shmOpen(name, SharedMemory.O_RDWR, 0);
        Mapping m = shm.mmap(size, RW, SharedMemory.MAP_SHARED, fd, 0);
        shm.close(fd);
        return m;
    }

    static Kernel kernel(SharedMemory shm) {
        return shm.kernel();
    }
}
