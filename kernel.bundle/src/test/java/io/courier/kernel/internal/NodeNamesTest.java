package io.courier.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.NameAttach;
import io.courier.kernel.NameInfo;
import io.courier.kernel.internal.node.NodeKernelChild;
import io.courier.kernel.internal.node.NodeTestSupport;
import java.io.BufferedReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 20 (B2), names across the node (K14 across JVMs): a name attached in one JVM is seen by
 * the others, cannot be attached twice in the node, and goes when its JVM dies. The shared name
 * table is checked before use: corrupt entries are dropped, never trusted.
 */
class NodeNamesTest extends NodeTestSupport {

    private static Optional<NameInfo> named(MicrokernelImpl mk, String name) {
        return mk.names().stream().filter(n -> n.name().equals(name)).findFirst();
    }

    @Test
    void shouldSeeANameOfAnotherJvmUntilThatJvmIsKilled() throws Exception {
        Process child = null;
        try (MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            Kernel k = mk.process("parent");
            child = NodeKernelChild.start("attach", root.toString(), nodeName, "far-away");
            BufferedReader out = NodeKernelChild.output(child);
            String[] f = NodeKernelChild.expectLine(child, out, "ATTACHED ").split(" ");
            int pid = Integer.parseInt(f[1]);
            int chid = Integer.parseInt(f[2]);

            assertEquals(Optional.of(new NameInfo("far-away", pid, chid)), named(mk, "far-away"));
            assertEquals(child.pid(), mk.nodeMember(pid).pid());
            // One name space: the node refuses the name to a second JVM.
            KernelException taken = assertThrows(KernelException.class, () -> k.nameAttach("far-away", 0));
            assertEquals(Errno.EEXIST, taken.errno());
            // name_open finds it (ENOENT for a name nobody holds) and connects to it.
            assertEquals(Errno.ENOENT, assertThrows(KernelException.class, () -> k.nameOpen("nowhere", 0)).errno());
            int coid = java.util.concurrent.CompletableFuture.supplyAsync(() -> k.nameOpen("far-away", 0)).get(10, TimeUnit.SECONDS);
            k.nameClose(coid);
            // The parent's own names are local and in the node's table.
            NameAttach mine = k.nameAttach("near", 0);
            assertEquals(Optional.of(new NameInfo("near", k.pid(), mine.chid())), named(mk, "near"));

            long killed = System.nanoTime();
            child.destroyForcibly(); // SIGKILL of the child this test started
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
            long limit = killed + TimeUnit.SECONDS.toNanos(1);
            while (named(mk, "far-away").isPresent() && System.nanoTime() < limit) {
                Thread.sleep(10);
            }
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
            assertFalse(named(mk, "far-away").isPresent(), "the dead JVM's name is gone within 1 s");
            assertTrue(tookMs <= 1000, "took " + tookMs + " ms");
            assertEquals(Errno.ENOENT, assertThrows(KernelException.class, () -> k.nameOpen("far-away", 0)).errno());
            // Free for anyone now.
            NameAttach again = k.nameAttach("far-away", 0);
            assertEquals(Optional.of(new NameInfo("far-away", k.pid(), again.chid())), named(mk, "far-away"));
            k.nameDetach(again);
            assertFalse(named(mk, "far-away").isPresent());
        } finally {
            NodeKernelChild.stop(child);
        }
    }

    @Test
    void shouldShareOneNameSpaceBetweenTwoKernelsAndDropTheNamesOfOneThatLeaves() {
        try (MicrokernelImpl a = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            Kernel ka = a.process("a");
            Kernel kb;
            try (MicrokernelImpl b = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
                kb = b.process("b");
                NameAttach n = kb.nameAttach("from-b", 0);
                assertEquals(Optional.of(new NameInfo("from-b", kb.pid(), n.chid())), named(a, "from-b"));
                assertEquals(Errno.EEXIST, assertThrows(KernelException.class, () -> ka.nameAttach("from-b", 0)).errno());
                NameAttach na = ka.nameAttach("from-a", 0);
                assertEquals(Optional.of(new NameInfo("from-a", ka.pid(), na.chid())), named(b, "from-a"));
                // Detaching in b frees the name node-wide.
                kb.nameDetach(n);
                assertFalse(named(a, "from-b").isPresent());
                kb.nameAttach("from-b-again", 0);
                assertTrue(named(a, "from-b-again").isPresent());
            }
            // b closed: its processes died and its names went with them.
            assertFalse(named(a, "from-b-again").isPresent());
            assertTrue(named(a, "from-a").isPresent());
        }
    }

