package io.courier.resmgr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SPEC R1: resmgrAttach/resmgrDetach, longest-prefix resolution, several managers, directories, process death. */
class PathnameSpaceTest extends ResmgrTestSupport {

    @Test
    void r1AttachPutsThePathInTheSpaceAndDetachTakesItOut() {
        Resmgr server = process("server");
        Resmgr client = process("client");
        Devices.TextFile dev = new Devices.TextFile("hi\n");
        ResmgrAttachment a = server.resmgrAttach("/dev/sample", dev);
        assertTrue(a.attached());
        assertEquals("/dev/sample", a.path());
        int fd = client.open("/dev/sample", OpenFlags.O_RDONLY);
        assertEquals("hi\n", readAll(client, fd));
        client.close(fd);
        assertTrue(names(client.readdir("/dev")).contains("sample"));

        server.resmgrDetach(a);
        assertFalse(a.attached());
        fails(Errno.ENOENT, () -> client.open("/dev/sample", OpenFlags.O_RDONLY));
        assertFalse(names(client.readdir("/dev")).contains("sample"));
        fails(Errno.EINVAL, () -> server.resmgrDetach(a));
    }

    @Test
    void r1TheLongestMatchingPrefixResolvesByWholeComponents() {
        Resmgr server = process("server");
        Resmgr client = process("client");
        Devices.Dir outer = new Devices.Dir("x", "b");
        Devices.TextFile inner = new Devices.TextFile("inner");
        server.resmgrAttach("/a", ResmgrFlags.DIR, new IoAttr(Mode.S_IFDIR | 0755, 0, 0), outer);
        server.resmgrAttach("/a/b", inner);

        int fd = client.open("/a/b", OpenFlags.O_RDONLY);
        assertEquals("inner", readAll(client, fd), "/a/b is the longer prefix");
        client.close(fd);
        fd = client.open("/a/x", OpenFlags.O_RDONLY);
        assertEquals(List.of("x"), outer.paths.stream().filter(p -> !p.isEmpty()).toList(),
                "the directory manager got the path relative to its mount point");
        client.close(fd);
        // /a/bb is not under /a/b: whole components only.
        fails(Errno.ENOENT, () -> client.open("/a/bb", OpenFlags.O_RDONLY));
        assertTrue(outer.paths.contains("bb"));
        // A non-directory attachment matches only its own path: /a/b/c goes to /a, which has no b/c.
        fails(Errno.ENOENT, () -> client.open("/a/b/c", OpenFlags.O_RDONLY));
        assertTrue(outer.paths.contains("b/c"));
    }

    @Test
    void r1SeveralManagersOnOnePathResolveNewestFirstAndEnoentPassesOn() {
        Resmgr one = process("one");
        Resmgr two = process("two");
        Resmgr client = process("client");
        IoAttr dir = new IoAttr(Mode.S_IFDIR | 0755, 0, 0);
        Devices.Dir older = new Devices.Dir("shared", "only-old");
        Devices.Dir newer = new Devices.Dir("shared", "only-new");
        one.resmgrAttach("/union", ResmgrFlags.DIR, dir, older);
        two.resmgrAttach("/union", ResmgrFlags.DIR, new IoAttr(Mode.S_IFDIR | 0755, 0, 0), newer);

        int fd = client.open("/union/shared", OpenFlags.O_RDONLY);
        assertEquals(two.kernel().pid(), client.kernel().connectServerInfo(fd).pid(), "the newest resolves first");
        client.close(fd);
        fd = client.open("/union/only-old", OpenFlags.O_RDONLY);
        assertEquals(one.kernel().pid(), client.kernel().connectServerInfo(fd).pid(),
                "the newer manager's ENOENT passed the path on");
        client.close(fd);
        assertEquals(List.of("only-new", "shared", "only-old"), names(client.readdir("/union")),
                "a union directory lists both, without duplicates, newest first");
    }

