package io.courier.shm;

import static io.courier.shm.SharedMemory.MAP_SHARED;
import static io.courier.shm.SharedMemory.O_CREAT;
import static io.courier.shm.SharedMemory.O_RDONLY;
import static io.courier.shm.SharedMemory.O_RDWR;
import static io.courier.shm.SharedMemory.PROT_READ;
import static io.courier.shm.SharedMemory.PROT_WRITE;
import static io.courier.shm.SharedMemory.SHM_ANON;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * SPEC S4 across the JVMs of one node (issue 20): a handle made in one JVM for a process of
 * another opens there on the same bytes, with the rules of one JVM, and nothing is left in the
 * node folder or {@code /dev/shm} when a JVM dies.
 */
class NodeHandlesCrossJvmTest extends NodeShmTestSupport {
    private static final int RW = PROT_READ | PROT_WRITE;
    private static final Duration SWEEP = Duration.ofSeconds(5);

    private static void fails(Errno errno, Executable call) {
        KernelException e = assertThrows(KernelException.class, call);
        assertEquals(errno, e.errno(), e.getMessage());
    }

    @Test
    void s4AnAnonymousObjectHandedToAProcessOfAnotherJvmSharesItsBytesBothWays() throws Exception {
        Child b = child();
        SharedMemory a = SharedMemory.of(mk.process("server"));
        int fd = a.shmOpen(SHM_ANON, O_RDWR | O_CREAT, 0600);
        a.ftruncate(fd, 8192);
        Mapping ma = a.mmap(8192, RW, MAP_SHARED, fd, 0);
        ma.segment().set(JAVA_LONG, 0, 4242L);
        long handle = a.shmCreateHandle(fd, b.pid, O_RDWR, 0);
        a.close(fd);
        assertEquals(1, links().size(), "the object is linked into the node folder for the other JVM");

        long bfd = b.number(0, "open " + handle + " " + O_RDWR, "FD");
        assertTrue(links().isEmpty(), "the link moved into the opener's folder");
        long map = b.number(0, "map " + bfd + " 8192 " + RW, "MAP");
        assertEquals("OK", b.call(0, "close " + bfd));
        assertEquals("VALUE 4242", b.call(0, "get " + map + " 0"), "B sees what A wrote");
        assertEquals("OK", b.call(0, "put " + map + " 4096 77"));
        assertEquals(77L, ma.segment().get(JAVA_LONG, 4096), "A sees what B wrote");
        ma.segment().set(JAVA_LONG, 8, 99L);
        assertEquals("VALUE 99", b.call(0, "get " + map + " 8"));

        assertEquals("ERR " + Errno.EINVAL, b.call(0, "open " + handle + " " + O_RDWR), "single use");
    }

    @Test
    void s4ANamedObjectHandedFromAnotherJvmOpensHereOnTheSameBytes() throws Exception {
        Child b = child();
        SharedMemory a = SharedMemory.of(mk.process("client"));
        long bfd = b.number(0, "named /cross 4096", "FD");
        long map = b.number(0, "map " + bfd + " 4096 " + RW, "MAP");
        assertEquals("OK", b.call(0, "put " + map + " 16 31337"));
        long handle = b.number(0, "handle " + bfd + " " + a.kernel().pid() + " " + O_RDWR, "HANDLE");

        int fd = a.shmOpenHandle(handle, O_RDWR);
        assertEquals("/cross", a.fstat(fd).name());
        assertEquals(4096, a.fstat(fd).size());
        Mapping ma = a.mmap(4096, RW, MAP_SHARED, fd, 0);
        assertEquals(31337L, ma.segment().get(JAVA_LONG, 16));
        ma.segment().set(JAVA_LONG, 24, 5L);
        assertEquals("VALUE 5", b.call(0, "get " + map + " 24"));
        fails(Errno.EINVAL, () -> a.shmOpenHandle(handle, O_RDWR));
        assertTrue(links().isEmpty());
    }

