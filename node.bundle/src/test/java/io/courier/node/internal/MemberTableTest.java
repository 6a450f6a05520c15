package io.courier.node.internal;

import static io.courier.node.internal.MemberTableLayout.ALIVE;
import static io.courier.node.internal.MemberTableLayout.CONTROL;
import static io.courier.node.internal.MemberTableLayout.HEARTBEAT;
import static io.courier.node.internal.MemberTableLayout.START_TIME;
import static io.courier.node.internal.MemberTableLayout.control;
import static io.courier.node.internal.MemberTableLayout.slot;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.node.Member;
import io.courier.node.MemberListener;
import io.courier.node.MemberTable;
import io.courier.node.NodeTestSupport;
import io.courier.testing.Waits;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The member table in one JVM: several tables opened here stand for several JVMs (they share the
 * pid, which the table allows), and fake slots written by hand stand for other processes.
 */
@Timeout(120)
class MemberTableTest extends NodeTestSupport {

    /** What a listener heard, in order. */
    static final class Heard implements MemberListener {
        final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();

        @Override
        public void memberJoined(Member m) {
            events.add("joined " + m.slot());
        }

        @Override
        public void memberGone(Member m, boolean died) {
            events.add((died ? "died " : "left ") + m.slot());
        }

        @Override
        public void evicted(Member self) {
            events.add("evicted " + self.slot());
        }

        boolean has(String e) {
            return events.contains(e);
        }
    }

    @Test
    void shouldSeeAnotherMemberJoinAndLeave() throws Exception {
        Heard a = new Heard();
        MemberTable tb = MemberTable.open(folder);
        try (MemberTable ta = MemberTable.open(folder)) {
            Member ma = ta.join(a);
            assertEquals(ProcessHandle.current().pid(), ma.pid());
            assertEquals(ProcStat.startTime(ma.pid()), ma.startTime());
            Member mb = tb.join(new Heard());
            assertNotEquals(ma.slot(), mb.slot());
            Waits.eventually("a sees b join", () -> a.has("joined " + mb.slot()));
            assertEquals(List.of(ma.slot(), mb.slot()), ta.members().stream().map(Member::slot).sorted().toList());
            tb.close();
            Waits.eventually("a sees b leave, cleanly", () -> a.has("left " + mb.slot()));
            assertFalse(a.has("died " + mb.slot()));
            assertEquals(List.of(ma), ta.members());
            assertThrows(IllegalStateException.class, () -> ta.join(a), "joined once only");
        } finally {
            tb.close();
        }
    }

    @Test
    void aJoinerIsToldOfTheMembersAlreadyThere() throws Exception {
        try (MemberTable ta = MemberTable.open(folder); MemberTable tb = MemberTable.open(folder)) {
            Member ma = ta.join(new Heard());
            Heard b = new Heard();
            tb.join(b);
            Waits.eventually("b hears of a", () -> b.has("joined " + ma.slot()));
        }
    }

