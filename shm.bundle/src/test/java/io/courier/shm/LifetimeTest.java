package io.courier.shm;

import static io.courier.shm.SharedMemory.MAP_SHARED;
import static io.courier.shm.SharedMemory.O_CREAT;
import static io.courier.shm.SharedMemory.O_RDWR;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Credentials;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SPEC S3: shm_unlink, reference counting, cleanup at process death, and the /dev/shmem listing. */
class LifetimeTest extends ShmTestSupport {

    @Test
    void s3TheBytesLiveWhileAMappingRefersToTheObjectAfterUnlinkAndClose() {
        SharedMemory a = shm("a");
        SharedMemory b = shm("b");
        Mapping ma = create(a, "/refs", 4096);
        Mapping mb = open(b, "/refs", 4096);
        ma.segment().set(JAVA_INT, 0, 11);
        a.shmUnlink("/refs");
        fails(Errno.ENOENT, () -> b.shmOpen("/refs", O_RDWR, 0));
        fails(Errno.ENOENT, () -> a.shmUnlink("/refs"));
        assertEquals(11, mb.segment().get(JAVA_INT, 0), "the mapping keeps the object");
        mb.segment().set(JAVA_INT, 0, 12);
        assertEquals(12, ma.segment().get(JAVA_INT, 0), "still one object");
        a.munmap(ma);
        assertEquals(12, mb.segment().get(JAVA_INT, 0));
        b.munmap(mb);
    }

    @Test
    void s3AnFdKeepsAnUnlinkedObjectAndANewObjectCanTakeItsName() {
        SharedMemory a = shm("a");
        int fd = a.shmOpen("/reuse", O_RDWR | O_CREAT, 0600);
        a.ftruncate(fd, 4096);
        long ino = a.fstat(fd).ino();
        a.shmUnlink("/reuse");
        int fresh = a.shmOpen("/reuse", O_RDWR | O_CREAT | SharedMemory.O_EXCL, 0600);
        assertNotEquals(ino, a.fstat(fresh).ino(), "another object");
        assertEquals(0, a.fstat(fresh).size());
        Mapping old = a.mmap(4096, RW, MAP_SHARED, fd, 0);
        old.segment().set(JAVA_INT, 0, 1);
        a.close(fd);
        assertEquals(1, old.segment().get(JAVA_INT, 0));
    }

    @Test
    void s3TheNameAloneKeepsTheObjectAndItsBytes() {
        SharedMemory a = shm("a");
        Mapping m = create(a, "/named", 4096);
        m.segment().set(JAVA_INT, 0, 77);
        a.munmap(m);
        a.kernel().exit();
        SharedMemory b = shm("b");
        assertEquals(77, open(b, "/named", 4096).segment().get(JAVA_INT, 0));
    }

    @Test
    void s3ProcessDeathClosesItsFdsAndUnmapsItsMappings() throws Exception {
        Kernel k = mk.process("doomed");
        SharedMemory a = SharedMemory.of(k);
        Mapping m = create(a, "/doomed", 4096);
        int fd = a.shmOpen("/doomed", O_RDWR, 0);
        SharedMemory anon = a;
        int anonFd = anon.shmOpen(SharedMemory.SHM_ANON, O_RDWR | O_CREAT, 0600);
        anon.ftruncate(anonFd, 4096);
        Mapping anonMap = anon.mmap(4096, RW, MAP_SHARED, anonFd, 0);
        k.exit();
        assertFalse(m.isMapped());
        assertFalse(anonMap.isMapped());
        fails(Errno.EFAULT, () -> m.write(0, java.nio.ByteBuffer.allocate(1)));
        assertTrue(mk.connections().stream().noneMatch(c -> c.pid() == k.pid()), "no fd " + fd + " left");
        fails(Errno.ESRCH, () -> a.shmOpen("/doomed", O_RDWR, 0));
        assertEquals(List.of("/doomed"), SharedMemory.list(mk).stream().map(ShmStat::name).toList(),
                "the name stays until unlinked");
    }

    @Test
    void s3TheListingShowsNamedObjectsWithSizesModesAndOwners() {
        SharedMemory a = SharedMemory.of(mk.process("a", new Credentials(7, 8)));
        int fd = a.shmOpen("/b-second", O_RDWR | O_CREAT, 0640);
        a.ftruncate(fd, 5000);
        a.close(a.shmOpen("/a-first", O_RDWR | O_CREAT, 0600));
        a.close(a.shmOpen(SharedMemory.SHM_ANON, O_RDWR | O_CREAT, 0600));
        List<ShmStat> ls = SharedMemory.list(mk);
        assertEquals(List.of("/a-first", "/b-second"), ls.stream().map(ShmStat::name).toList(),
                "named objects only, sorted");
        ShmStat second = ls.get(1);
        assertEquals(8192, second.size());
        assertEquals(0640, second.mode());
        assertEquals(7, second.uid());
        assertEquals(8, second.gid());
        a.shmUnlink("/a-first");
        assertEquals(1, SharedMemory.list(mk).size());
    }

    @Test
    void s3ClosingTheKernelUnmapsEverythingAndRemovesItsFolder() {
        Microkernel other = Microkernel.boot();
        SharedMemory a = SharedMemory.of(other.process("a"));
        Mapping m = create(a, "/gone", 4096);
        Path dir = SharedMemory.directory(other);
        assertTrue(Files.isDirectory(dir));
        other.close();
        assertFalse(m.isMapped());
        assertFalse(Files.exists(dir), dir + " is removed");
        assertFalse(Files.exists(dir.getParent()), "and its private parent");
    }

    @Test
    void s3TheManagerIsAProcessOfTheKernel() {
        SharedMemory a = shm("a");
        a.close(a.shmOpen("/x", O_RDWR | O_CREAT, 0600));
        assertTrue(mk.processes().stream().anyMatch(p -> p.name().equals("shm")), "the shm manager runs as a process");
    }
}
