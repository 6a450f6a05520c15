package io.courier.benchmarks.shm;

import io.courier.kernel.Microkernel;
import io.courier.shm.Mapping;
import io.courier.shm.SharedMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * 1 MiB copied into and out of a shared memory mapping (a {@code /dev/shm} file mapped with
 * {@code FileChannel.map}) against the peer, the same copy between two plain native
 * {@link MemorySegment}s. The goal: the mapping copies at 0.8 times the raw rate or better.
 * The {@code write}/{@code read} forms go through {@link Mapping}'s checked helpers.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ShmCopyBenchmark {
    static final long SIZE = 1 << 20;

    private Microkernel mk;
    private Arena arena;
    private SharedMemory shm;
    private Mapping mapping;
    private MemorySegment mapped;
    private MemorySegment src;
    private MemorySegment dst;

    @Setup(Level.Trial)
    public void setUp() {
        mk = Microkernel.boot();
        shm = SharedMemory.of(mk.process("bench"));
        int fd = shm.shmOpen("/copy", SharedMemory.O_RDWR | SharedMemory.O_CREAT, 0600);
        shm.ftruncate(fd, SIZE);
        mapping = shm.mmap(SIZE, SharedMemory.PROT_READ | SharedMemory.PROT_WRITE, SharedMemory.MAP_SHARED, fd, 0);
        shm.close(fd);
        mapped = mapping.segment();
        arena = Arena.ofShared();
        src = arena.allocate(SIZE, 4096);
        dst = arena.allocate(SIZE, 4096);
        for (long i = 0; i < SIZE; i += 8) {
            src.set(java.lang.foreign.ValueLayout.JAVA_LONG, i, i * 0x9E3779B97F4A7C15L);
        }
        // Touch every page once so the benchmark measures copies, not first faults.
        MemorySegment.copy(src, 0, mapped, 0, SIZE);
        MemorySegment.copy(src, 0, dst, 0, SIZE);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        shm.munmap(mapping);
        shm.shmUnlink("/copy");
        arena.close();
        mk.close();
    }

    /** The peer: native segment to native segment. */
    @Benchmark
    public MemorySegment rawSegmentCopy() {
        MemorySegment.copy(src, 0, dst, 0, SIZE);
        return dst;
    }

    /** Into the mapping. */
    @Benchmark
    public MemorySegment copyIntoMapping() {
        MemorySegment.copy(src, 0, mapped, 0, SIZE);
        return mapped;
    }

    /** Out of the mapping. */
    @Benchmark
    public MemorySegment copyOutOfMapping() {
        MemorySegment.copy(mapped, 0, dst, 0, SIZE);
        return dst;
    }

    /** Into the mapping through {@link Mapping#write(long, MemorySegment)} (checked). */
    @Benchmark
    public Mapping writeIntoMapping() {
        mapping.write(0, src);
        return mapping;
    }

    /** Out of the mapping through {@link Mapping#read(long, MemorySegment)} (checked). */
    @Benchmark
    public MemorySegment readOutOfMapping() {
        mapping.read(0, dst);
        return dst;
    }
}
