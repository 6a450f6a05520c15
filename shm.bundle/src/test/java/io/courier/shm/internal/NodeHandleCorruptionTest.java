package io.courier.shm.internal;

import static io.courier.shm.SharedMemory.MAP_SHARED;
import static io.courier.shm.SharedMemory.O_CREAT;
import static io.courier.shm.SharedMemory.O_RDWR;
import static io.courier.shm.SharedMemory.PROT_READ;
import static io.courier.shm.SharedMemory.PROT_WRITE;
import static io.courier.shm.SharedMemory.SHM_ANON;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.shm.Mapping;
import io.courier.shm.NodeShmTestSupport;
import io.courier.shm.SharedMemory;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The node's handle table read as untrusted (issue 20, SPEC S4): two kernels of this JVM, two
 * members of one node, hand handles to each other through the table while the test writes
 * garbage into it. Every corrupt entry is refused with EINVAL (or, when the garbage happens to
 * name another process or fewer rights, EACCES), logged, dropped with its link file; nothing
 * else ever escapes, and the table keeps working.
 */
class NodeHandleCorruptionTest extends NodeShmTestSupport {
    private static final int RW = PROT_READ | PROT_WRITE;

    private Microkernel mkB;
    private SharedMemory a;
    private SharedMemory b;
    private NodeHandles table;
    private MemorySegment seg;

    @BeforeEach
    void twoMembers() {
        mkB = bootInNode();
        a = SharedMemory.of(mk.process("creator"));
        b = SharedMemory.of(mkB.process("target"));
        table = ShmRegistry.of(mkB).nodeHandles();
        seg = table.table();
    }

    /** The corrupt entries both members found (either's sweeper may find one first). */
    private long corruptions() {
        return table.corruptEntries() + ShmRegistry.of(mk).nodeHandles().corruptEntries();
    }

    /** A fresh handle from A's process for B's, and the index of its entry. */
    private long[] handle(int fd) {
        long h = a.shmCreateHandle(fd, b.kernel().pid(), O_RDWR, 0);
        NodeHandles.Entry e = table.find(h);
        return new long[] {h, e.index()};
    }

    private static void fails(Errno errno, org.junit.jupiter.api.function.Executable call) {
        KernelException e = assertThrows(KernelException.class, call);
        assertEquals(errno, e.errno(), e.getMessage());
    }

    private void assertRefusedAndDropped(String what, Consumer<Long> corrupt) throws Exception {
        int fd = a.shmOpen(SHM_ANON, O_RDWR | O_CREAT, 0600);
        long[] h = handle(fd);
        long entry = NodeHandleLayout.entry((int) h[1]);
        long before = corruptions();
        corrupt.accept(entry);
        fails(Errno.EINVAL, () -> b.shmOpenHandle(h[0], O_RDWR));
        assertEquals(before + 1, corruptions(), what + ": logged as corrupt once");
        assertEquals(0L, seg.get(JAVA_LONG, entry + NodeHandleLayout.STATE), what + ": the entry is free");
        await(Duration.ofSeconds(5), what + ": its link file gone", () -> links().isEmpty());
        a.close(fd);
    }