    @Test
    void shouldDropCorruptEntriesOfTheSharedTableAndKeepTheGoodOnes() throws Exception {
        Random random = new Random(20);
        try (MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, folder);
                Arena arena = Arena.ofConfined();
                FileChannel ch = FileChannel.open(folder.path().resolve(NodeNames.FILE), StandardOpenOption.READ,
                        StandardOpenOption.WRITE)) {
            MemorySegment file = ch.map(FileChannel.MapMode.READ_WRITE, 0, NodeNames.FILE_SIZE, arena);
            Kernel k = mk.process("keeper");
            NameAttach kept = k.nameAttach("kept", 0);
            long keptAt = -1;
            for (int i = 0; i < NodeNames.ENTRIES; i++) {
                if (file.get(ValueLayout.JAVA_LONG, NodeNames.HEADER + (long) i * NodeNames.ENTRY_SIZE) != 0) {
                    keptAt = NodeNames.HEADER + (long) i * NodeNames.ENTRY_SIZE;
                }
            }
            assertTrue(keptAt >= 0);
            long ownerBits = file.get(ValueLayout.JAVA_LONG, keptAt) & ~0xFFL;
            for (int round = 0; round < 5_000; round++) {
                // A random entry (never the good one) gets a mostly plausible, partly random content.
                long at;
                do {
                    at = NodeNames.HEADER + (long) random.nextInt(NodeNames.ENTRIES) * NodeNames.ENTRY_SIZE;
                } while (at == keptAt);
                long control = switch (random.nextInt(4)) {
                    case 0 -> random.nextLong();
                    case 1 -> ownerBits | random.nextInt(256);
                    case 2 -> ownerBits | NodeNames.LIVE;
                    default -> ((long) random.nextInt(64) << 8) | NodeNames.LIVE;
                };
                file.set(ValueLayout.JAVA_INT, at + NodeNames.PID, random.nextInt(3) == 0 ? random.nextInt() : 7);
                file.set(ValueLayout.JAVA_INT, at + NodeNames.CHID, random.nextInt(3) == 0 ? random.nextInt() : 1);
                int length = switch (random.nextInt(3)) {
                    case 0 -> random.nextInt();
                    case 1 -> NodeNames.MAX_NAME_BYTES + random.nextInt(3);
                    default -> 1 + random.nextInt(8);
                };
                file.set(ValueLayout.JAVA_INT, at + NodeNames.LENGTH, length);
                for (int b = 0; b < 8; b++) {
                    file.set(ValueLayout.JAVA_BYTE, at + NodeNames.NAME + b, (byte) random.nextInt());
                }
                file.set(ValueLayout.JAVA_LONG, at + NodeNames.CONTROL, control);
                // Whatever the entry says, the calls answer and the good name stays.
                mk.names();
                assertEquals(Errno.EEXIST, assertThrows(KernelException.class, () -> k.nameAttach("kept", 0)).errno());
                try {
                    k.nameOpen("x" + random.nextInt(4), 0);
                } catch (KernelException e) {
                    assertTrue(e.errno() == Errno.ENOENT || e.errno() == Errno.ESRCH
                            || e.errno() == Errno.EBADF, "errno " + e.errno());
                }
            }
            assertEquals(Optional.of(new NameInfo("kept", k.pid(), kept.chid())), named(mk, "kept"));
        }
    }

    /**
     * A thread whose interrupt is set attaches, finds and detaches names of the node: each call
     * works and the interrupt is kept, and the node's name table goes on working for every other
     * thread. The table's file lock was taken with a wait that an interrupt ends by closing the
     * file's channel, for the whole JVM: from then on every name call failed with a runtime
     * exception.
     */
    @Test
    void k14AnInterruptedThreadLeavesTheNodesNamesWorking() throws Exception {
        try (MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            Kernel k = mk.process("names");
            java.util.concurrent.CompletableFuture<String> seen = new java.util.concurrent.CompletableFuture<>();
            Thread.ofPlatform().start(() -> {
                try {
                    Thread.currentThread().interrupt();
                    NameAttach a = k.nameAttach("interrupted", 0);
                    boolean listed = named(mk, "interrupted").isPresent();
                    k.nameDetach(a);
                    seen.complete("listed " + listed + ", interrupt kept " + Thread.currentThread().isInterrupted());
                } catch (Throwable e) {
                    seen.completeExceptionally(e);
                }
            });
            assertEquals("listed true, interrupt kept true", seen.get(10, TimeUnit.SECONDS));
            NameAttach after = k.nameAttach("after", 0);
            assertEquals(Optional.of(new NameInfo("after", k.pid(), after.chid())), named(mk, "after"));
            assertFalse(named(mk, "interrupted").isPresent());
            k.nameDetach(after);
        }
    }

    /**
     * K14 at the kernel's close: a name call that meets the node's name table already closed
     * (the kernel closing under it) fails with the KernelException the kernel gives a moment
     * later, ESRCH, not with a stray runtime exception; and the kernel's own close after it
     * closes the table no second time.
     */
    @Test
    void k14ANameCallThatMeetsTheClosedTableFailsWithEsrch() {
        MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, folder);
        Kernel k = mk.process("late");
        try {
            mk.node.names.close();
            assertEquals(Errno.ESRCH, assertThrows(KernelException.class, () -> k.nameAttach("late", 0)).errno());
            assertEquals(Errno.ESRCH, assertThrows(KernelException.class, () -> k.nameOpen("elsewhere", 0)).errno());
        } finally {
            mk.close();
        }
        assertEquals(Errno.ESRCH, assertThrows(KernelException.class, () -> k.nameAttach("late", 0)).errno());
    }
}