    @Test
    void s4OnlyTheNamedProcessOpensAHandleAndNoWiderThanGranted() throws Exception {
        Child b = child();
        long other = b.number(0, "newproc", "PID");
        assertTrue(other > 0);
        SharedMemory a = SharedMemory.of(mk.process("server"));
        SharedMemory stranger = SharedMemory.of(mk.process("stranger"));
        int fd = a.shmOpen(SHM_ANON, O_RDWR | O_CREAT, 0600);
        a.ftruncate(fd, 4096);

        long handle = a.shmCreateHandle(fd, b.pid, O_RDONLY, 0);
        assertEquals("ERR " + Errno.EACCES, b.call(1, "open " + handle + " " + O_RDONLY), "another process of B");
        fails(Errno.EACCES, () -> stranger.shmOpenHandle(handle, O_RDONLY));
        fails(Errno.EACCES, () -> a.shmOpenHandle(handle, O_RDONLY));
        assertEquals("ERR " + Errno.EACCES, b.call(0, "open " + handle + " " + O_RDWR), "granted O_RDONLY only");
        long bfd = b.number(0, "open " + handle + " " + O_RDONLY, "FD");
        assertEquals("ERR " + Errno.EACCES, b.call(0, "map " + bfd + " 4096 " + RW), "no writable mapping");
        assertTrue(b.call(0, "map " + bfd + " 4096 " + PROT_READ).startsWith("MAP "));
        assertEquals("ERR " + Errno.EINVAL, b.call(0, "open " + handle + " " + O_RDONLY), "used already");
        assertEquals("ERR " + Errno.EINVAL, b.call(0, "open 12345 " + O_RDONLY), "never made");

        // A pid no living JVM of the node holds (member slot 63): no such process, as in one JVM.
        fails(Errno.ESRCH, () -> a.shmCreateHandle(fd, 0x7FFF_FFF0, O_RDWR, 0));
    }

    @Test
    void s4TheCreatorOrTheTargetDeletesAHandleOfAnotherJvmNobodyElse() throws Exception {
        Child b = child();
        b.number(0, "newproc", "PID");
        SharedMemory a = SharedMemory.of(mk.process("server"));
        SharedMemory stranger = SharedMemory.of(mk.process("stranger"));
        int fd = a.shmOpen(SHM_ANON, O_RDWR | O_CREAT, 0600);

        long byTarget = a.shmCreateHandle(fd, b.pid, O_RDWR, 0);
        long byCreator = a.shmCreateHandle(fd, b.pid, O_RDWR, 0);
        assertEquals(2, links().size());
        assertEquals("ERR " + Errno.EACCES, b.call(1, "delete " + byTarget));
        fails(Errno.EACCES, () -> stranger.shmDeleteHandle(byTarget));
        assertEquals("OK", b.call(0, "delete " + byTarget));
        assertEquals("ERR " + Errno.EINVAL, b.call(0, "open " + byTarget + " " + O_RDWR));
        a.shmDeleteHandle(byCreator);
        assertEquals("ERR " + Errno.EINVAL, b.call(0, "open " + byCreator + " " + O_RDWR));
        fails(Errno.EINVAL, () -> a.shmDeleteHandle(byCreator));
        assertTrue(links().isEmpty(), "deleted handles leave no link");
    }

    @Test
    void s4AHandleMadeByAJvmKilledBeforeTheOpenIsGoneWithItsFiles() throws Exception {
        Child b = child();
        SharedMemory a = SharedMemory.of(mk.process("client"));
        long bfd = b.number(0, "anon 4096", "FD");
        long handle = b.number(0, "handle " + bfd + " " + a.kernel().pid() + " " + O_RDWR, "HANDLE");
        Path folder = Path.of(b.call(0, "folder").substring("FOLDER ".length()));
        assertTrue(Files.isDirectory(folder), "B's private folder " + folder);
        assertEquals(1, links().size());

        b.kill9();
        await(SWEEP, "the dead creator's handle dropped", () -> links().isEmpty());
        fails(Errno.EINVAL, () -> a.shmOpenHandle(handle, O_RDWR));
        await(SWEEP, "the dead creator's private folder removed", () -> !Files.exists(folder));
    }

