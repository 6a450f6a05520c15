package io.courier.shm;

import static io.courier.shm.SharedMemory.MAP_FIXED;
import static io.courier.shm.SharedMemory.MAP_PRIVATE;
import static io.courier.shm.SharedMemory.MAP_SHARED;
import static io.courier.shm.SharedMemory.O_CREAT;
import static io.courier.shm.SharedMemory.O_RDONLY;
import static io.courier.shm.SharedMemory.O_RDWR;
import static io.courier.shm.SharedMemory.PROT_EXEC;
import static io.courier.shm.SharedMemory.PROT_NONE;
import static io.courier.shm.SharedMemory.PROT_READ;
import static io.courier.shm.SharedMemory.PROT_WRITE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** SPEC S2: mmap with offsets and protections; several mappings in several processes share the bytes; munmap. */
class MmapTest extends ShmTestSupport {

    @Test
    void s2MappingsInSeveralProcessesSeeTheSameBytes() {
        SharedMemory a = shm("a");
        SharedMemory b = shm("b");
        SharedMemory c = shm("c");
        Mapping ma = create(a, "/same", 8192);
        Mapping mb = open(b, "/same", 8192);
        Mapping mc = open(c, "/same", 4096);
        ma.segment().set(JAVA_LONG, 0, 0x1122334455667788L);
        assertEquals(0x1122334455667788L, mb.segment().get(JAVA_LONG, 0));
        assertEquals(0x1122334455667788L, mc.segment().get(JAVA_LONG, 0));
        mb.segment().set(JAVA_INT, 4096, 42);
        assertEquals(42, ma.segment().get(JAVA_INT, 4096));
    }

    @Test
    void s2AnOffsetMapsASubRangeOfTheObject() {
        SharedMemory a = shm("a");
        Mapping whole = create(a, "/sub", 3 * 4096);
        whole.segment().set(JAVA_INT, 2 * 4096 + 8, 7);
        int fd = a.shmOpen("/sub", O_RDWR, 0);
        Mapping tail = a.mmap(4096, RW, MAP_SHARED, fd, 2 * 4096);
        assertEquals(2 * 4096, tail.offset());
        assertEquals(4096, tail.length());
        assertEquals(7, tail.segment().get(JAVA_INT, 8));
        Mapping small = a.mmap(100, RW, MAP_SHARED, fd, 4096);
        assertEquals(100, small.segment().byteSize(), "the segment is as long as asked");
    }

    @Test
    void s2AReadOnlyMappingRefusesWrites() {
        SharedMemory a = shm("a");
        create(a, "/ro", 4096).segment().set(JAVA_INT, 0, 5);
        int fd = a.shmOpen("/ro", O_RDONLY, 0);
        Mapping ro = a.mmap(4096, PROT_READ, MAP_SHARED, fd, 0);
        assertEquals(5, ro.segment().get(JAVA_INT, 0));
        assertTrue(ro.segment().isReadOnly());
        IllegalArgumentException jdk = assertThrows(IllegalArgumentException.class,
                () -> ro.segment().set(JAVA_INT, 0, 6));
        assertTrue(jdk.getMessage().toLowerCase().contains("read-only"), jdk.getMessage());
        fails(Errno.EACCES, () -> ro.write(0, ByteBuffer.allocate(4)));
        fails(Errno.EACCES, () -> ro.initMutex(0, 0));
        fails(Errno.EACCES, () -> ShmAtomics.atomicAdd(ro.segment(), 0, 1));
        assertEquals(5, ro.segment().get(JAVA_INT, 0));
    }

    @Test
    void s2AWritableSharedMappingNeedsAnFdOpenedReadWrite() {
        SharedMemory a = shm("a");
        create(a, "/rw", 4096);
        int ro = a.shmOpen("/rw", O_RDONLY, 0);
        fails(Errno.EACCES, () -> a.mmap(4096, RW, MAP_SHARED, ro, 0));
        Mapping priv = a.mmap(4096, RW, MAP_PRIVATE, ro, 0);
        priv.segment().set(JAVA_INT, 0, 9);
        int rw = a.shmOpen("/rw", O_RDWR, 0);
        assertEquals(0, a.mmap(4096, PROT_READ, MAP_SHARED, rw, 0).segment().get(JAVA_INT, 0),
                "a private mapping's writes stay private");
    }

