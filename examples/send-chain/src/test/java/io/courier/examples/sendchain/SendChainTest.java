package io.courier.examples.sendchain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.kernel.SendCycle;
import io.courier.kernel.SendInfo;
import io.courier.kernel.ThreadState;
import io.courier.testing.Waits;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The example's chain stands as its javadoc draws it (SPEC K16, K19), and goes with close(). */
@Timeout(120)
class SendChainTest {
    private final Microkernel mk = Microkernel.boot();

    @AfterEach
    void closeKernel() {
        mk.close();
    }

    @Test
    void k19ChainStandsWithItsRefusedCycleAndEndsOnClose() throws Exception {
        try (SendChain chain = SendChain.start(mk, 50)) {
            List<Integer> pids = chain.pids();
            int a = pids.get(0);
            int b = pids.get(1);
            int c = pids.get(2);
            int d = pids.get(3);
            int load = pids.get(4);
            List<SendInfo> sends = mk.sends();
            assertEquals(1 + 1 + 1 + 50, sends.size(), sends.toString());
            assertTrue(sends.stream().anyMatch(s -> s.pid() == a && s.state() == ThreadState.REPLY && s.serverPid() == b));
            assertTrue(sends.stream().anyMatch(s -> s.pid() == b && s.state() == ThreadState.REPLY && s.serverPid() == c));
            assertTrue(sends.stream().anyMatch(s -> s.pid() == d && s.state() == ThreadState.SEND && s.serverPid() == b));
            assertEquals(50, sends.stream().filter(s -> s.pid() == load && s.state() == ThreadState.SEND).count());
            SendCycle cycle = mk.sendCycles().getLast();
            assertEquals(List.of(c, a, b), cycle.threads().stream().map(SendCycle.Member::pid).toList());
        }
        Waits.eventually("the chain's processes are gone", () -> mk.processes().isEmpty());
        assertEquals(List.of(), mk.sends());
    }

    @Test
    void negativeClientsAreEinval() {
        KernelException e = assertThrows(KernelException.class, () -> SendChain.start(mk, -1));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals(List.of(), mk.processes());
    }
}
