package io.courier.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.internal.node.NodeKernelChild;
import io.courier.kernel.internal.node.NodeTestSupport;
import io.courier.node.Member;
import java.io.BufferedReader;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 20 (B2), joining: a kernel that opts in joins the node, and the node has one pid space:
 * the pids of two kernels in two JVMs never collide, and each pid names its JVM.
 */
class NodeJoinTest extends NodeTestSupport {

    @Test
    void shouldNotJoinANodeWithoutOptingIn() {
        try (MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF)) {
            assertNull(mk.nodeSelf());
            assertNull(mk.nodeFolder());
            Kernel k = mk.process("alone");
            assertEquals(1, k.pid(), "a kernel alone gives out the pids it always did");
            assertNull(mk.nodeMember(k.pid()));
        }
    }

    @Test
    void shouldEncodeTheMemberSlotInEveryPidOfAJoinedKernel() {
        try (MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            Member self = mk.nodeSelf();
            assertNotNull(self);
            assertEquals(ProcessHandle.current().pid(), self.pid());
            for (int i = 0; i < 5; i++) {
                Kernel k = mk.process("p" + i);
                assertTrue(k.pid() > 0);
                assertEquals(self.slot(), NodeLink.memberSlot(k.pid()));
                assertEquals(self, mk.nodeMember(k.pid()));
                k.exit();
            }
            assertEquals(1, mk.node.members.members().size());
        }
    }

    @Test
    void shouldGiveTwoKernelsInTwoJvmsDisjointPidsThatNameTheirJvm() throws Exception {
        Process child = null;
        try (MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            Set<Integer> mine = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                mine.add(mk.process("parent-" + i).pid());
            }
            child = NodeKernelChild.start("pids", root.toString(), nodeName, "4");
            BufferedReader out = NodeKernelChild.output(child);
            String[] f = NodeKernelChild.expectLine(child, out, "PIDS ").split(" ");
            long childOsPid = Long.parseLong(f[1]);
            int childSlot = Integer.parseInt(f[2]);
            assertEquals(child.pid(), childOsPid);
            assertNotEquals(mk.nodeSelf().slot(), childSlot);
            for (int i = 3; i < f.length; i++) {
                int pid = Integer.parseInt(f[i]);
                assertFalse(mine.contains(pid), "pid " + pid + " given out in both JVMs");
                assertEquals(childSlot, NodeLink.memberSlot(pid));
                Member m = mk.nodeMember(pid);
                assertNotNull(m, "the parent's kernel finds the child's JVM from pid " + pid);
                assertEquals(childOsPid, m.pid());
                assertTrue(mk.process(pid).isEmpty(), "not a process of this JVM");
            }
            for (int pid : mine) {
                assertEquals(ProcessHandle.current().pid(), mk.nodeMember(pid).pid());
            }
        } finally {
            NodeKernelChild.stop(child);
        }
    }
}
