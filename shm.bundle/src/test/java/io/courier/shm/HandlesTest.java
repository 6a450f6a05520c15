package io.courier.shm;

import static io.courier.shm.SharedMemory.MAP_SHARED;
import static io.courier.shm.SharedMemory.O_CREAT;
import static io.courier.shm.SharedMemory.O_RDONLY;
import static io.courier.shm.SharedMemory.O_RDWR;
import static io.courier.shm.SharedMemory.PROT_READ;
import static io.courier.shm.SharedMemory.SHM_ANON;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import org.junit.jupiter.api.Test;

/** SPEC S4: anonymous objects, and handles that are single-use, for one pid, and grant no more than the creator has. */
class HandlesTest extends ShmTestSupport {

    @Test
    void s4AnonymousObjectsHaveNoNameAndAreDistinct() {
        SharedMemory a = shm("a");
        int fd1 = a.shmOpen(SHM_ANON, O_RDWR | O_CREAT, 0600);
        int fd2 = a.shmOpen(SHM_ANON, O_RDWR | O_CREAT, 0600);
        assertEquals("", a.fstat(fd1).name());
        assertNotEquals(a.fstat(fd1).ino(), a.fstat(fd2).ino());
        assertTrue(SharedMemory.list(mk).isEmpty(), "anonymous objects are not listed");
        fails(Errno.EINVAL, () -> a.shmOpen(SHM_ANON, O_RDWR, 0600));
    }

    @Test
    void s4AHandleLetsThatOneProcessMapTheObject() {
        SharedMemory server = shm("server");
        SharedMemory client = shm("client");
        int fd = server.shmOpen(SHM_ANON, O_RDWR | O_CREAT, 0600);
        server.ftruncate(fd, 4096);
        Mapping ms = server.mmap(4096, RW, MAP_SHARED, fd, 0);
        long handle = server.shmCreateHandle(fd, client.kernel().pid(), O_RDWR, 0);
        server.close(fd);
        int cfd = client.shmOpenHandle(handle, O_RDWR);
        Mapping mc = client.mmap(4096, RW, MAP_SHARED, cfd, 0);
        client.close(cfd);
        mc.segment().set(JAVA_LONG, 0, 99L);
        assertEquals(99L, ms.segment().get(JAVA_LONG, 0));
    }

    @Test
    void s4AHandleIsSingleUse() {
        SharedMemory server = shm("server");
        SharedMemory client = shm("client");
        int fd = server.shmOpen(SHM_ANON, O_RDWR | O_CREAT, 0600);
        long handle = server.shmCreateHandle(fd, client.kernel().pid(), O_RDWR, 0);
        client.shmOpenHandle(handle, O_RDWR);
        fails(Errno.EINVAL, () -> client.shmOpenHandle(handle, O_RDWR));
        fails(Errno.EINVAL, () -> client.shmOpenHandle(12345L, O_RDWR));
    }

    @Test
    void s4AHandleUsedByAnotherPidIsRefusedAndStaysForItsOwner() {
        SharedMemory server = shm("server");
        SharedMemory client = shm("client");
        SharedMemory thief = shm("thief");
        int fd = server.shmOpen(SHM_ANON, O_RDWR | O_CREAT, 0600);
        long handle = server.shmCreateHandle(fd, client.kernel().pid(), O_RDWR, 0);
        fails(Errno.EACCES, () -> thief.shmOpenHandle(handle, O_RDONLY));
        fails(Errno.EACCES, () -> server.shmOpenHandle(handle, O_RDWR));
        client.close(client.shmOpenHandle(handle, O_RDWR));
    }

    @Test
    void s4AHandleGrantsNoMoreThanTheCreatorHas() {
        SharedMemory server = shm("server");
        SharedMemory client = shm("client");
        int rw = server.shmOpen("/h", O_RDWR | O_CREAT, 0644);
        server.ftruncate(rw, 4096);
        int ro = server.shmOpen("/h", O_RDONLY, 0);
        fails(Errno.EACCES, () -> server.shmCreateHandle(ro, client.kernel().pid(), O_RDWR, 0));
        long handle = server.shmCreateHandle(ro, client.kernel().pid(), O_RDONLY, 0);
        fails(Errno.EACCES, () -> client.shmOpenHandle(handle, O_RDWR));
        int cfd = client.shmOpenHandle(handle, O_RDONLY);
        fails(Errno.EACCES, () -> client.mmap(4096, RW, MAP_SHARED, cfd, 0));
        client.mmap(4096, PROT_READ, MAP_SHARED, cfd, 0);
        fails(Errno.EBADF, () -> client.ftruncate(cfd, 8192));
    }

    @Test
    void s4BadArgumentsToShmCreateHandle() {
        SharedMemory server = shm("server");
        SharedMemory client = shm("client");
        int fd = server.shmOpen(SHM_ANON, O_RDWR | O_CREAT, 0600);
        int pid = client.kernel().pid();
        fails(Errno.EBADF, () -> server.shmCreateHandle(777, pid, O_RDWR, 0));
        fails(Errno.EINVAL, () -> server.shmCreateHandle(fd, pid, 3, 0));
        fails(Errno.EINVAL, () -> server.shmCreateHandle(fd, pid, O_RDWR, 1));
        fails(Errno.ESRCH, () -> server.shmCreateHandle(fd, 99_999, O_RDWR, 0));
        long h = server.shmCreateHandle(fd, pid, O_RDWR, 0);
        fails(Errno.EINVAL, () -> client.shmOpenHandle(h, 0x100));
    }

    @Test
    void s4AHandleKeepsTheObjectAliveUntilUsedOrDeleted() {
        SharedMemory server = shm("server");
        SharedMemory client = shm("client");
        int fd = server.shmOpen(SHM_ANON, O_RDWR | O_CREAT, 0600);
        server.ftruncate(fd, 4096);
        server.mmap(4096, RW, MAP_SHARED, fd, 0).segment().set(JAVA_LONG, 8, 5L);
        long handle = server.shmCreateHandle(fd, client.kernel().pid(), O_RDWR, 0);
        server.kernel().exit();
        int cfd = client.shmOpenHandle(handle, O_RDWR);
        assertEquals(5L, client.mmap(4096, RW, MAP_SHARED, cfd, 0).segment().get(JAVA_LONG, 8),
                "the bytes outlived the creator through the handle");
    }

    @Test
    void s4DeletingAHandleWithdrawsIt() {
        SharedMemory server = shm("server");
        SharedMemory client = shm("client");
        SharedMemory other = shm("other");
        int fd = server.shmOpen(SHM_ANON, O_RDWR | O_CREAT, 0600);
        long handle = server.shmCreateHandle(fd, client.kernel().pid(), O_RDWR, 0);
        fails(Errno.EACCES, () -> other.shmDeleteHandle(handle));
        server.shmDeleteHandle(handle);
        fails(Errno.EINVAL, () -> client.shmOpenHandle(handle, O_RDWR));
        fails(Errno.EINVAL, () -> server.shmDeleteHandle(handle));
    }

    @Test
    void s4TheTargetsDeathDropsItsHandles() {
        SharedMemory server = shm("server");
        SharedMemory client = shm("client");
        int fd = server.shmOpen(SHM_ANON, O_RDWR | O_CREAT, 0600);
        long handle = server.shmCreateHandle(fd, client.kernel().pid(), O_RDWR, 0);
        client.kernel().exit();
        fails(Errno.EINVAL, () -> server.shmDeleteHandle(handle));
    }
}