    @Test
    void s2OffsetsMustBePageAlignedAndTheRangeInsideTheObject() {
        SharedMemory a = shm("a");
        create(a, "/bounds", 8192);
        int fd = a.shmOpen("/bounds", O_RDWR, 0);
        fails(Errno.EINVAL, () -> a.mmap(4096, RW, MAP_SHARED, fd, 100));
        fails(Errno.EINVAL, () -> a.mmap(4096, RW, MAP_SHARED, fd, -4096));
        fails(Errno.EINVAL, () -> a.mmap(0, RW, MAP_SHARED, fd, 0));
        fails(Errno.EINVAL, () -> a.mmap(-1, RW, MAP_SHARED, fd, 0));
        fails(Errno.ENXIO, () -> a.mmap(8193, RW, MAP_SHARED, fd, 0));
        fails(Errno.ENXIO, () -> a.mmap(4097, RW, MAP_SHARED, fd, 4096));
        fails(Errno.ENXIO, () -> a.mmap(4096, RW, MAP_SHARED, fd, 3 * 4096));
        fails(Errno.ENXIO, () -> a.mmap(Long.MAX_VALUE, RW, MAP_SHARED, fd, 4096));
        a.mmap(4096, RW, MAP_SHARED, fd, 4096);
    }

    @Test
    void s2BadProtAndFlagsAreRefused() {
        SharedMemory a = shm("a");
        create(a, "/flags", 4096);
        int fd = a.shmOpen("/flags", O_RDWR, 0);
        fails(Errno.ENOTSUP, () -> a.mmap(4096, PROT_NONE, MAP_SHARED, fd, 0));
        fails(Errno.ENOTSUP, () -> a.mmap(4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0));
        fails(Errno.EINVAL, () -> a.mmap(4096, 0x8000, MAP_SHARED, fd, 0));
        fails(Errno.EINVAL, () -> a.mmap(4096, RW, 0, fd, 0));
        fails(Errno.EINVAL, () -> a.mmap(4096, RW, MAP_SHARED | MAP_PRIVATE, fd, 0));
        fails(Errno.ENOTSUP, () -> a.mmap(4096, RW, MAP_SHARED | MAP_FIXED, fd, 0));
        fails(Errno.EINVAL, () -> a.mmap(4096, RW, MAP_SHARED | 0x100000, fd, 0));
        fails(Errno.EBADF, () -> a.mmap(4096, RW, MAP_SHARED, 999, 0));
    }

    @Test
    void s2AWriteOnlyMappingIsReadableToo() {
        SharedMemory a = shm("a");
        create(a, "/wo", 4096);
        int fd = a.shmOpen("/wo", O_RDWR, 0);
        Mapping m = a.mmap(4096, PROT_WRITE, MAP_SHARED, fd, 0);
        m.segment().set(JAVA_INT, 0, 3);
        assertEquals(3, m.segment().get(JAVA_INT, 0));
    }

    @Test
    void s2MunmapMakesTheSegmentUnusableAndASecondMunmapIsEinval() {
        SharedMemory a = shm("a");
        Mapping m = create(a, "/unmap", 4096);
        MemorySegment seg = m.segment();
        a.munmap(m);
        assertFalse(m.isMapped());
        assertThrows(IllegalStateException.class, () -> seg.get(JAVA_INT, 0));
        fails(Errno.EFAULT, () -> m.write(0, ByteBuffer.allocate(1)));
        fails(Errno.EINVAL, () -> a.munmap(m));
        fails(Errno.EINVAL, () -> shm("other").munmap(open(a, "/unmap", 4096)));
    }

