package io.courier.examples.rmfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Credentials;
import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.resmgr.DirEntry;
import io.courier.resmgr.IoWriteLayout;
import io.courier.resmgr.Mode;
import io.courier.resmgr.OpenFlags;
import io.courier.resmgr.Resmgr;
import io.courier.resmgr.Stat;
import io.courier.resmgr.internal.osgi.ResmgrCommands;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/** SPEC R1-R3, R5 through the in-memory filesystem example: directories, files, permissions, Gogo. */
@Timeout(60)
class RamFsTest {
    private Microkernel mk;
    private Resmgr client;
    private RamFsComponent component;

    @BeforeEach
    void boot() {
        mk = Microkernel.boot();
        component = new RamFsComponent(Resmgr.of(mk.process("example-rm-fs")));
        client = Resmgr.of(mk.process("client"));
    }

    @AfterEach
    void close() {
        mk.close();
    }

    private static void fails(Errno errno, Executable call) {
        KernelException e = assertThrows(KernelException.class, call);
        assertEquals(errno, e.errno(), e.getMessage());
    }

    private void put(String path, String text) {
        int fd = client.open(path, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_TRUNC, 0644);
        client.write(fd, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        client.close(fd);
    }

    private String get(String path) {
        int fd = client.open(path, OpenFlags.O_RDONLY);
        ByteBuffer buf = ByteBuffer.allocate(1024);
        while (client.read(fd, buf) > 0) {
            // until the end
        }
        client.close(fd);
        return StandardCharsets.UTF_8.decode(buf.flip()).toString();
    }

    private List<String> ls(String path) {
        return client.readdir(path).stream().map(DirEntry::name).toList();
    }

    @Test
    void directoriesHoldFilesAndDirectories() {
        client.mkdir("/ramfs/docs", 0755);
        client.mkdir("/ramfs/docs/old", 0755);
        put("/ramfs/docs/readme", "read me\n");
        put("/ramfs/top", "top\n");
        assertEquals(List.of("docs", "top"), ls("/ramfs"));
        assertEquals(List.of("old", "readme"), ls("/ramfs/docs"));
        assertEquals(List.of(), ls("/ramfs/docs/old"));
        assertEquals("read me\n", get("/ramfs/docs/readme"));
        Stat st = client.stat("/ramfs/docs");
        assertTrue(st.isDirectory());
        assertEquals(Mode.S_IFDIR | 0755, st.mode());
        assertEquals(3, st.nlink(), "itself, its entry and old's ..");
        assertEquals(8, client.stat("/ramfs/docs/readme").size());
        assertTrue(ls("/").contains("ramfs"), "the mount point shows in /");
        fails(Errno.EEXIST, () -> client.mkdir("/ramfs/docs", 0755));
        fails(Errno.ENOENT, () -> client.mkdir("/ramfs/none/sub", 0755));
        fails(Errno.ENOTDIR, () -> client.mkdir("/ramfs/top/sub", 0755));
        fails(Errno.ENOTDIR, () -> client.readdir("/ramfs/top"));
        fails(Errno.EISDIR, () -> client.open("/ramfs/docs", OpenFlags.O_RDWR));
    }

    @Test
    void filesGrowSeekTruncateAndAppend() {
        int fd = client.open("/ramfs/f", OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_EXCL, 0600);
        client.write(fd, ByteBuffer.wrap("0123456789".getBytes(StandardCharsets.UTF_8)));
        client.lseek(fd, 20, Resmgr.SEEK_SET);
        client.write(fd, ByteBuffer.wrap("X".getBytes(StandardCharsets.UTF_8)));
        assertEquals(21, client.stat(fd).size());
        client.lseek(fd, 8, Resmgr.SEEK_SET);
        ByteBuffer b = ByteBuffer.allocate(4);
        assertEquals(4, client.read(fd, b));
        assertEquals("89\0\0", new String(b.array(), StandardCharsets.UTF_8), "a hole reads as zeros");
        client.close(fd);
        fails(Errno.EEXIST, () -> client.open("/ramfs/f", OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_EXCL));
        int ap = client.open("/ramfs/f", OpenFlags.O_WRONLY | OpenFlags.O_APPEND);
        client.write(ap, ByteBuffer.wrap("!".getBytes(StandardCharsets.UTF_8)));
        client.close(ap);
        assertEquals(22, client.stat("/ramfs/f").size());
        put("/ramfs/f", "short");
        assertEquals("short", get("/ramfs/f"), "O_TRUNC emptied it first");
    }

    /** SPEC R2: a write whose header claims more than it carries neither cuts the file nor grows it. */
    @Test
    void r2AWriteClaimingMoreThanItCarriesIsEbadmsgAndTheFileStaysAsItWas() {
        put("/ramfs/f", "abc");
        int fd = client.open("/ramfs/f", OpenFlags.O_WRONLY);
        ByteBuffer w = ByteBuffer.allocate(IoWriteLayout.SIZE + 3).order(ByteOrder.nativeOrder());
        IoWriteLayout.put(w, 0, RamFs.FILE_MAX);
        w.put(IoWriteLayout.SIZE, "xyz".getBytes(StandardCharsets.UTF_8));
        fails(Errno.EBADMSG, () -> client.kernel().msgSend(fd, w, null));
        IoWriteLayout.put(w, 0, -1);
        fails(Errno.EBADMSG, () -> client.kernel().msgSend(fd, w, null));
        client.close(fd);
        assertEquals(3, client.stat("/ramfs/f").size());
        assertEquals("abc", get("/ramfs/f"));
    }

    @Test
    void unlinkRemovesEntriesButNotDirectoriesWithEntries() {
        client.mkdir("/ramfs/d", 0755);
        put("/ramfs/d/x", "x");
        fails(Errno.ENOTEMPTY, () -> client.unlink("/ramfs/d"));
        client.unlink("/ramfs/d/x");
        client.unlink("/ramfs/d");
        assertEquals(List.of(), ls("/ramfs"));
        fails(Errno.ENOENT, () -> client.unlink("/ramfs/d"));
        fails(Errno.EBUSY, () -> client.unlink("/ramfs"));
    }

    @Test
    void permissionsAndOwnershipFollowTheClient() {
        Resmgr alice = Resmgr.of(mk.process("alice", new Credentials(1000, 1000)));
        Resmgr bob = Resmgr.of(mk.process("bob", new Credentials(2000, 2000)));
        alice.mkdir("/ramfs/alice", 0700);
        assertEquals(1000, client.stat("/ramfs/alice").uid(), "new entries belong to their maker");
        int fd = alice.open("/ramfs/alice/diary", OpenFlags.O_WRONLY | OpenFlags.O_CREAT, 0600);
        alice.close(fd);
        fails(Errno.EACCES, () -> bob.open("/ramfs/alice/diary", OpenFlags.O_RDONLY));
        fails(Errno.EACCES, () -> bob.open("/ramfs/alice/new", OpenFlags.O_WRONLY | OpenFlags.O_CREAT));
        fails(Errno.EACCES, () -> bob.readdir("/ramfs/alice"));
        fails(Errno.EACCES, () -> bob.unlink("/ramfs/alice/diary"));
        client.close(client.open("/ramfs/alice/diary", OpenFlags.O_RDWR));
    }

    @Test
    void theGogoCommandsListReadAndWriteIt() {
        ResmgrCommands shell = new ResmgrCommands(Resmgr.of(mk.process("gogo")));
        shell.write("/ramfs/notes", "hello", "ramfs");
        client.mkdir("/ramfs/sub", 0750);
        assertEquals("hello ramfs\n", shell.cat("/ramfs/notes"));
        String ls = shell.ls("/ramfs");
        assertTrue(ls.contains("-rw-rw-rw-     0     0       12 notes\n"), ls);
        assertTrue(ls.contains("drwxr-x---     0     0        0 sub/\n"), ls);
    }

    @Test
    void stoppingTheBundleTakesTheFilesystemAway() {
        put("/ramfs/f", "x");
        int fd = client.open("/ramfs/f", OpenFlags.O_RDONLY);
        component.deactivate();
        assertFalse(component.attachment().attached());
        fails(Errno.ENOENT, () -> client.open("/ramfs/f", OpenFlags.O_RDONLY));
        fails(Errno.EBADF, () -> client.read(fd, ByteBuffer.allocate(1)));
        client.close(fd);
    }
}
