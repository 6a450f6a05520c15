package io.courier.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.KernelException;
import io.courier.kernel.Kernel;
import io.courier.kernel.NameAttach;
import io.courier.kernel.NameInfo;
import io.courier.kernel.internal.node.NodeKernelChild;
import io.courier.kernel.internal.node.NodeTestSupport;
import java.io.BufferedReader;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 20 (B2), {@code pidin} and names of the whole node: the node's process table lists every
 * JVM's processes with that JVM's OS pid, drops a process when it exits and a JVM's processes
 * when it leaves or is killed, and skips entries that are not well-formed. The names other JVMs
 * attach and lose reach this kernel's name watchers (the OSGi glue's services).
 */
@Timeout(90)
class NodeProcessesTest extends NodeTestSupport {

    private static boolean await(BooleanSupplier condition, long millis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    private static Optional<io.courier.kernel.NodeProcessInfo> process(MicrokernelImpl mk, int pid) {
        return mk.nodeProcesses().stream().filter(p -> p.pid() == pid).findFirst();
    }

    private static void say(Process child, String line) throws Exception {
        OutputStream in = child.getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    @Test
    void shouldListTheProcessesOfAnotherJvmWithItsOsPidUntilTheyExitAndItLeaves() throws Exception {
        Process child = null;
        try (MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            Kernel mine = mk.process("mine");
            child = NodeKernelChild.start("procs", root.toString(), nodeName);
            BufferedReader out = NodeKernelChild.output(child);
            String[] f = NodeKernelChild.expectLine(child, out, "PROCS ").split(" ");
            long os = Long.parseLong(f[1]);
            int alpha = Integer.parseInt(f[2]);
            int beta = Integer.parseInt(f[3]);
            assertEquals(child.pid(), os);

            assertEquals(Optional.of(new io.courier.kernel.NodeProcessInfo(alpha, "alpha", 0, "", os)), process(mk, alpha));
            // beta's RECEIVE-blocked thread shows once the child's reaper has written it.
            assertTrue(await(() -> process(mk, beta).map(p -> p.threads() == 1 && p.states().equals("RECEIVE"))
                    .orElse(false), 5_000), "beta: " + process(mk, beta));
            assertEquals(os, process(mk, beta).orElseThrow().osPid());
            // The other JVM's processes only: this JVM's own are mk.processes().
            assertTrue(process(mk, mine.pid()).isEmpty());
            assertEquals(ProcessHandle.current().pid(), mk.osPid(mine.pid()));
            assertEquals(os, mk.osPid(beta));

            say(child, "exit-alpha");
            NodeKernelChild.expectLine(child, out, "EXITED");
            assertTrue(process(mk, alpha).isEmpty(), "an exited process leaves the table at once");
            assertTrue(process(mk, beta).isPresent());

            say(child, "close");
            NodeKernelChild.expectLine(child, out, "CLOSED");
            assertTrue(mk.nodeProcesses().isEmpty(), "a kernel that left took its processes along: "
                    + mk.nodeProcesses());
            assertEquals(-1, mk.osPid(beta));
        } finally {
            NodeKernelChild.stop(child);
        }
    }

    @Test
    void shouldDropTheProcessesOfAJvmKilledWithSigkillWithinASecond() throws Exception {
        Process child = null;
        try (MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            child = NodeKernelChild.start("pids", root.toString(), nodeName, "3");
            BufferedReader out = NodeKernelChild.output(child);
            String[] f = NodeKernelChild.expectLine(child, out, "PIDS ").split(" ");
            for (int i = 3; i < 6; i++) {
                int pid = Integer.parseInt(f[i]);
                assertEquals(Optional.of(new io.courier.kernel.NodeProcessInfo(pid, "child-" + (i - 3), 0, "",
                        child.pid())), process(mk, pid));
            }
            long killed = System.nanoTime();
            child.destroyForcibly(); // SIGKILL of the child this test started
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
            assertTrue(await(() -> mk.nodeProcesses().isEmpty(), 1_000), "still listed: " + mk.nodeProcesses());
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
            assertTrue(tookMs <= 1000, "took " + tookMs + " ms");
        } finally {
            NodeKernelChild.stop(child);
        }
    }

    @Test
    void shouldSkipCorruptEntriesOfTheProcessTableAndKeepTheGoodOnes() throws Exception {
        Random random = new Random(20);
        try (MicrokernelImpl a = new MicrokernelImpl(IdleStrategy.BACKOFF, folder);
                MicrokernelImpl b = new MicrokernelImpl(IdleStrategy.BACKOFF, folder);
                Arena arena = Arena.ofConfined();
                FileChannel ch = FileChannel.open(folder.path().resolve(NodeProcesses.FILE), StandardOpenOption.READ,
                        StandardOpenOption.WRITE)) {
            MemorySegment file = ch.map(FileChannel.MapMode.READ_WRITE, 0, NodeProcesses.FILE_SIZE, arena);
            // A name too long for an entry is cut at a character, never inside one.
            String longName = "é".repeat(100);
            Kernel kept = b.process(longName);
            int slot = b.nodeSelf().slot();
            long region = NodeProcesses.HEADER + (long) slot * NodeProcesses.PER_MEMBER * NodeProcesses.ENTRY_SIZE;
            long keptAt = -1;
            for (int i = 0; i < NodeProcesses.PER_MEMBER; i++) {
                long at = region + (long) i * NodeProcesses.ENTRY_SIZE;
                if (file.get(ValueLayout.JAVA_LONG, at) != 0 && file.get(ValueLayout.JAVA_INT, at + NodeProcesses.PID)
                        == kept.pid()) {
                    keptAt = at;
                }
            }
            assertTrue(keptAt >= 0);
            io.courier.kernel.NodeProcessInfo good = process(a, kept.pid()).orElseThrow();
            assertEquals("é".repeat(NodeProcesses.MAX_NAME / 2), good.name());
            long ownerBits = file.get(ValueLayout.JAVA_LONG, keptAt) & 0xFF_FFFF_FF00L;

            for (int round = 0; round < 5_000; round++) {
                // A random entry of b's region (never the good one) gets mostly plausible, partly random content.
                long at;
                do {
                    at = region + (long) random.nextInt(NodeProcesses.PER_MEMBER) * NodeProcesses.ENTRY_SIZE;
                } while (at == keptAt);
                // Now and then an entry is left WRITING, as a write under way (a listing waits a little for it).
                long control = random.nextInt(50) == 0 ? ownerBits | NodeProcesses.WRITING : switch (random.nextInt(3)) {
                    case 0 -> random.nextLong();
                    case 1 -> ownerBits | random.nextInt(256);
                    default -> ownerBits | NodeProcesses.LIVE | ((long) random.nextInt(1000) << 40);
                };
                file.set(ValueLayout.JAVA_INT, at + NodeProcesses.PID, switch (random.nextInt(3)) {
                    case 0 -> random.nextInt();
                    case 1 -> kept.pid() + 1;
                    default -> 5; // a pid of member slot 0's... or of no member at all
                });
                file.set(ValueLayout.JAVA_INT, at + NodeProcesses.THREADS,
                        random.nextInt(3) == 0 ? random.nextInt() : random.nextInt(4));
                file.set(ValueLayout.JAVA_INT, at + NodeProcesses.NAME_LENGTH, switch (random.nextInt(3)) {
                    case 0 -> random.nextInt();
                    case 1 -> NodeProcesses.MAX_NAME + random.nextInt(3);
                    default -> 1 + random.nextInt(8);
                });
                file.set(ValueLayout.JAVA_INT, at + NodeProcesses.SUMMARY_LENGTH, switch (random.nextInt(3)) {
                    case 0 -> random.nextInt();
                    case 1 -> NodeProcesses.MAX_SUMMARY + 1;
                    default -> random.nextInt(8);
                });
                for (int i = 0; i < 8; i++) {
                    file.set(ValueLayout.JAVA_BYTE, at + NodeProcesses.NAME + i, (byte) random.nextInt());
                    file.set(ValueLayout.JAVA_BYTE, at + NodeProcesses.SUMMARY + i, (byte) random.nextInt());
                }
                file.set(ValueLayout.JAVA_LONG, at + NodeProcesses.CONTROL, control);
                // Whatever the entry says, the listing answers, holds only well-formed processes of
                // b, and keeps the good one.
                List<io.courier.kernel.NodeProcessInfo> all = a.nodeProcesses();
                for (io.courier.kernel.NodeProcessInfo p : all) {
                    assertEquals(slot, NodeLink.memberSlot(p.pid()), p.toString());
                    assertTrue(p.threads() >= 0 && p.threads() <= NodeProcesses.MAX_THREADS, p.toString());
                    assertTrue(!p.name().isEmpty() && p.name().length() <= NodeProcesses.MAX_NAME, p.toString());
                    assertEquals(ProcessHandle.current().pid(), p.osPid());
                }
                assertTrue(all.contains(good), "the good entry stays: " + all);
                if ((control & 0xFF) == NodeProcesses.WRITING) {
                    // The write under way is finished here by freeing the entry.
                    file.set(ValueLayout.JAVA_LONG, at + NodeProcesses.CONTROL, 0L);
                }
            }
            // Entries left WRITING for good (a broken peer) cost a listing a bounded wait, not a hang.
            for (int i = 0; i < NodeProcesses.PER_MEMBER; i++) {
                long at = region + (long) i * NodeProcesses.ENTRY_SIZE;
                if (at != keptAt) {
                    file.set(ValueLayout.JAVA_LONG, at + NodeProcesses.CONTROL, ownerBits | NodeProcesses.WRITING);
                }
            }
            long start = System.nanoTime();
            assertEquals(List.of(good), a.nodeProcesses());
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(tookMs < 1_000, "a listing past 511 entries stuck WRITING took " + tookMs + " ms");
            for (int i = 0; i < NodeProcesses.PER_MEMBER; i++) {
                long at = region + (long) i * NodeProcesses.ENTRY_SIZE;
                if (at != keptAt) {
                    file.set(ValueLayout.JAVA_LONG, at + NodeProcesses.CONTROL, 0L);
                }
            }
            // b's own writes go on: a new process and its exit.
            Kernel late = b.process("late");
            assertTrue(process(a, late.pid()).isPresent());
            late.exit();
            assertTrue(process(a, late.pid()).isEmpty());
        }
    }

    @Test
    void shouldNeverListAnEntryHalfWrittenWhileItsOwnerRewritesIt() throws Exception {
        try (MicrokernelImpl a = new MicrokernelImpl(IdleStrategy.BACKOFF, folder);
                MicrokernelImpl b = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            Kernel busy = b.process("busy");
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            // The owner rewrites the entry without pause, each time with a thread count and a
            // summary (and a name) that belong together; the reader must never mix two writes.
            Thread writer = Thread.ofPlatform().start(() -> {
                for (int n = 0; !stop.get(); n = (n + 1) % 50) {
                    b.node.procs.update(busy.pid(), "busy-" + n, n, n + " RECEIVE" + "x".repeat(n));
                }
            });
            try {
                int seen = 0;
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                while (System.nanoTime() < end) {
                    for (io.courier.kernel.NodeProcessInfo p : a.nodeProcesses()) {
                        assertEquals(p.pid(), busy.pid());
                        if (p.threads() > 0) {
                            assertEquals(p.threads() + " RECEIVE" + "x".repeat(p.threads()), p.states(), p.toString());
                            assertEquals("busy-" + p.threads(), p.name(), p.toString());
                            seen++;
                        }
                    }
                }
                assertTrue(seen > 100, "only " + seen + " listings saw a rewritten entry");
            } finally {
                stop.set(true);
                writer.join(10_000);
            }
        }
    }

    @Test
    void shouldTellTheNameWatchersOfTheNamesOfAnotherJvmUntilDetachedOrKilled() throws Exception {
        record Told(boolean attached, NameInfo name, long osPid) {
        }
        BlockingQueue<Told> told = new LinkedBlockingQueue<>();
        MicrokernelImpl.NameWatcher watcher = new MicrokernelImpl.NameWatcher() {
            @Override
            public void attached(NameInfo name) {
                told.add(new Told(true, name, ProcessHandle.current().pid()));
            }

            @Override
            public void detached(NameInfo name) {
                told.add(new Told(false, name, ProcessHandle.current().pid()));
            }

            @Override
            public void attachedInNode(NameInfo name, long osPid) {
                told.add(new Told(true, name, osPid));
            }

            @Override
            public void detachedInNode(NameInfo name, long osPid) {
                told.add(new Told(false, name, osPid));
            }
        };
        Process child = null;
        try (MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            Kernel k = mk.process("local");
            NameAttach near = k.nameAttach("near", 0);
            child = NodeKernelChild.start("names", root.toString(), nodeName, "far");
            BufferedReader out = NodeKernelChild.output(child);
            String[] f = NodeKernelChild.expectLine(child, out, "ATTACHED ").split(" ");
            NameInfo far = new NameInfo("far", Integer.parseInt(f[1]), Integer.parseInt(f[2]));
            long os = child.pid();
            assertTrue(await(() -> mk.node.nameFeed.told().containsKey(far), 2_000));

            // A watcher that starts now hears of both, each with its JVM.
            Runnable stop = mk.watchNames(watcher);
            Told first = told.poll(5, TimeUnit.SECONDS);
            Told second = told.poll(5, TimeUnit.SECONDS);
            assertEquals(new Told(true, new NameInfo("near", k.pid(), near.chid()), ProcessHandle.current().pid()), first);
            assertEquals(new Told(true, far, os), second);

            say(child, "detach");
            NodeKernelChild.expectLine(child, out, "DETACHED");
            assertEquals(new Told(false, far, os), told.poll(2, TimeUnit.SECONDS), "withdrawn when detached there");

            // Attached again (another pid's name this time: the child's other process), then killed.
            NodeKernelChild.stop(child);
            child = NodeKernelChild.start("attach", root.toString(), nodeName, "far");
            out = NodeKernelChild.output(child);
            f = NodeKernelChild.expectLine(child, out, "ATTACHED ").split(" ");
            NameInfo again = new NameInfo("far", Integer.parseInt(f[1]), Integer.parseInt(f[2]));
            assertEquals(new Told(true, again, child.pid()), told.poll(2, TimeUnit.SECONDS));
            long killed = System.nanoTime();
            long againOs = child.pid();
            child.destroyForcibly(); // SIGKILL of the child this test started
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
            Told gone = told.poll(2, TimeUnit.SECONDS);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
            assertEquals(new Told(false, again, againOs), gone);
            assertTrue(tookMs <= 1000, "withdrawn " + tookMs + " ms after the kill");

            stop.run();
            k.nameDetach(near);
            assertEquals(null, told.poll(300, TimeUnit.MILLISECONDS), "a stopped watcher hears nothing more");
            Map<NameInfo, Long> left = mk.node.nameFeed.told();
            assertFalse(left.containsKey(again));
        } finally {
            NodeKernelChild.stop(child);
        }
    }

    /**
     * A kernel's close leaves the node by closing its member table, then its name and process
     * tables. The node calls that meet it in between (pidin's listings, the member of a pid, a
     * name lookup) answer as a kernel that left its node: no members, no processes, no member for
     * the pid, ESRCH for the name; never the member table's IllegalStateException.
     */
    @Test
    void b2CallsThatMeetTheMemberTableClosedAnswerAsAKernelThatLeftTheNode() throws Exception {
        try (MicrokernelImpl a = new MicrokernelImpl(IdleStrategy.BACKOFF, folder);
                MicrokernelImpl b = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            Kernel k = a.process("leaving");
            int other = b.process("other").pid();
            assertTrue(await(() -> process(a, other).isPresent(), 5_000), "b's process listed in a");
            assertEquals(2, a.nodeMembers().size());
            assertEquals(b.nodeSelf(), a.nodeMember(other));

            a.node.members.close();
            assertTrue(a.node.members.isClosed());
            assertEquals(List.of(), a.nodeMembers());
            assertEquals(List.of(), a.nodeProcesses());
            assertEquals(null, a.nodeMember(other));
            assertEquals(-1L, a.osPid(other));
            assertEquals(null, a.nodeProcessName(other + 1));
            KernelException e = org.junit.jupiter.api.Assertions.assertThrows(KernelException.class,
                    () -> k.nameOpen("elsewhere", 0));
            assertEquals(Errno.ESRCH, e.errno(), e.getMessage());
            // b goes on: a's departure is a member leaving.
            assertTrue(await(() -> b.nodeMembers().size() == 1, 5_000), "a left b's view: " + b.nodeMembers());
        }
    }

    /**
     * pidin of the whole node while the kernel closes: a listing under way when the process table
     * is unmapped under it ends empty, not with an exception (20 closes, each with 200 processes of
     * another member being listed without pause).
     */
    @Test
    void b2AListingUnderWayWhenTheKernelClosesEndsEmptyNotWithAnException() throws Exception {
        try (MicrokernelImpl b = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            for (int i = 0; i < 200; i++) {
                b.process("p" + i);
            }
            for (int round = 0; round < 20; round++) {
                MicrokernelImpl a = new MicrokernelImpl(IdleStrategy.BACKOFF, folder);
                java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
                java.util.concurrent.atomic.AtomicLong listings = new java.util.concurrent.atomic.AtomicLong();
                java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
                Thread lister = Thread.ofPlatform().start(() -> {
                    while (!stop.get()) {
                        try {
                            a.nodeProcesses();
                            a.nodeMembers();
                            listings.incrementAndGet();
                        } catch (Throwable t) {
                            failure.set(t);
                            return;
                        }
                    }
                });
                try {
                    assertTrue(await(() -> listings.get() > 3, 5_000), "the lister lists");
                    a.close();
                    assertEquals(List.of(), a.nodeProcesses());
                    assertEquals(List.of(), a.nodeMembers());
                } finally {
                    stop.set(true);
                    lister.join(10_000);
                }
                assertFalse(lister.isAlive());
                if (failure.get() != null) {
                    throw new AssertionError("round " + round + ": a listing failed", failure.get());
                }
            }
        }
    }
}