    @Test
    void s2WriteAndReadCopyBuffersAndSegmentsInAndOut() {
        SharedMemory a = shm("a");
        Mapping m = create(a, "/copy", 4096);
        ByteBuffer src = ByteBuffer.wrap("xhello".getBytes(StandardCharsets.US_ASCII));
        src.position(1);
        m.write(10, src);
        assertEquals(1, src.position(), "the source position is left alone");
        ByteBuffer dst = ByteBuffer.allocate(5);
        m.read(10, dst);
        assertEquals(5, dst.position(), "the destination position advances");
        assertEquals("hello", new String(dst.array(), StandardCharsets.US_ASCII));
        byte[] bytes = new byte[5];
        m.segment().asSlice(10, 5).asByteBuffer().get(bytes);
        assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), bytes, "the segment holds what was written");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment big = arena.allocate(4096);
            big.fill((byte) 1);
            m.write(0, big);
            MemorySegment back = arena.allocate(4096);
            m.read(0, back);
            assertEquals(-1, back.mismatch(big));
        }
        fails(Errno.EFAULT, () -> m.write(4090, ByteBuffer.allocate(7)));
        fails(Errno.EFAULT, () -> m.read(-1, ByteBuffer.allocate(1)));
        fails(Errno.EFAULT, () -> m.read(0, ByteBuffer.allocate(1).asReadOnlyBuffer()));
    }

    @Test
    void s2ObjectsAreRealFilesSoAPlainFileChannelSeesTheBytes() throws Exception {
        SharedMemory a = shm("a");
        Mapping m = create(a, "/file", 4096);
        m.segment().set(JAVA_INT, 0, 0x01020304);
        java.nio.file.Path file = SharedMemory.directory(mk).resolve("file");
        assertTrue(java.nio.file.Files.isRegularFile(file), file + " exists");
        try (var ch = java.nio.channels.FileChannel.open(file)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder());
            ch.read(b, 0);
            assertEquals(0x01020304, b.getInt(0));
        }
        assertTrue(file.toString().startsWith("/dev/shm/"), "backed by the memory file system: " + file);
    }

    /**
     * A thread whose interrupt is set calls fstat, ftruncate and mmap on an object that another
     * process has open: each call works and keeps the interrupt, and the object goes on working
     * for the other process. A file channel is closed for everyone when an interrupted thread is
     * inside one of its operations: the interrupt of one process's thread (a user stopping its
     * follower while it looked at the object) left the object failing with EIO for every
     * process, the creator's close among them.
     */
    @Test
    void s2AnInterruptedCallerBreaksTheObjectForNoOtherProcess() throws Exception {
        SharedMemory a = shm("a");
        SharedMemory b = shm("b");
        Mapping ma = create(a, "/interrupted", 4096);
        int fd = b.shmOpen("/interrupted", O_RDWR, 0);
        java.util.concurrent.CompletableFuture<String> seen = new java.util.concurrent.CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                Thread.currentThread().interrupt();
                long size = b.fstat(fd).size();
                b.ftruncate(fd, 2 * 4096);
                Mapping mb = b.mmap(2 * 4096, RW, MAP_SHARED, fd, 0);
                seen.complete(size + " " + b.fstat(fd).size() + " " + mb.segment().byteSize() + " interrupt kept "
                        + Thread.currentThread().isInterrupted());
            } catch (Throwable e) {
                seen.completeExceptionally(e);
            }
        });
        assertEquals("4096 8192 8192 interrupt kept true", seen.get(10, java.util.concurrent.TimeUnit.SECONDS));
        int again = a.shmOpen("/interrupted", O_RDWR, 0);
        assertEquals(2 * 4096, a.fstat(again).size(), "the object still answers the other process");
        a.ftruncate(again, 3 * 4096);
        assertEquals(3 * 4096, b.fstat(fd).size());
        ma.segment().set(JAVA_INT, 0, 9);
        assertEquals(9, a.mmap(4096, RW, MAP_SHARED, again, 0).segment().get(JAVA_INT, 0));
    }
}