    @Test
    void r1BeforeAfterAndOpaqueOrderTheManagersOfOnePath() {
        Resmgr a = process("a");
        Resmgr b = process("b");
        Resmgr c = process("c");
        Resmgr client = process("client");
        a.resmgrAttach("/p", ResmgrFlags.DIR | ResmgrFlags.BEFORE, new IoAttr(Mode.S_IFDIR | 0755, 0, 0),
                new Devices.Dir("f"));
        b.resmgrAttach("/p", ResmgrFlags.DIR, new IoAttr(Mode.S_IFDIR | 0755, 0, 0), new Devices.Dir("f", "g"));
        int fd = client.open("/p/f", OpenFlags.O_RDONLY);
        assertEquals(a.kernel().pid(), client.kernel().connectServerInfo(fd).pid(), "BEFORE beats a newer plain one");
        client.close(fd);

        c.resmgrAttach("/p/q", ResmgrFlags.DIR | ResmgrFlags.OPAQUE, new IoAttr(Mode.S_IFDIR | 0755, 0, 0),
                new Devices.Dir());
        Devices.Dir catchAll = new Devices.Dir("q/z");
        b.resmgrAttach("/p", ResmgrFlags.DIR | ResmgrFlags.AFTER, new IoAttr(Mode.S_IFDIR | 0755, 0, 0), catchAll);
        fails(Errno.ENOENT, () -> client.open("/p/q/z", OpenFlags.O_RDONLY));
        assertFalse(catchAll.paths.contains("q/z"), "an OPAQUE manager's ENOENT stops resolution");
        fails(Errno.EINVAL, () -> a.resmgrAttach("/x", ResmgrFlags.BEFORE | ResmgrFlags.AFTER,
                new IoAttr(Mode.S_IFCHR | 0666, 0, 0), new Devices.TextFile("")));
    }

    @Test
    void r1DirectoriesHoldTheMountPointsBelowThem() {
        Resmgr server = process("server");
        Resmgr client = process("client");
        server.resmgrAttach("/dev/sample", new Devices.TextFile(""));
        server.resmgrAttach("/srv/deep/er/thing", new Devices.TextFile(""));
        assertEquals(List.of("dev", "srv"), names(client.readdir("/")));
        assertEquals(List.of("name", "sample", "shmem"), names(client.readdir("/dev")));
        assertEquals(List.of("er"), names(client.readdir("/srv/deep")));
        Stat st = client.stat("/srv/deep");
        assertTrue(st.isDirectory());
        assertEquals(Mode.S_IFDIR | 0555, st.mode());
        assertEquals(Mode.S_IFCHR | 0666, client.stat("/dev/sample").mode());
        fails(Errno.ENOENT, () -> client.readdir("/srv/nothing"));
        fails(Errno.ENOTDIR, () -> client.readdir("/dev/sample"));
    }

