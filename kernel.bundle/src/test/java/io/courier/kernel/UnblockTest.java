package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** SPEC K13: unblocking by interruption (the signal) and kernel timeouts. */
class UnblockTest extends KernelTestSupport {

    @Test
    void k13SendBlockedClientLeavesAtOnceWhenInterrupted() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(ChannelFlags.UNBLOCK);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        AtomicReference<Thread> t = new AtomicReference<>();
        Future<Integer> c = async(() -> {
            t.set(Thread.currentThread());
            return client.msgSend(coid, text("x"), null);
        });
        awaitAnyState(client.pid(), ThreadState.SEND);
        t.get().interrupt();
        fails(Errno.EINTR, () -> await(c));
        fails(Errno.ETIMEDOUT, () -> server.msgReceive(chid, ByteBuffer.allocate(8), null, Duration.ZERO));
    }

    @Test
    void k13ReplyBlockedClientLeavesAtOnceWithoutTheUnblockFlag() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        AtomicReference<Thread> t = new AtomicReference<>();
        Future<Integer> c = async(() -> {
            t.set(Thread.currentThread());
            return client.msgSend(coid, text("x"), null);
        });
        long rcvid = server.msgReceive(chid, ByteBuffer.allocate(8), null);
        t.get().interrupt();
        fails(Errno.EINTR, () -> await(c));
        fails(Errno.ESRCH, () -> server.msgReply(rcvid, 0, null));
    }

    @Test
    void k13UnblockChannelKeepsTheClientAndSendsAnUnblockPulse() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(ChannelFlags.UNBLOCK);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        AtomicReference<Thread> t = new AtomicReference<>();
        Future<Integer> c = async(() -> {
            t.set(Thread.currentThread());
            return client.msgSend(coid, text("x"), null);
        });
        long rcvid = server.msgReceive(chid, ByteBuffer.allocate(8), null);
        assertEquals(0, server.msgInfo(rcvid).flags() & MsgInfo.UNBLOCK_REQ);
        t.get().interrupt();
        Pulse p = server.msgReceivePulse(chid, WAIT);
        assertEquals(PulseCode.UNBLOCK, p.code());
        assertEquals(rcvid, p.value(), "the pulse's value is the rcvid");
        assertEquals(MsgInfo.UNBLOCK_REQ, server.msgInfo(rcvid).flags() & MsgInfo.UNBLOCK_REQ);
        assertEquals(ThreadState.REPLY, otherState(client.pid()), "still REPLY-blocked");
        server.msgError(rcvid, -1);
        fails(Errno.EINTR, () -> await(c));
    }

    @Test
    void k13UnblockedClientMaySucceedWhenTheServerRepliesAnyway() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(ChannelFlags.UNBLOCK);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        AtomicReference<Thread> t = new AtomicReference<>();
        Future<Boolean> c = async(() -> {
            t.set(Thread.currentThread());
            int status = client.msgSend(coid, text("x"), null);
            return status == 8 && Thread.currentThread().isInterrupted();
        });
        long rcvid = server.msgReceive(chid, ByteBuffer.allocate(8), null);
        t.get().interrupt();
        assertEquals(PulseCode.UNBLOCK, server.msgReceivePulse(chid, WAIT).code());
        server.msgReply(rcvid, 8, null);
        assertTrue(await(c), "the reply wins; the interrupt is kept for the caller");
    }

    @Test
    void k13TimeoutsOnSendReplyAndReceive() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        fails(Errno.ETIMEDOUT, () -> client.msgSend(coid, text("x"), null, Duration.ofMillis(30)));
        fails(Errno.ETIMEDOUT, () -> server.msgReceive(chid, ByteBuffer.allocate(8), null, Duration.ofMillis(30)));
        Future<Integer> c = async(() -> client.msgSend(coid, text("y"), null, Duration.ofMillis(200)));
        long rcvid = server.msgReceive(chid, ByteBuffer.allocate(8), null);
        fails(Errno.ETIMEDOUT, () -> await(c));
        fails(Errno.ESRCH, () -> server.msgReply(rcvid, 0, null));
        fails(Errno.EINVAL, () -> client.msgSend(coid, text("z"), null, Duration.ofMillis(-1)));
    }

    @Test
    void k13TimerTimeoutArmsTheNextBlockingCallOnly() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        server.timerTimeout(EnumSet.of(ThreadState.RECEIVE), Duration.ofMillis(20));
        fails(Errno.ETIMEDOUT, () -> server.msgReceive(chid, ByteBuffer.allocate(8), null));
        // Disarmed: the next receive waits for the client.
        Future<Integer> c = async(() -> client.msgSend(coid, text("late"), null));
        long rcvid = server.msgReceive(chid, ByteBuffer.allocate(8), null);
        server.msgReply(rcvid, 1, null);
        assertEquals(1, await(c));
        // A SEND-only timeout does not limit the REPLY state.
        Future<Integer> d = async(() -> {
            client.timerTimeout(EnumSet.of(ThreadState.SEND), Duration.ofMillis(50));
            return client.msgSend(coid, text("x"), null);
        });
        long r2 = server.msgReceive(chid, ByteBuffer.allocate(8), null);
        Thread.sleep(100);
        server.msgReply(r2, 2, null);
        assertEquals(2, await(d));
    }

    @Test
    void k13TimeoutOnAnUnblockChannelAsksTheServerAndMsgErrorGivesEtimedout() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(ChannelFlags.UNBLOCK);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        Future<Integer> c = async(() -> client.msgSend(coid, text("x"), null, Duration.ofMillis(50)));
        long rcvid = server.msgReceive(chid, ByteBuffer.allocate(8), null);
        Pulse p = server.msgReceivePulse(chid, WAIT);
        assertEquals(PulseCode.UNBLOCK, p.code());
        assertEquals(rcvid, p.value());
        server.msgError(rcvid, -1);
        fails(Errno.ETIMEDOUT, () -> await(c));
    }

    @Test
    void k13InterruptedReceiveFailsWithEintr() throws Exception {
        Kernel server = mk.process("server");
        int chid = server.channelCreate(0);
        AtomicReference<Thread> t = new AtomicReference<>();
        Future<Long> r = async(() -> {
            t.set(Thread.currentThread());
            return server.msgReceive(chid, ByteBuffer.allocate(8), null);
        });
        awaitAnyState(server.pid(), ThreadState.RECEIVE);
        t.get().interrupt();
        fails(Errno.EINTR, () -> await(r));
    }
}
