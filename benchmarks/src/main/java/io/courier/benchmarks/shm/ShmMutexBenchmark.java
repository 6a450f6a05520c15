package io.courier.benchmarks.shm;

import io.courier.kernel.Errno;
import io.courier.kernel.Microkernel;
import io.courier.shm.Mapping;
import io.courier.shm.SharedMemory;
import io.courier.shm.ShmMutex;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A process-shared mutex in a mapping, locked and unlocked, against the peer
 * {@link ReentrantLock}: uncontended (one thread), and contended by two threads. The robust
 * flavour costs one more read on unlock.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ShmMutexBenchmark {
    private Microkernel mk;
    private SharedMemory shm;
    private Mapping mapping;
    private ShmMutex mutex;
    private ShmMutex robust;
    private final ReentrantLock lock = new ReentrantLock();

    @Setup(Level.Trial)
    public void setUp() {
        mk = Microkernel.boot();
        shm = SharedMemory.of(mk.process("bench"));
        int fd = shm.shmOpen("/mutex", SharedMemory.O_RDWR | SharedMemory.O_CREAT, 0600);
        shm.ftruncate(fd, 4096);
        mapping = shm.mmap(4096, SharedMemory.PROT_READ | SharedMemory.PROT_WRITE, SharedMemory.MAP_SHARED, fd, 0);
        shm.close(fd);
        mutex = mapping.initMutex(0, 0);
        robust = mapping.initMutex(128, ShmMutex.ROBUST);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        shm.munmap(mapping);
        shm.shmUnlink("/mutex");
        mk.close();
    }

    /** The peer, uncontended. */
    @Benchmark
    public void reentrantLockUncontended() {
        lock.lock();
        lock.unlock();
    }

    /** The shared mutex, uncontended. */
    @Benchmark
    public Errno shmMutexUncontended() {
        Errno r = mutex.lock();
        mutex.unlock();
        return r;
    }

    /** The robust shared mutex, uncontended. */
    @Benchmark
    public Errno shmRobustMutexUncontended() {
        Errno r = robust.lock();
        robust.unlock();
        return r;
    }

    /** The peer, two threads. */
    @Benchmark
    @Threads(2)
    public void reentrantLockContended() {
        lock.lock();
        lock.unlock();
    }

    /** The shared mutex, two threads. */
    @Benchmark
    @Threads(2)
    public Errno shmMutexContended() {
        Errno r = mutex.lock();
        mutex.unlock();
        return r;
    }
}