    @Test
    void concurrentJoinsTakeDistinctSlots() throws Exception {
        int n = 24;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        List<MemberTable> tables = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                tables.add(MemberTable.open(folder));
            }
            CyclicBarrier start = new CyclicBarrier(n);
            List<Future<Member>> joined = new ArrayList<>();
            for (MemberTable t : tables) {
                joined.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    return t.join(new Heard());
                }));
            }
            Set<Integer> slots = new HashSet<>();
            Set<Integer> generations = new HashSet<>();
            for (Future<Member> f : joined) {
                Member m = Waits.await(f);
                assertTrue(slots.add(m.slot()), "slot " + m.slot() + " taken twice");
                generations.add(m.generation());
            }
            assertEquals(n, tables.get(0).members().size());
        } finally {
            tables.forEach(MemberTable::close);
            Waits.shutDown(pool);
        }
    }

    @Test
    void aFullNodeRefusesOneMore() {
        List<MemberTable> tables = new ArrayList<>();
        try {
            for (int i = 0; i < MemberTableLayout.SLOTS; i++) {
                MemberTable t = MemberTable.open(folder);
                tables.add(t);
                t.join(new Heard());
            }
            MemberTable extra = MemberTable.open(folder);
            tables.add(extra);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> extra.join(new Heard()));
            assertTrue(e.getMessage().contains("full"), e.getMessage());
        } finally {
            tables.forEach(MemberTable::close);
        }
    }

    /** Maps the table to write fake slots, as another JVM would. */
    private static <T> T withTable(io.courier.node.NodeFolder f, java.util.function.Function<MemorySegment, T> fn) {
        try (Arena arena = Arena.ofConfined()) {
            return fn.apply(((NodeFolderImpl) f).map(MemberTableLayout.FILE, MemberTableLayout.FILE_SIZE,
                    MemberTableLayout.FILE_SIZE, arena));
        }
    }

    private void fakeMember(int slotIndex, long pid, long startTime, int generation) {
        withTable(folder, seg -> {
            seg.set(JAVA_LONG, slot(slotIndex) + START_TIME, startTime);
            seg.set(JAVA_LONG, slot(slotIndex) + CONTROL, control(pid, generation, ALIVE));
            return null;
        });
    }

    private long controlOf(int slotIndex) {
        return withTable(folder, seg -> seg.get(JAVA_LONG, slot(slotIndex) + CONTROL));
    }

    @Test
    void aMemberWhoseProcessDiesIsDeclaredDeadAndItsSlotReclaimed() throws Exception {
        Process other = new ProcessBuilder("sleep", "30").start();
        try (MemberTable t = MemberTable.open(folder)) {
            Heard h = new Heard();
            t.join(h);
            fakeMember(40, other.pid(), ProcStat.startTime(other.pid()), 9);
            t.checkNow();
            assertTrue(h.has("joined 40"), h.events.toString());
            other.destroyForcibly();
            other.waitFor(10, TimeUnit.SECONDS);
            // Its heartbeat stands still: after a few rounds its process is looked at, and is gone.
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!h.has("died 40") && System.nanoTime() < end) {
                t.checkNow();
                Thread.sleep(20);
            }
            assertTrue(h.has("died 40"), h.events.toString());
            assertEquals(MemberTableLayout.FREE, MemberTableLayout.state(controlOf(40)));
            assertEquals(9, MemberTableLayout.generation(controlOf(40)), "the generation stays for the next joiner to move");
        } finally {
            other.destroyForcibly();
        }
    }

    @Test
    void aReusedPidDoesNotKeepADeadMemberAlive() throws Exception {
        try (MemberTable t = MemberTable.open(folder)) {
            Heard h = new Heard();
            t.join(h);
            long pid = ProcessHandle.current().pid();
            // A slot naming this (living) pid, but with another start time: the process that joined is gone.
            fakeMember(50, pid, ProcStat.startTime(pid) - 1, 3);
            t.checkNow();
            assertFalse(h.has("joined 50"), "a pid alone must not make a member alive");
            assertEquals(MemberTableLayout.FREE, MemberTableLayout.state(controlOf(50)));
            // Never seen alive, but told gone all the same: what it left in the node goes too.
            assertTrue(h.has("died 50"), h.events.toString());
        }
    }

    @Test
    void aMemberWhoseLeaseRunsOutIsDeclaredDead() throws Exception {
        Process other = new ProcessBuilder("sleep", "30").start();
        try (MemberTable t = MemberTable.open(folder, Duration.ofMillis(300))) {
            Heard h = new Heard();
            t.join(h);
            // A living process whose heartbeat never moves: hung.
            fakeMember(41, other.pid(), ProcStat.startTime(other.pid()), 1);
            Waits.eventually("the hung member is declared dead", () -> h.has("died 41"));
            assertTrue(h.events.stream().toList().indexOf("joined 41") < h.events.stream().toList().indexOf("died 41"));
        } finally {
            other.destroyForcibly();
        }
    }

    @Test
    void aMemberWithALeaseStaysAliveWhileItsHeartbeatMoves() throws Exception {
        try (MemberTable ta = MemberTable.open(folder, Duration.ofMillis(400));
                MemberTable tb = MemberTable.open(folder)) {
            Heard a = new Heard();
            ta.join(a);
            Member mb = tb.join(new Heard());
            Thread.sleep(1_200);
            assertTrue(a.has("joined " + mb.slot()));
            assertFalse(a.has("died " + mb.slot()), a.events.toString());
        }
    }

    @Test
    void aMemberDeclaredDeadByOthersIsToldItWasEvicted() throws Exception {
        try (MemberTable t = MemberTable.open(folder)) {
            Heard h = new Heard();
            Member me = t.join(h);
            withTable(folder, seg -> {
                seg.set(JAVA_LONG, slot(me.slot()) + CONTROL, control(0, me.generation(), MemberTableLayout.FREE));
                return null;
            });
            Waits.eventually("told of the eviction", () -> h.has("evicted " + me.slot()));
            assertEquals(null, t.self());
        }
    }

    @Test
    void theWatcherBumpsOurHeartbeat() throws Exception {
        try (MemberTable t = MemberTable.open(folder)) {
            Member me = t.join(new Heard());
            long before = withTable(folder, seg -> seg.get(JAVA_LONG, slot(me.slot()) + HEARTBEAT));
            Waits.eventually("the heartbeat moves",
                    () -> withTable(folder, seg -> seg.get(JAVA_LONG, slot(me.slot()) + HEARTBEAT)) > before + 2);
        }
    }

    @Test
    void garbageInASlotIsFreedNotTrusted() throws Exception {
        try (MemberTable t = MemberTable.open(folder)) {
            t.join(new Heard());
            withTable(folder, seg -> {
                seg.set(JAVA_LONG, slot(60) + CONTROL, -1L); // state 0xFF, pid 0xFFFFFFFF
                seg.set(JAVA_LONG, slot(61) + CONTROL, control(Integer.MAX_VALUE, 1, ALIVE)); // no such pid
                return null;
            });
            t.checkNow();
            assertEquals(MemberTableLayout.FREE, MemberTableLayout.state(controlOf(60)));
            assertEquals(MemberTableLayout.FREE, MemberTableLayout.state(controlOf(61)));
            assertEquals(1, t.members().size());
        }
    }

    @Test
    void aStalledOrDeadJoinerLosesItsClaim() throws Exception {
        try (MemberTable t = MemberTable.open(folder)) {
            t.join(new Heard());
            withTable(folder, seg -> {
                seg.set(JAVA_LONG, slot(62) + CONTROL, control(Integer.MAX_VALUE - 1, 4, MemberTableLayout.JOINING));
                return null;
            });
            t.checkNow();
            assertEquals(MemberTableLayout.FREE, MemberTableLayout.state(controlOf(62)));
        }
    }

    @Test
    void shouldRefuseAFileThatIsNotAMemberTable() throws Exception {
        MemberTable.open(folder).close();
        withTable(folder, seg -> {
            seg.set(java.lang.foreign.ValueLayout.JAVA_INT, MemberTableLayout.VERSION_OFFSET, 99);
            return null;
        });
        assertThrows(IllegalStateException.class, () -> MemberTable.open(folder));
    }

    @Test
    void procStatReadsTheStartTimeAfterACommandWithParentheses() {
        String line = "1234 (a) b) c) S 1 1234 1234 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 987654 10000 200";
        assertEquals(987654, ProcStat.parseStartTime(line));
        assertEquals(ProcStat.GONE, ProcStat.parseStartTime(line.replace(") S ", ") Z ")));
        assertEquals(ProcStat.GONE, ProcStat.parseStartTime("garbage"));
        assertEquals(ProcStat.GONE, ProcStat.startTime(-5));
    }
}
