package io.courier.resmgr.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.internal.MicrokernelImpl;
import io.courier.node.NodeFolder;
import io.courier.resmgr.Dcmd;
import io.courier.resmgr.DirEntry;
import io.courier.resmgr.IoAttr;
import io.courier.resmgr.Mode;
import io.courier.resmgr.MountInfo;
import io.courier.resmgr.OpenFlags;
import io.courier.resmgr.Resmgr;
import io.courier.resmgr.ResmgrAttachment;
import io.courier.resmgr.ResmgrFlags;
import io.courier.resmgr.Stat;
import io.courier.resmgr.internal.node.NodeResmgrChild;
import io.courier.resmgr.internal.node.NodeResmgrChild.Child;
import io.courier.resmgr.internal.node.NodeResmgrChild.RamFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 20 (B2), the pathname space across the node (R1, R2 across JVMs): a path a manager
 * attaches in one JVM resolves in every JVM of the node, by longest prefix with the local ones,
 * and the whole fd protocol reaches the manager through cross-JVM messages; the path goes when it
 * is detached, when its process dies and when its JVM is killed. The shared table is checked
 * before use.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NodePathsTest {
    private Path root;
    private String nodeName;
    private NodeFolder folder;

    @BeforeEach
    void makeNode() throws IOException {
        Path base = Path.of(NodeFolder.DEFAULT_ROOT);
        root = Files.createTempDirectory(Files.isDirectory(base) ? base : Path.of(System.getProperty("java.io.tmpdir")),
                "courier-resmgr-node-test-");
        nodeName = "r" + ProcessHandle.current().pid();
        folder = NodeFolder.open(root, nodeName);
    }

    @AfterEach
    void deleteNode() throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    private static KernelException fails(Errno expected, org.junit.jupiter.api.function.Executable call) {
        KernelException e = assertThrows(KernelException.class, call);
        assertEquals(expected, e.errno(), e.getMessage());
        return e;
    }

    private static String readAll(Resmgr rm, int fd) {
        StringBuilder sb = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocate(64);
        for (;;) {
            buf.clear();
            int n = rm.read(fd, buf);
            if (n == 0) {
                return sb.toString();
            }
            sb.append(new String(buf.array(), 0, n, StandardCharsets.UTF_8));
        }
    }

    /** What opening {@code path} and reading it whole gives. */
    private static String cat(Resmgr rm, String path) {
        int fd = rm.open(path, OpenFlags.O_RDONLY);
        try {
            return readAll(rm, fd);
        } finally {
            rm.close(fd);
        }
    }

    private static List<String> names(List<DirEntry> entries) {
        return entries.stream().map(DirEntry::name).toList();
    }

    /** Waits (at most {@code millis}) for {@code path} to stop resolving; returns how long it took. */
    private static long untilGone(Resmgr rm, String path, long millis) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < end) {
            try {
                rm.stat(path);
            } catch (KernelException e) {
                if (e.errno() == Errno.ENOENT) {
                    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                }
                throw e;
            }
            Thread.sleep(10);
        }
        throw new AssertionError(path + " still resolves after " + millis + " ms");
    }

    @Test
    void shouldOpenWriteReadSeekStatAndCloseAPathAttachedInAnotherJvm() throws Exception {
        try (MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, folder);
                Child child = new Child(root, nodeName)) {
            Resmgr rm = new ResmgrImpl(mk.process("client"));
            String[] a = child.ask("attach /dev/nodetest 0", "ATTACHED ");
            int pid = Integer.parseInt(a[1]);
            int chid = Integer.parseInt(a[2]);
            assertEquals(child.process.pid(), mk.nodeMember(pid).pid());

            int fd = rm.open("/dev/nodetest", OpenFlags.O_RDWR);
            assertEquals("remote:", readAll(rm, fd));
            assertEquals(0, rm.lseek(fd, 0, Resmgr.SEEK_SET));
            ByteBuffer hello = ByteBuffer.wrap("hello, node".getBytes(StandardCharsets.UTF_8));
            assertEquals(11, rm.write(fd, hello));
            assertEquals(11, rm.lseek(fd, 0, Resmgr.SEEK_CUR));
            assertEquals(7, rm.lseek(fd, 7, Resmgr.SEEK_SET));
            assertEquals("node", readAll(rm, fd));
            assertEquals(0, rm.lseek(fd, 0, Resmgr.SEEK_SET));
            assertEquals("hello, node", readAll(rm, fd));
            Stat st = rm.stat(fd);
            assertEquals(11, st.size());
            assertEquals(Mode.S_IFCHR | 0666, st.mode());
            ByteBuffer flags = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
            assertEquals(0, rm.devctl(fd, Dcmd.DCMD_ALL_GETFLAGS, null, flags));
            assertEquals(OpenFlags.O_RDWR, flags.getInt(0) & OpenFlags.O_ACCMODE);
            fails(Errno.EINVAL, () -> rm.lseek(fd, 0, 99)); // the remote manager's error crosses back
            rm.close(fd);
            fails(Errno.EBADF, () -> rm.read(fd, ByteBuffer.allocate(4)));
            assertEquals(11, rm.stat("/dev/nodetest").size());
            assertEquals("hello, node", cat(rm, "/dev/nodetest"));

            // ls: the directory that holds only the remote mount shows it; mounts lists it.
            assertTrue(names(rm.readdir("/dev")).contains("nodetest"), rm.readdir("/dev").toString());
            assertTrue(rm.stat("/dev").isDirectory());
            assertTrue(Resmgr.mounts(mk).contains(new MountInfo("/dev/nodetest", pid, chid, 0, Mode.S_IFCHR | 0666,
                    0, 0)), Resmgr.mounts(mk).toString());

            // Detached in the child: gone here at once.
            child.ask("detach /dev/nodetest", "DETACHED");
            fails(Errno.ENOENT, () -> rm.stat("/dev/nodetest"));
            fails(Errno.ENOENT, () -> rm.open("/dev/nodetest", OpenFlags.O_RDONLY));
            assertFalse(names(rm.readdir("/dev")).contains("nodetest"));
            assertFalse(Resmgr.mounts(mk).stream().anyMatch(m -> m.path().equals("/dev/nodetest")));
        }
    }

    @Test
    void shouldDropThePathsOfAJvmKilledWithSigkillWithinOneSecond() throws Exception {
        try (MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, folder);
                Child child = new Child(root, nodeName)) {
            Resmgr rm = new ResmgrImpl(mk.process("client"));
            child.ask("attach /dev/nodetest 0", "ATTACHED ");
            child.ask("attach /srv/far " + ResmgrFlags.DIR, "ATTACHED ");
            assertEquals("remote:x/y", cat(rm, "/srv/far/x/y"));
            int fd = rm.open("/dev/nodetest", OpenFlags.O_RDONLY);

            child.kill(); // SIGKILL of the child this test started
            long took = untilGone(rm, "/dev/nodetest", 1000);
            assertTrue(took <= 1000, "took " + took + " ms");
            fails(Errno.ENOENT, () -> rm.open("/srv/far/x/y", OpenFlags.O_RDONLY));
            fails(Errno.ENOENT, () -> rm.stat("/srv"));
            assertFalse(names(rm.readdir("/")).contains("srv"));
            // The fd to the dead manager fails, and closing it still frees it.
            KernelException dead = assertThrows(KernelException.class, () -> rm.read(fd, ByteBuffer.allocate(8)));
            assertTrue(dead.errno() == Errno.ESRCH || dead.errno() == Errno.EBADF, dead.toString());
            rm.close(fd);
            assertTrue(Resmgr.mounts(mk).stream().noneMatch(m -> m.path().startsWith("/srv")
                    || m.path().equals("/dev/nodetest")));
        }
    }

    @Test
    void shouldResolveTheLongestPrefixAmongLocalAndRemotePathsAndBreakTiesAlike() throws Exception {
        try (MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, folder);
                Child child = new Child(root, nodeName)) {
            Kernel k = mk.process("local-mgr");
            ResmgrImpl local = new ResmgrImpl(k);
            Resmgr rm = new ResmgrImpl(mk.process("client"));
            IoAttr attr = new IoAttr(Mode.S_IFCHR | 0666, 0, 0);

            // A local mount below a remote DIR mount wins for its paths; the remote one serves the rest.
            child.ask("attach /mix " + ResmgrFlags.DIR, "ATTACHED ");
            ResmgrAttachment inner = local.resmgrAttach("/mix/inner", ResmgrFlags.DIR, attr, new RamFiles("local"));
            assertEquals("local:a", cat(rm, "/mix/inner/a"));
            assertEquals("local:", cat(rm, "/mix/inner"));
            assertEquals("remote:other", cat(rm, "/mix/other"));
            assertEquals("remote:", cat(rm, "/mix"));
            local.resmgrDetach(inner);
            assertEquals("remote:inner/a", cat(rm, "/mix/inner/a"));

            // And the other way round: a remote mount below a local DIR mount.
            ResmgrAttachment outer = local.resmgrAttach("/top", ResmgrFlags.DIR, attr, new RamFiles("local"));
            child.ask("attach /top/inner " + ResmgrFlags.DIR, "ATTACHED ");
            assertEquals("remote:a", cat(rm, "/top/inner/a"));
            assertEquals("local:b", cat(rm, "/top/b"));
            child.ask("detach /top/inner", "DETACHED");
            assertEquals("local:inner/a", cat(rm, "/top/inner/a"));
            local.resmgrDetach(outer);

            // One path in both JVMs: the newer resolves first, whichever JVM it is in...
            ResmgrAttachment tie = local.resmgrAttach("/tie", 0, attr, new RamFiles("local"));
            int remotePid = Integer.parseInt(child.ask("attach /tie 0", "ATTACHED ")[1]);
            assertEquals("remote:", cat(rm, "/tie"));
            // mounts lists them in resolution order, the JVMs' together.
            assertEquals(List.of(remotePid, k.pid()), Resmgr.mounts(mk).stream().filter(m -> m.path().equals("/tie"))
                    .map(MountInfo::pid).toList());
            ResmgrAttachment newer = local.resmgrAttach("/tie", 0, attr, new RamFiles("newer"));
            assertEquals("newer:", cat(rm, "/tie"));
            local.resmgrDetach(newer);
            assertEquals("remote:", cat(rm, "/tie"));
            child.ask("detach /tie", "DETACHED");
            assertEquals("local:", cat(rm, "/tie"));
            local.resmgrDetach(tie);
            // ...unless BEFORE or AFTER ranks it.
            ResmgrAttachment first = local.resmgrAttach("/rank", ResmgrFlags.BEFORE, attr, new RamFiles("local"));
            child.ask("attach /rank 0", "ATTACHED ");
            assertEquals("local:", cat(rm, "/rank"));
            local.resmgrDetach(first);
            ResmgrAttachment last = local.resmgrAttach("/rank", ResmgrFlags.AFTER, attr, new RamFiles("local"));
            assertEquals("remote:", cat(rm, "/rank"));
            child.ask("detach /rank", "DETACHED");
            assertEquals("local:", cat(rm, "/rank"));
            local.resmgrDetach(last);

            // The child sees the parent's paths the same way.
            List<String> listed = names(rm.readdir("/"));
            assertTrue(listed.containsAll(List.of("mix", "dev")), listed.toString());
        }
    }

    @Test
    void shouldDropThePathsOfAProcessThatDiesInAJvmThatLives() throws Exception {
        try (MicrokernelImpl a = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            Resmgr rm = new ResmgrImpl(a.process("client"));
            try (MicrokernelImpl b = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
                Kernel mgr = b.process("mgr");
                new ResmgrImpl(mgr).resmgrAttach("/dev/from-b", ResmgrFlags.DIR,
                        new IoAttr(Mode.S_IFDIR | 0555, 0, 0), new RamFiles("b"));
                assertTrue(names(rm.readdir("/dev")).contains("from-b"));
                assertTrue(Resmgr.mounts(a).stream().anyMatch(m -> m.path().equals("/dev/from-b")));
                mgr.exit();
                long took = untilGone(rm, "/dev/from-b", 1000);
                assertTrue(took < 1000);
                assertFalse(Resmgr.mounts(a).stream().anyMatch(m -> m.path().equals("/dev/from-b")));
                new ResmgrImpl(b.process("mgr2")).resmgrAttach("/dev/again", ResmgrFlags.DIR,
                        new IoAttr(Mode.S_IFDIR | 0555, 0, 0), new RamFiles("b"));
                assertTrue(names(rm.readdir("/dev")).contains("again"));
            }
            // A kernel that leaves the node takes its paths along.
            untilGone(rm, "/dev/again", 1000);
            assertFalse(Resmgr.mounts(a).stream().anyMatch(m -> m.path().equals("/dev/again")));
        }
    }

    @Test
    void shouldSkipAndFreeCorruptEntriesOfTheSharedTableAndKeepTheGoodOnes() throws Exception {
        java.util.Random random = new java.util.Random(20);
        try (MicrokernelImpl a = new MicrokernelImpl(IdleStrategy.BACKOFF, folder);
                MicrokernelImpl b = new MicrokernelImpl(IdleStrategy.BACKOFF, folder);
                java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            Resmgr rm = new ResmgrImpl(a.process("client"));
            Kernel mgr = b.process("mgr");
            new ResmgrImpl(mgr).resmgrAttach("/dev/kept", 0, new IoAttr(Mode.S_IFCHR | 0666, 0, 0), new RamFiles("b"));
            assertTrue(names(rm.readdir("/dev")).contains("kept"));
            java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(folder.path().resolve(NodePaths.FILE),
                    java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE);
            java.lang.foreign.MemorySegment file = ch.map(java.nio.channels.FileChannel.MapMode.READ_WRITE, 0,
                    NodePaths.FILE_SIZE, arena);
            ch.close(); // the mapping stays
            long keptAt = -1;
            for (int i = 0; i < NodePaths.ENTRIES; i++) {
                if (file.get(java.lang.foreign.ValueLayout.JAVA_LONG, NodePaths.HEADER + (long) i * NodePaths.ENTRY_SIZE) != 0) {
                    keptAt = NodePaths.HEADER + (long) i * NodePaths.ENTRY_SIZE;
                }
            }
            assertTrue(keptAt >= 0);
            long ownerBits = file.get(java.lang.foreign.ValueLayout.JAVA_LONG, keptAt) & ~0xFFL;
            int bPid = mgr.pid();
            for (int round = 0; round < 3_000; round++) {
                long at;
                do {
                    at = NodePaths.HEADER + (long) random.nextInt(NodePaths.ENTRIES) * NodePaths.ENTRY_SIZE;
                } while (at == keptAt);
                corrupt(file, at, random, ownerBits, bPid);
                // Bump the change count as a writer would, so that readers parse again.
                long changes = file.get(java.lang.foreign.ValueLayout.JAVA_LONG, NodePaths.CHANGES_OFFSET);
                file.set(java.lang.foreign.ValueLayout.JAVA_LONG, NodePaths.CHANGES_OFFSET, changes + 1);
                // Whatever an entry holds, resolution neither fails nor loses the good path.
                if (round % 10 == 0) {
                    List<String> dev = names(rm.readdir("/dev"));
                    assertTrue(dev.contains("kept"), dev.toString());
                    Resmgr.mounts(a);
                    try {
                        rm.stat("/dev/evil");
                    } catch (KernelException e) {
                        assertEquals(Errno.ENOENT, e.errno(), e.toString());
                    }
                }
            }
            // What was malformed is freed: every entry left is LIVE with a sane control word and path length.
            names(rm.readdir("/dev"));
            for (int i = 0; i < NodePaths.ENTRIES; i++) {
                long e = NodePaths.HEADER + (long) i * NodePaths.ENTRY_SIZE;
                long c = file.get(java.lang.foreign.ValueLayout.JAVA_LONG, e);
                int length = file.get(java.lang.foreign.ValueLayout.JAVA_INT, e + NodePaths.LENGTH);
                assertTrue(c == 0 || (c & 0xFF) == NodePaths.LIVE && (c >>> 40) == 0 && length > 0
                        && length <= NodePaths.MAX_PATH_BYTES, "entry " + i + " control " + Long.toHexString(c));
            }
            assertEquals(ownerBits | NodePaths.LIVE, file.get(java.lang.foreign.ValueLayout.JAVA_LONG, keptAt));
            // A plausible entry (b's member, a live pid of b) that names a channel b does not have: ENOENT, not a hang.
            long at = keptAt == NodePaths.HEADER ? NodePaths.HEADER + NodePaths.ENTRY_SIZE : NodePaths.HEADER;
            writeEntry(file, at, ownerBits | NodePaths.LIVE, bPid, 999, 1, 0, 1, "/dev/evil");
            long changes = file.get(java.lang.foreign.ValueLayout.JAVA_LONG, NodePaths.CHANGES_OFFSET);
            file.set(java.lang.foreign.ValueLayout.JAVA_LONG, NodePaths.CHANGES_OFFSET, changes + 1);
            fails(Errno.ENOENT, () -> rm.stat("/dev/evil"));
        }
    }

    private static void corrupt(java.lang.foreign.MemorySegment file, long at, java.util.Random random, long ownerBits,
            int pid) {
        long control = switch (random.nextInt(4)) {
            case 0 -> random.nextLong();
            case 1 -> ownerBits | random.nextInt(256);
            case 2 -> ownerBits | NodePaths.LIVE;
            default -> ((long) random.nextInt(64) << 8) | NodePaths.LIVE;
        };
        // Plausible flags lack OPAQUE: a peer's well-formed "/" OPAQUE would hide the rest, as it may.
        int flags = random.nextInt(3) == 0 ? random.nextInt() : random.nextInt(8);
        String path = switch (random.nextInt(4)) {
            case 0 -> "/dev/evil";
            case 1 -> "dev//x/../y";
            case 2 -> "/";
            default -> "/dev/x\0y";
        };
        writeEntry(file, at, control, random.nextInt(3) == 0 ? random.nextInt() : pid,
                random.nextInt(3) == 0 ? random.nextInt() : 1, random.nextInt(3) == 0 ? random.nextInt() : 7, flags,
                random.nextInt(3) == 0 ? random.nextLong() : 5, path);
        int length = switch (random.nextInt(4)) {
            case 0 -> random.nextInt();
            case 1 -> NodePaths.MAX_PATH_BYTES + 1 + random.nextInt(100);
            case 2 -> random.nextInt(NodePaths.MAX_PATH_BYTES + 1);
            default -> file.get(java.lang.foreign.ValueLayout.JAVA_INT, at + NodePaths.LENGTH);
        };
        file.set(java.lang.foreign.ValueLayout.JAVA_INT, at + NodePaths.LENGTH, length);
        if (random.nextInt(4) == 0) {
            byte[] junk = new byte[64];
            random.nextBytes(junk);
            java.lang.foreign.MemorySegment.copy(junk, 0, file, java.lang.foreign.ValueLayout.JAVA_BYTE,
                    at + NodePaths.PATH, junk.length);
        }
        file.set(java.lang.foreign.ValueLayout.JAVA_INT, at + NodePaths.MODE, random.nextInt(3) == 0 ? random.nextInt() : 0x2000);
        file.set(java.lang.foreign.ValueLayout.JAVA_INT, at + NodePaths.UID, random.nextInt(3) == 0 ? random.nextInt() : 0);
    }

    private static void writeEntry(java.lang.foreign.MemorySegment file, long at, long control, int pid, int chid,
            int handle, int flags, long seq, String path) {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        file.set(java.lang.foreign.ValueLayout.JAVA_INT, at + NodePaths.PID, pid);
        file.set(java.lang.foreign.ValueLayout.JAVA_INT, at + NodePaths.CHID, chid);
        file.set(java.lang.foreign.ValueLayout.JAVA_INT, at + NodePaths.HANDLE, handle);
        file.set(java.lang.foreign.ValueLayout.JAVA_INT, at + NodePaths.FLAGS, flags);
        file.set(java.lang.foreign.ValueLayout.JAVA_LONG, at + NodePaths.SEQ, seq);
        file.set(java.lang.foreign.ValueLayout.JAVA_INT, at + NodePaths.MODE, Mode.S_IFCHR | 0666);
        file.set(java.lang.foreign.ValueLayout.JAVA_INT, at + NodePaths.UID, 0);
        file.set(java.lang.foreign.ValueLayout.JAVA_INT, at + NodePaths.GID, 0);
        file.set(java.lang.foreign.ValueLayout.JAVA_INT, at + NodePaths.LENGTH, bytes.length);
        java.lang.foreign.MemorySegment.copy(bytes, 0, file, java.lang.foreign.ValueLayout.JAVA_BYTE, at + NodePaths.PATH,
                bytes.length);
        file.set(java.lang.foreign.ValueLayout.JAVA_LONG, at + NodePaths.CONTROL, control);
    }

    /**
     * R1 at the kernel's close: once the node's path table is closed (the pathname manager gone
     * with its kernel), a publication fails with the KernelException the kernel gives a moment
     * later, ESRCH, never a stray runtime exception; a withdrawal (a manager's process dying
     * after it) is quietly nothing; and the table lists no path.
     */
    @Test
    void r1TheClosedPathTableRefusesWithEsrchAndWithdrawsQuietly() {
        try (MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            NodePaths paths = NodePaths.open(mk);
            IoAttr attr = new IoAttr(Mode.S_IFCHR | 0666, 0, 0);
            int index = paths.publish("/dev/closing", 7, 1, 1, 0, attr, paths.nextSeq());
            assertTrue(index >= 0);
            paths.close();
            paths.withdraw(index, 7, 1, 1);
            fails(Errno.ESRCH, () -> paths.publish("/dev/late", 7, 1, 2, 0, attr, 1));
            fails(Errno.ESRCH, paths::nextSeq);
            assertEquals(java.util.Map.of(), paths.byPath());
        }
    }
}
