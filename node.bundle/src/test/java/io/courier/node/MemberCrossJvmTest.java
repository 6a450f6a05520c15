package io.courier.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.testing.Waits;
import java.io.BufferedReader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Real JVMs joining the node, and one killed with SIGKILL: the survivors notice within a second. */
@Timeout(180)
class MemberCrossJvmTest extends NodeTestSupport {

    /** When each member was heard of, by pid. */
    static final class Clock implements MemberListener {
        final Map<Long, Member> joined = new ConcurrentHashMap<>();
        final Map<Long, Long> diedAt = new ConcurrentHashMap<>();
        final Map<Long, Long> leftAt = new ConcurrentHashMap<>();

        @Override
        public void memberJoined(Member m) {
            joined.put(m.pid(), m);
        }

        @Override
        public void memberGone(Member m, boolean died) {
            (died ? diedAt : leftAt).put(m.pid(), System.nanoTime());
        }
    }

    @Test
    void aJvmKilledWithSigkillIsNoticedDeadWithinOneSecond() throws Exception {
        Clock clock = new Clock();
        Process child = NodeChild.start("join", root.toString(), nodeName);
        try (MemberTable table = MemberTable.open(folder)) {
            table.join(clock);
            String[] joined = NodeChild.expectLine(child, NodeChild.output(child), "JOINED").split(" ");
            int slot = Integer.parseInt(joined[1]);
            assertEquals(child.pid(), Long.parseLong(joined[2]));
            Waits.eventually("the child is seen joining", () -> clock.joined.containsKey(child.pid()));
            assertEquals(slot, clock.joined.get(child.pid()).slot());

            long killedAt = System.nanoTime();
            // Process.destroyForcibly sends SIGKILL on Linux: a kill -9, no shutdown hooks.
            child.destroyForcibly();
            Waits.eventually("the child is noticed dead", () -> clock.diedAt.containsKey(child.pid()));
            long ms = TimeUnit.NANOSECONDS.toMillis(clock.diedAt.get(child.pid()) - killedAt);
            System.out.println("a SIGKILLed member was noticed dead " + ms + " ms after the kill");
            assertTrue(ms <= 1_000, "noticed " + ms + " ms after the kill (goal: within 1 s)");
            assertEquals(List.of(table.self()), table.members(), "the dead JVM's slot is reclaimed");
        } finally {
            NodeChild.stop(child);
        }
    }

    @Test
    void severalJvmsJoiningAtOnceTakeDistinctSlots() throws Exception {
        Clock clock = new Clock();
        List<Process> children = new ArrayList<>();
        try (MemberTable table = MemberTable.open(folder)) {
            table.join(clock);
            for (int i = 0; i < 4; i++) {
                children.add(NodeChild.start("join", root.toString(), nodeName));
            }
            Set<Integer> slots = new HashSet<>();
            slots.add(table.self().slot());
            for (Process c : children) {
                BufferedReader out = NodeChild.output(c);
                int slot = Integer.parseInt(NodeChild.expectLine(c, out, "JOINED").split(" ")[1]);
                assertTrue(slots.add(slot), "slot " + slot + " taken twice");
            }
            Waits.eventually("every child is seen", () -> clock.joined.size() == children.size());
            assertEquals(children.size() + 1, table.members().size());
            for (Process c : children) {
                c.destroyForcibly();
            }
            Waits.eventually("every child is noticed dead", () -> clock.diedAt.size() == children.size());
            assertEquals(1, table.members().size());
        } finally {
            for (Process c : children) {
                NodeChild.stop(c);
            }
        }
    }
}
