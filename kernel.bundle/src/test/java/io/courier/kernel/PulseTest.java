package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** SPEC K8: pulses. */
class PulseTest extends KernelTestSupport {

    @Test
    void k8PulseIsReceivedAsRcvidZeroWithItsBytes() {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        client.msgSendPulse(coid, 12, PulseCode.MAXAVAIL, 0x1234_5678_9ABC_DEF0L);
        ByteBuffer buf = ByteBuffer.allocate(64);
        MsgInfo info = new MsgInfo().set(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        assertEquals(0, server.msgReceive(chid, buf, info));
        assertEquals(Pulse.SIZE, buf.position());
        Pulse p = Pulse.from(buf.flip());
        assertEquals(PulseCode.MAXAVAIL, p.code());
        assertEquals(0x1234_5678_9ABC_DEF0L, p.value());
        assertEquals(client.connectServerInfo(coid).scoid(), p.scoid());
        assertEquals(8, info.msglen(), "info is not updated for pulses");
    }

    @Test
    void k8SendingAPulseNeverBlocks() {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        for (int i = 0; i < 1000; i++) {
            client.msgSendPulse(coid, 10, 1, i);
        }
        for (int i = 0; i < 1000; i++) {
            assertEquals(i, server.msgReceivePulse(chid).value());
        }
    }

    @Test
    void k8ABufferTooSmallForAPulseIsEfaultAndThePulseIsLost() {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        client.msgSendPulse(coid, 10, 1, 111);
        client.msgSendPulse(coid, 10, 2, 222);
        fails(Errno.EFAULT, () -> server.msgReceive(chid, ByteBuffer.allocate(Pulse.SIZE - 1), null));
        ByteBuffer ok = ByteBuffer.allocate(Pulse.SIZE);
        assertEquals(0, server.msgReceive(chid, ok, null));
        assertEquals(222, Pulse.from(ok.flip()).value(), "the first pulse was dropped");
    }

    @Test
    void k8WaitingReceiverWithSmallBufferGetsEfaultToo() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        Future<Long> r = async(() -> server.msgReceive(chid, ByteBuffer.allocate(4), null));
        awaitAnyState(server.pid(), ThreadState.RECEIVE);
        client.msgSendPulse(coid, 10, 1, 1);
        fails(Errno.EFAULT, () -> await(r));
    }

    @Test
    void k8MsgReceivePulseLeavesMessagesQueued() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        Future<Integer> sender = async(() -> client.msgSend(coid, text("msg"), null));
        awaitAnyState(client.pid(), ThreadState.SEND);
        Future<Pulse> p = async(() -> server.msgReceivePulse(chid));
        awaitAnyState(server.pid(), ThreadState.RECEIVE);
        assertEquals(ThreadState.SEND, otherState(client.pid()), "the message is not taken by a pulse receive");
        client.msgSendPulse(coid, 10, 5, 55);
        assertEquals(55, await(p).value());
        ByteBuffer in = ByteBuffer.allocate(8);
        long rcvid = server.msgReceive(chid, in, null);
        server.msgReply(rcvid, 9, null);
        assertEquals(9, await(sender));
        fails(Errno.ETIMEDOUT, () -> server.msgReceivePulse(chid, Duration.ofMillis(20)));
    }

    @Test
    void k8PointerPulsesCarryAnObjectInProcess() {
        Kernel server = mk.process("server");
        int chid = server.channelCreate(0);
        int self = server.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        Object token = new Object();
        server.msgSendPulsePtr(self, -1, 3, token);
        Pulse p = server.msgReceivePulse(chid);
        assertSame(token, p.pointer());
        assertEquals(Kernel.PRIORITY_DEFAULT, p.priority(), "-1 is the caller's priority");
        server.msgSendPulse(self, 10, 4, 0);
        assertNull(server.msgReceivePulse(chid).pointer());
    }

    @Test
    void k8CodesAreEightBitSignedSystemCodesIncluded() {
        Kernel server = mk.process("server");
        int chid = server.channelCreate(0);
        int self = server.connectAttach(0, server.pid(), chid, 0, 0);
        server.msgSendPulse(self, 10, PulseCode.MIN, 1);
        server.msgSendPulse(self, 10, PulseCode.MINAVAIL, 2);
        ByteBuffer b = ByteBuffer.allocate(Pulse.SIZE);
        server.msgReceive(chid, b, null);
        assertEquals(-128, Pulse.from(b.flip()).code());
        b.clear();
        server.msgReceive(chid, b, null);
        assertEquals(0, Pulse.from(b.flip()).code());
    }

    @Test
    void k8PulsesAcrossUsersNeedTheSignalAbility() {
        Kernel server = mk.process("server", new Credentials(1, 1));
        Kernel client = mk.process("client", new Credentials(2, 2));
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        client.msgSendPulse(coid, 10, 1, 1);
        client.dropAbility(Ability.SIGNAL);
        fails(Errno.EPERM, () -> client.msgSendPulse(coid, 10, 1, 2));
        assertEquals(1, server.msgReceivePulse(chid).value());
    }

    @Test
    void k8ACannotBeRepliedTo() {
        Kernel server = mk.process("server");
        int chid = server.channelCreate(0);
        int self = server.connectAttach(0, server.pid(), chid, 0, 0);
        server.msgSendPulse(self, 10, 1, 1);
        long rcvid = server.msgReceive(chid, ByteBuffer.allocate(Pulse.SIZE), null);
        assertEquals(0, rcvid);
        fails(Errno.ESRCH, () -> server.msgReply(rcvid, 0, null));
    }
}