    @Test
    void s4AHandleForAJvmThatDiesIsDroppedAndTheCreatorKeepsItsObject() throws Exception {
        Child b = child();
        SharedMemory a = SharedMemory.of(mk.process("server"));
        int fd = a.shmOpen(SHM_ANON, O_RDWR | O_CREAT, 0600);
        a.ftruncate(fd, 4096);
        a.shmCreateHandle(fd, b.pid, O_RDWR, 0);
        assertEquals(1, links().size());
        b.kill9();
        await(SWEEP, "the dead target's handle dropped", () -> links().isEmpty());
        Mapping m = a.mmap(4096, RW, MAP_SHARED, fd, 0);
        m.segment().set(JAVA_LONG, 0, 1L);
        assertEquals(1L, m.segment().get(JAVA_LONG, 0));
    }

    @Test
    void s4AHandleForAProcessOfAnotherJvmThatExitsIsDropped() throws Exception {
        Child b = child();
        SharedMemory a = SharedMemory.of(mk.process("server"));
        int fd = a.shmOpen(SHM_ANON, O_RDWR | O_CREAT, 0600);
        long handle = a.shmCreateHandle(fd, b.pid, O_RDWR, 0);
        assertEquals("OK", b.call(0, "exitproc"));
        await(SWEEP, "the handle of the dead process dropped", () -> links().isEmpty());
        fails(Errno.EINVAL, () -> a.shmDeleteHandle(handle));
    }

    @Test
    void s4AHandleBetweenTwoProcessesOfThisJvmStaysInThisJvm() throws Exception {
        Kernel server = mk.process("server");
        SharedMemory a = SharedMemory.of(server);
        SharedMemory c = SharedMemory.of(mk.process("client"));
        int fd = a.shmOpen(SHM_ANON, O_RDWR | O_CREAT, 0600);
        a.ftruncate(fd, 4096);
        long handle = a.shmCreateHandle(fd, c.kernel().pid(), O_RDWR, 0);
        assertTrue(links().isEmpty(), "nothing in the node folder for a handle within the JVM");
        int cfd = c.shmOpenHandle(handle, O_RDWR);
        Mapping ma = a.mmap(4096, RW, MAP_SHARED, fd, 0);
        Mapping mc = c.mmap(4096, RW, MAP_SHARED, cfd, 0);
        mc.segment().set(JAVA_LONG, 0, 7L);
        assertEquals(7L, ma.segment().get(JAVA_LONG, 0));
        fails(Errno.EINVAL, () -> c.shmOpenHandle(handle, O_RDWR));
        assertFalse(server.pid() == c.kernel().pid());
    }

    @Test
    void s4AnUnlinkedNamedObjectCanStillBeHandedToAnotherJvm() throws Exception {
        Child b = child();
        SharedMemory a = SharedMemory.of(mk.process("server"));
        int fd = a.shmOpen("/going", O_RDWR | O_CREAT, 0600);
        a.ftruncate(fd, 4096);
        Mapping ma = a.mmap(4096, RW, MAP_SHARED, fd, 0);
        ma.segment().set(JAVA_LONG, 0, 11L);
        a.shmUnlink("/going");
        long handle = a.shmCreateHandle(fd, b.pid, O_RDWR, 0);
        long bfd = b.number(0, "open " + handle + " " + O_RDWR, "FD");
        long map = b.number(0, "map " + bfd + " 4096 " + RW, "MAP");
        assertEquals("VALUE 11", b.call(0, "get " + map + " 0"));
        a.close(fd);
        a.munmap(ma);
        assertEquals("OK", b.call(0, "put " + map + " 8 12"), "B's fd and mapping keep the bytes");
        assertEquals("VALUE 12", b.call(0, "get " + map + " 8"));
    }
}