    @Test
    void s4EachCorruptFieldIsRefusedWithEinvalLoggedAndDropped() throws Exception {
        assertRefusedAndDropped("perms", e -> seg.set(JAVA_INT, e + NodeHandleLayout.PERMS, 7));
        assertRefusedAndDropped("target pid", e -> seg.set(JAVA_INT, e + NodeHandleLayout.TARGET_PID, -3));
        assertRefusedAndDropped("creator pid", e -> seg.set(JAVA_INT, e + NodeHandleLayout.CREATOR_PID, 0));
        assertRefusedAndDropped("target slot", e -> seg.set(JAVA_INT, e + NodeHandleLayout.TARGET_SLOT, 200));
        assertRefusedAndDropped("creator slot", e -> seg.set(JAVA_INT, e + NodeHandleLayout.CREATOR_SLOT, -1));
        assertRefusedAndDropped("generation", e -> seg.set(JAVA_INT, e + NodeHandleLayout.TARGET_GEN, -1));
        assertRefusedAndDropped("serial number", e -> seg.set(JAVA_LONG, e + NodeHandleLayout.INO, 0));
        assertRefusedAndDropped("name length", e -> seg.set(JAVA_INT, e + NodeHandleLayout.NAME_LENGTH, 100_000));
        assertRefusedAndDropped("negative name length", e -> seg.set(JAVA_INT, e + NodeHandleLayout.NAME_LENGTH,
                Integer.MIN_VALUE));
        assertRefusedAndDropped("name", e -> {
            byte[] bad = "/../../etc".getBytes(StandardCharsets.UTF_8);
            MemorySegment.copy(bad, 0, seg, JAVA_BYTE, e + NodeHandleLayout.NAME, bad.length);
            seg.set(JAVA_INT, e + NodeHandleLayout.NAME_LENGTH, bad.length);
        });
        assertRefusedAndDropped("state word", e -> seg.set(JAVA_LONG, e + NodeHandleLayout.STATE,
                NodeHandleLayout.state(NodeHandleLayout.READY, 40, 12345, 1)));
    }

    /**
     * A sweeper whose kernel left the node sees no member alive, itself included: it must not take
     * that for every other member's death and drop their handles. The node's other members sweep.
     */
    @Test
    void s4ASweeperWhoseKernelLeftTheNodeDropsNothing() throws Exception {
        int fd = a.shmOpen(SHM_ANON, O_RDWR | O_CREAT, 0600);
        long[] h = handle(fd);
        long entry = NodeHandleLayout.entry((int) h[1]);
        long state = seg.get(JAVA_LONG, entry + NodeHandleLayout.STATE);
        Microkernel left = (Microkernel) java.lang.reflect.Proxy.newProxyInstance(Microkernel.class.getClassLoader(),
                new Class<?>[] {Microkernel.class}, (proxy, method, args) -> method.getName().equals("nodeMembers")
                        ? java.util.List.of() : method.invoke(mkB, args));
        NodeHandles view = NodeHandles.open(left, pid -> true, () -> { });
        try {
            assertEquals(0, view.sweep(pid -> true));
        } finally {
            view.close();
        }
        assertEquals(state, seg.get(JAVA_LONG, entry + NodeHandleLayout.STATE), "the entry is untouched");
        assertEquals(1, links().size(), "its link file stays");
        b.close(b.shmOpenHandle(h[0], O_RDWR)); // and the handle still opens
        a.close(fd);
    }

    @Test
    void s4AnEntryWhoseSerialNumberIsNotItsFileIsRefused() throws Exception {
        int fd = a.shmOpen(SHM_ANON, O_RDWR | O_CREAT, 0600);
        long[] h = handle(fd);
        long entry = NodeHandleLayout.entry((int) h[1]);
        seg.set(JAVA_LONG, entry + NodeHandleLayout.INO, seg.get(JAVA_LONG, entry + NodeHandleLayout.INO) + 1);
        fails(Errno.EINVAL, () -> b.shmOpenHandle(h[0], O_RDWR));
        assertEquals(0L, seg.get(JAVA_LONG, entry));
        assertTrue(links().isEmpty());
    }

    @Test
    void s4AnEntryWithAnUnknownStateIsDroppedByTheSweeper() throws Exception {
        int fd = a.shmOpen(SHM_ANON, O_RDWR | O_CREAT, 0600);
        long[] h = handle(fd);
        long entry = NodeHandleLayout.entry((int) h[1]);
        long before = corruptions();
        seg.set(JAVA_LONG, entry, 0x7777_0000_0000_00FFL);
        await(Duration.ofSeconds(5), "the sweeper drops the entry", () -> seg.get(JAVA_LONG, entry) == 0);
        assertEquals(before + 1, corruptions(), "logged as corrupt once");
        await(Duration.ofSeconds(5), "its link file gone", () -> links().isEmpty());
        fails(Errno.EINVAL, () -> b.shmOpenHandle(h[0], O_RDWR));
    }

