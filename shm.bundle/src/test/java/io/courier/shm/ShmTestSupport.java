package io.courier.shm;

import io.courier.testing.Waits;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/** A fresh kernel per test, helper threads with bounded waits, and errno assertions. */
@Timeout(60)
abstract class ShmTestSupport {
    static final Duration WAIT = Waits.WAIT;
    static final int RW = SharedMemory.PROT_READ | SharedMemory.PROT_WRITE;

    Microkernel mk;
    final ExecutorService pool = Executors.newCachedThreadPool();

    @BeforeEach
    void bootKernel() {
        mk = Microkernel.boot();
    }

    @AfterEach
    void shutDown() throws InterruptedException {
        mk.close();
        Waits.shutDown(pool);
    }

    /** A process and its shared memory view. */
    SharedMemory shm(String name) {
        return SharedMemory.of(mk.process(name));
    }

    <T> Future<T> async(Callable<T> task) {
        return pool.submit(task);
    }

    static <T> T await(Future<T> f) throws Exception {
        return Waits.await(f);
    }

    static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        Waits.eventually(what, condition);
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

    static String threadDump() {
        return Waits.threadDump();
    }

    static Kernel kernel(SharedMemory shm) {
        return shm.kernel();
    }
}
