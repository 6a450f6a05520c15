package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.internal.MicrokernelImpl;
import java.nio.ByteBuffer;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** SPEC K12 (kernel pulses) and K15 (process death cleans up everything; ids are reused). */
class ProcessDeathTest extends KernelTestSupport {

    @Test
    void k15ServerDeathFailsBlockedClientsAndSendsCoiddeath() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(ChannelFlags.DISCONNECT);
        int clientChid = client.channelCreate(ChannelFlags.COID_DISCONNECT);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        int coid2 = client.connectAttach(0, server.pid(), chid, 0, 0);
        Future<Integer> replyBlocked = async(() -> client.msgSend(coid, text("a"), null));
        server.msgReceive(chid, ByteBuffer.allocate(8), null);
        Future<Integer> sendBlocked = async(() -> client.msgSend(coid2, text("b"), null));
        awaitAnyState(client.pid(), ThreadState.SEND);
        Future<Long> serverReceiving = async(() -> server.msgReceive(server.channelCreate(0), ByteBuffer.allocate(8),
                null));
        awaitAnyState(server.pid(), ThreadState.RECEIVE);
        server.exit();
        fails(Errno.ESRCH, () -> await(replyBlocked));
        fails(Errno.ESRCH, () -> await(sendBlocked));
        fails(Errno.ESRCH, () -> await(serverReceiving));
        Pulse p1 = client.msgReceivePulse(clientChid, WAIT);
        Pulse p2 = client.msgReceivePulse(clientChid, WAIT);
        assertEquals(PulseCode.COIDDEATH, p1.code());
        assertEquals(PulseCode.COIDDEATH, p2.code());
        assertEquals(coid + coid2, p1.value() + p2.value(), "one COIDDEATH per connection, value = coid");
        fails(Errno.EBADF, () -> client.msgSend(coid, text("c"), null));
        fails(Errno.ESRCH, () -> client.connectAttach(0, server.pid(), chid, 0, 0));
        fails(Errno.ESRCH, () -> server.channelCreate(0));
        client.connectDetach(coid);
        client.connectDetach(coid2);
        fails(Errno.EINVAL, () -> client.connectDetach(coid), "double detach");
    }

    @Test
    void k15ClientDeathSendsDisconnectAndFreesItsBlockedMessage() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(ChannelFlags.DISCONNECT);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        client.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        Future<Integer> sender = async(() -> client.msgSend(coid, text("a"), null));
        MsgInfo info = new MsgInfo();
        long rcvid = server.msgReceive(chid, ByteBuffer.allocate(8), info);
        client.exit();
        fails(Errno.ESRCH, () -> await(sender));
        fails(Errno.ESRCH, () -> server.msgReply(rcvid, 0, null), "the client is gone");
        Pulse p = server.msgReceivePulse(chid, WAIT);
        assertEquals(PulseCode.DISCONNECT, p.code());
        assertEquals(info.scoid(), p.scoid());
        assertEquals(info.scoid(), p.value());
        server.connectDetach(p.scoid());
        fails(Errno.ESRCH, () -> server.connectClientInfo(p.scoid()));
        fails(Errno.ETIMEDOUT, () -> server.msgReceivePulse(chid, java.time.Duration.ofMillis(20)),
                "one DISCONNECT for all of a client's connections");
    }

    @Test
    void k12ThreadDeathPulse() throws Exception {
        Kernel p = mk.process("p");
        int chid = p.channelCreate(ChannelFlags.THREAD_DEATH);
        AtomicInteger tid = new AtomicInteger();
        Thread t = Thread.ofPlatform().start(() -> tid.set(p.tid()));
        t.join(WAIT.toMillis());
        Pulse pulse = p.msgReceivePulse(chid, WAIT);
        assertEquals(PulseCode.THREADDEATH, pulse.code());
        assertEquals(tid.get(), pulse.value());
    }

    @Test
    void k15ExitHooksRunAndTheProcessIsGone() {
        Kernel p = mk.process("p");
        AtomicInteger ran = new AtomicInteger();
        p.atExit(ran::incrementAndGet);
        p.atExit(() -> {
            throw new IllegalStateException("a failing hook does not stop the others");
        });
        p.atExit(ran::incrementAndGet);
        assertTrue(p.isAlive());
        p.exit();
        p.exit();
        assertFalse(p.isAlive());
        assertEquals(2, ran.get());
        assertTrue(mk.process(p.pid()).isEmpty());
        assertTrue(mk.processes().stream().noneMatch(x -> x.pid() == p.pid()));
        fails(Errno.ESRCH, () -> p.atExit(() -> { }));
        fails(Errno.ESRCH, p::tid);
    }

    @Test
    void k15AMillionConnectDetachCyclesLeakNothing() {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int firstCoid = client.connectAttach(0, server.pid(), chid, 0, 0);
        client.connectDetach(firstCoid);
        int threads = ((MicrokernelImpl) mk).threadCount();
        for (int i = 0; i < 1_000_000; i++) {
            int coid = client.connectAttach(0, server.pid(), chid, (i & 1) == 0 ? 0 : Kernel.SIDE_CHANNEL, 0);
            client.connectDetach(coid);
        }
        assertEquals(firstCoid, client.connectAttach(0, server.pid(), chid, 0, 0), "coids are reused");
        assertEquals(1, mk.connections().size(), "only the last connection is left");
        assertEquals(threads, ((MicrokernelImpl) mk).threadCount());
        // Processes too: pids are reused.
        int pid = mk.process("temp").pid();
        for (int i = 0; i < 10_000; i++) {
            Kernel k = mk.process("temp");
            k.channelCreate(0);
            k.exit();
        }
        mk.process(pid).ifPresent(Kernel::exit);
        int again = mk.process("again").pid();
        assertEquals(pid & 0xFFFF, again & 0xFFFF, "the process slot is reused");
        assertTrue(again != pid, "with a new pid, so a stale pid never names the new process");
        assertTrue(mk.process(pid).isEmpty());
    }

    @Test
    void k15KernelCloseEndsEveryProcess() throws Exception {
        Kernel server = mk.process("server");
        int chid = server.channelCreate(0);
        Future<Long> r = async(() -> server.msgReceive(chid, ByteBuffer.allocate(8), null));
        awaitAnyState(server.pid(), ThreadState.RECEIVE);
        mk.close();
        fails(Errno.ESRCH, () -> await(r));
        assertTrue(mk.processes().isEmpty());
        fails(Errno.ENXIO, () -> mk.process("late"));
    }
}
