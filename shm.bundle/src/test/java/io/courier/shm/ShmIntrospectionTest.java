package io.courier.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SPEC B6 (the web view's data): {@link SharedMemory#mappings} lists each process's live
 * mappings, named and anonymous, and forgets them on munmap and process death;
 * {@link SharedMemory#objects} the named objects; neither makes anything on a kernel that never
 * used shared memory.
 */
class ShmIntrospectionTest extends ShmTestSupport {

    @Test
    void b6MappingsShowWhoMapsWhatUntilUnmapOrDeath() {
        Kernel writer = mk.process("writer");
        SharedMemory w = SharedMemory.of(writer);
        int fd = w.shmOpen("/config", SharedMemory.O_RDWR | SharedMemory.O_CREAT, 0640);
        w.ftruncate(fd, 3 * SharedMemory.PAGE_SIZE);
        Mapping whole = w.mmap(3 * SharedMemory.PAGE_SIZE, RW, SharedMemory.MAP_SHARED, fd, 0);
        long ino = w.fstat(fd).ino();
        SharedMemory r = shm("reader");
        int rfd = r.shmOpen("/config", SharedMemory.O_RDONLY, 0);
        Mapping tail = r.mmap(SharedMemory.PAGE_SIZE, SharedMemory.PROT_READ, SharedMemory.MAP_SHARED, rfd,
                2 * SharedMemory.PAGE_SIZE);
        int anon = w.shmOpen(SharedMemory.SHM_ANON, SharedMemory.O_RDWR | SharedMemory.O_CREAT, 0600);
        w.ftruncate(anon, SharedMemory.PAGE_SIZE);
        w.mmap(SharedMemory.PAGE_SIZE, RW, SharedMemory.MAP_PRIVATE, anon, 0);

        assertEquals(List.of("/config"), SharedMemory.objects(mk).stream().map(ShmStat::name).toList());
        List<MappingInfo> maps = SharedMemory.mappings(mk);
        assertEquals(3, maps.size(), maps.toString());
        assertEquals(new MappingInfo(writer.pid(), "", w.fstat(anon).ino(), 0, SharedMemory.PAGE_SIZE, RW,
                SharedMemory.MAP_PRIVATE), maps.get(0));
        assertEquals(new MappingInfo(writer.pid(), "/config", ino, 0, 3 * SharedMemory.PAGE_SIZE, RW,
                SharedMemory.MAP_SHARED), maps.get(1));
        assertEquals(new MappingInfo(r.kernel().pid(), "/config", ino, 2 * SharedMemory.PAGE_SIZE,
                SharedMemory.PAGE_SIZE, SharedMemory.PROT_READ, SharedMemory.MAP_SHARED), maps.get(2));

        w.munmap(whole);
        assertEquals(2, SharedMemory.mappings(mk).size());
        writer.exit();
        assertEquals(List.of(new MappingInfo(r.kernel().pid(), "/config", ino, 2 * SharedMemory.PAGE_SIZE,
                SharedMemory.PAGE_SIZE, SharedMemory.PROT_READ, SharedMemory.MAP_SHARED)), SharedMemory.mappings(mk));
        r.munmap(tail);
        assertEquals(List.of(), SharedMemory.mappings(mk));
    }

    @Test
    void b6ObjectsAndMappingsOfAKernelWithoutSharedMemoryAreNoneAndMakeNoManager() {
        try (Microkernel quiet = Microkernel.boot()) {
            quiet.process("plain");
            assertEquals(List.of(), SharedMemory.mappings(quiet));
            assertEquals(List.of(), SharedMemory.objects(quiet));
            assertEquals(1, quiet.processes().size(), "no shm manager process was made");
        }
    }
}