    @Test
    void r1TheDeathOfAManagersProcessRemovesItsNames() throws Exception {
        Kernel proc = mk.process("bundle");
        Resmgr server = Resmgr.of(proc);
        Resmgr client = process("client");
        ResmgrAttachment a = server.resmgrAttach("/dev/dying", new Devices.TextFile("x"));
        Dispatch shared = server.dispatchCreate().start(2);
        ResmgrAttachment b = server.resmgrAttach(shared, "/dev/dying2", 0, new IoAttr(Mode.S_IFCHR | 0666, 0, 0),
                new Devices.TextFile("y"));
        int fd = client.open("/dev/dying", OpenFlags.O_RDONLY);
        proc.exit();
        assertFalse(a.attached());
        assertFalse(b.attached());
        fails(Errno.ENOENT, () -> client.open("/dev/dying", OpenFlags.O_RDONLY));
        fails(Errno.ENOENT, () -> client.open("/dev/dying2", OpenFlags.O_RDONLY));
        assertEquals(List.of("name", "shmem"), names(client.readdir("/dev")));
        fails(Errno.EBADF, () -> client.read(fd, java.nio.ByteBuffer.allocate(4)));
        client.close(fd);
        eventually("the dispatch threads end", () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("resmgr-bundle-")));
    }

    @Test
    void r1AttachTakesOnlyCanonicalAbsolutePaths() {
        Resmgr server = process("server");
        ResmgrHandler h = new Devices.TextFile("");
        IoAttr attr = new IoAttr(Mode.S_IFCHR | 0666, 0, 0);
        for (String bad : new String[] {"dev/x", "", "/dev//x", "/dev/x/", "/dev/./x", "/dev/../x", "/dev/x\0y"}) {
            fails(Errno.EINVAL, () -> server.resmgrAttach(bad, 0, attr, h));
        }
        fails(Errno.EINVAL, () -> server.resmgrAttach(null, 0, attr, h));
        fails(Errno.ENAMETOOLONG, () -> server.resmgrAttach("/dev/" + "n".repeat(256), 0, attr, h));
        fails(Errno.ENAMETOOLONG, () -> server.resmgrAttach("/d".repeat(513), 0, attr, h));
        fails(Errno.EINVAL, () -> server.resmgrAttach("/dev/x", 0x100, attr, h));
        ResmgrAttachment ok = server.resmgrAttach("/dev/" + "n".repeat(255), 0, attr, h);
        assertTrue(ok.attached());
        Resmgr other = process("other");
        fails(Errno.EINVAL, () -> other.resmgrDetach(ok));
    }

    @Test
    void r1ClientPathsResolveLexicallyAndManagersNeverSeeDotDotOrEmptyComponents() {
        Resmgr server = process("server");
        Resmgr client = process("client");
        Devices.Dir dir = new Devices.Dir("f");
        server.resmgrAttach("/fs", ResmgrFlags.DIR, new IoAttr(Mode.S_IFDIR | 0755, 0, 0), dir);
        for (String p : new String[] {"/fs/f", "//fs///f", "/fs/./f", "/fs/x/../f", "/../../fs/f", "fs/f",
            "/fs/f/"}) {
            int fd = client.open(p, OpenFlags.O_RDONLY);
            client.close(fd);
        }
        assertTrue(dir.paths.stream().allMatch(p -> p.equals("f") || p.isEmpty()), dir.paths.toString());
        // '..' never climbs out of the root, nor into another manager by accident.
        assertEquals(client.stat("/").ino(), client.stat("/..").ino());
        fails(Errno.ENOENT, () -> client.open("/fs/../f", OpenFlags.O_RDONLY));
    }

    @Test
    void r1BadClientPathsFailWithTheirErrno() {
        Resmgr client = process("client");
        fails(Errno.ENOENT, () -> client.open("", OpenFlags.O_RDONLY));
        fails(Errno.EINVAL, () -> client.open(null, OpenFlags.O_RDONLY));
        fails(Errno.EINVAL, () -> client.open("/dev/a\0b", OpenFlags.O_RDONLY));
        fails(Errno.ENAMETOOLONG, () -> client.open("/dev/" + "x".repeat(256), OpenFlags.O_RDONLY));
        fails(Errno.ENAMETOOLONG, () -> client.open("/dev/" + "é".repeat(128), OpenFlags.O_RDONLY));
        fails(Errno.ENAMETOOLONG, () -> client.open("/a".repeat(600), OpenFlags.O_RDONLY));
        fails(Errno.ENOENT, () -> client.open("/dev/" + "x".repeat(255), OpenFlags.O_RDONLY));
        fails(Errno.ENAMETOOLONG, () -> client.stat("/" + "x".repeat(300)));
        fails(Errno.EINVAL, () -> client.open("/dev", 0x8000));
        fails(Errno.EINVAL, () -> client.open("/dev", OpenFlags.O_ACCMODE));
    }
}