    @Test
    void s4AnOverwrittenHandleLeavesNoOrphanLink() throws Exception {
        int fd = a.shmOpen(SHM_ANON, O_RDWR | O_CREAT, 0600);
        long[] h = handle(fd);
        long entry = NodeHandleLayout.entry((int) h[1]);
        seg.set(JAVA_LONG, entry + NodeHandleLayout.HANDLE, 0x1234_5678L);
        fails(Errno.EINVAL, () -> b.shmOpenHandle(h[0], O_RDWR));
        await(Duration.ofSeconds(10), "the orphan link removed", () -> links().isEmpty());
    }

    @Test
    void s4RandomGarbageInTheTableNeverEscapesAsAnythingButEinvalOrEacces() throws Exception {
        Random random = new Random(20);
        int fd = a.shmOpen(SHM_ANON, O_RDWR | O_CREAT, 0600);
        a.ftruncate(fd, 4096);
        int opened = 0;
        for (int round = 0; round < 400; round++) {
            long[] h = handle(fd);
            long entry = NodeHandleLayout.entry((int) h[1]);
            int flips = 1 + random.nextInt(6);
            for (int i = 0; i < flips; i++) {
                // Mostly the fields, sometimes the name bytes and the state word.
                long at = random.nextInt(random.nextBoolean() ? 64 : NodeHandleLayout.ENTRY_SIZE);
                seg.set(JAVA_BYTE, entry + at, (byte) random.nextInt());
            }
            try {
                int bfd = b.shmOpenHandle(h[0], random.nextBoolean() ? O_RDWR : SharedMemory.O_RDONLY);
                b.close(bfd);
                opened++;
            } catch (KernelException e) {
                if (e.errno() != Errno.EINVAL && e.errno() != Errno.EACCES) {
                    fail("round " + round + ": " + e);
                }
            } catch (RuntimeException e) {
                fail("round " + round + " escaped: " + e, e);
            }
            try {
                b.shmDeleteHandle(h[0]);
            } catch (KernelException e) {
                assertTrue(e.errno() == Errno.EINVAL || e.errno() == Errno.EACCES, e.toString());
            }
            try {
                a.shmDeleteHandle(h[0]);
            } catch (KernelException e) {
                assertTrue(e.errno() == Errno.EINVAL || e.errno() == Errno.EACCES, e.toString());
            }
            if (round % 50 == 0) {
                table.removeOrphans();
            }
        }
        assertTrue(opened > 0, "some corruptions hit bytes that do not matter");
        // Entries left WRITING or TAKEN in the name of a living member stay theirs; the rest is clean.
        for (int i = 0; i < NodeHandleLayout.ENTRIES; i++) {
            long state = seg.get(JAVA_LONG, NodeHandleLayout.entry(i));
            int kind = NodeHandleLayout.kind(state);
            if (kind == NodeHandleLayout.WRITING || kind == NodeHandleLayout.TAKEN) {
                seg.set(JAVA_LONG, NodeHandleLayout.entry(i), 0L);
            }
        }
        // The sweepers drop what names a dead process or member; what no entry holds is an orphan.
        await(Duration.ofSeconds(10), "no link file left", () -> {
            table.removeOrphans();
            return links().isEmpty();
        });

        // And the table still works.
        long h = a.shmCreateHandle(fd, b.kernel().pid(), O_RDWR, 0);
        int bfd = b.shmOpenHandle(h, O_RDWR);
        Mapping ma = a.mmap(4096, RW, MAP_SHARED, fd, 0);
        Mapping mb = b.mmap(4096, RW, MAP_SHARED, bfd, 0);
        mb.segment().set(JAVA_LONG, 0, 123L);
        assertEquals(123L, ma.segment().get(JAVA_LONG, 0));
        assertFalse(Files.exists(table.link(h)));
    }
}
