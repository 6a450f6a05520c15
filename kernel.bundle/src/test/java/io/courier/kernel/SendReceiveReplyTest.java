package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** SPEC K1–K4: channels, connections, Send/Receive/Reply and MsgError. */
class SendReceiveReplyTest extends KernelTestSupport {

    @Test
    void k1ChannelIdsAreOwnedAndReused() {
        Kernel p = mk.process("server");
        int a = p.channelCreate(0);
        int b = p.channelCreate(ChannelFlags.DISCONNECT | ChannelFlags.UNBLOCK);
        assertNotEquals(a, b);
        p.channelDestroy(a);
        assertEquals(a, p.channelCreate(0), "the lowest free chid is reused");
        fails(Errno.EINVAL, () -> p.channelDestroy(999));
        fails(Errno.EINVAL, () -> p.channelCreate(0x80000));
    }

    @Test
    void k1PublicChannelNeedsTheAbilityPrivateDoesNot() {
        Kernel p = mk.process("jailed");
        p.dropAbility(Ability.PUBLIC_CHANNEL);
        fails(Errno.EPERM, () -> p.channelCreate(0));
        int chid = p.channelCreate(ChannelFlags.PRIVATE);
        Kernel other = mk.process("other");
        fails(Errno.EPERM, () -> other.connectAttach(0, p.pid(), chid, 0, 0));
        int own = p.connectAttach(0, p.pid(), chid, 0, 0);
        assertTrue(own >= 0);
    }

    @Test
    void k2ConnectAttachGivesFdOrSideChannelCoids() {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int fd = client.connectAttach(0, server.pid(), chid, 0, 0);
        int side = client.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        assertTrue(fd >= 0 && fd < Kernel.SIDE_CHANNEL, "fd-range coid " + fd);
        assertTrue(side >= Kernel.SIDE_CHANNEL, "side-channel coid " + Integer.toHexString(side));
        client.connectDetach(fd);
        assertEquals(fd, client.connectAttach(0, server.pid(), chid, 0, 0), "coids are reused");
        fails(Errno.ESRCH, () -> client.connectAttach(0, 9999, chid, 0, 0));
        fails(Errno.ESRCH, () -> client.connectAttach(0, server.pid(), 77, 0, 0));
        fails(Errno.EINVAL, () -> client.connectAttach(3, server.pid(), chid, 0, 0));
        fails(Errno.EINVAL, () -> client.connectAttach(0, server.pid(), chid, -5, 0));
        fails(Errno.EINVAL, () -> client.connectAttach(0, server.pid(), chid, 0, 0x4000_0000));
        fails(Errno.EINVAL, () -> client.connectDetach(12345));
    }

    @Test
    void k2PidZeroNamesTheCallingProcessAsInQnx() throws Exception {
        Kernel server = mk.process("server");
        Kernel other = mk.process("other");
        int chid = server.channelCreate(ChannelFlags.PRIVATE);
        // ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0), as the seeds' programs write it.
        int self = server.connectAttach(0, 0, chid, Kernel.SIDE_CHANNEL, 0);
        ServerInfo info = server.connectServerInfo(self);
        assertEquals(server.pid(), info.pid());
        assertEquals(chid, info.chid());
        server.msgSendPulse(self, 10, 5, 42);
        Pulse p = server.msgReceivePulse(chid);
        assertEquals(5, p.code());
        assertEquals(42, p.value());
        // For another process, 0 names that process, which owns no such channel.
        fails(Errno.ESRCH, () -> other.connectAttach(0, 0, chid, 0, 0));
    }

    @Test
    void k3SendFirstThenReceiveAndReply() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        ByteBuffer reply = ByteBuffer.allocate(64);
        Future<Integer> status = async(() -> client.msgSend(coid, text("hello"), reply));
        awaitAnyState(client.pid(), ThreadState.SEND);
        ByteBuffer in = ByteBuffer.allocate(64);
        MsgInfo info = new MsgInfo();
        long rcvid = server.msgReceive(chid, in, info);
        assertTrue(rcvid > 0);
        assertEquals("hello", text(in));
        assertEquals(5, info.msglen());
        assertEquals(client.pid(), info.pid());
        awaitAnyState(client.pid(), ThreadState.REPLY);
        server.msgReply(rcvid, 42, text("world"));
        assertEquals(42, await(status));
        assertEquals("world", text(reply));
    }

    @Test
    void k3BuffersOfAReturnedReceiveOrReplyAreLeftAloneAndAReusedOneTakesEachCallsBytes() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        ByteBuffer first = ByteBuffer.allocate(64);
        ByteBuffer reused = ByteBuffer.allocate(64);
        ByteBuffer replyBuf = ByteBuffer.allocate(64);
        Future<Integer> one = async(() -> client.msgSend(coid, text("one"), ByteBuffer.allocate(8)));
        long r1 = server.msgReceive(chid, first, null);
        replyBuf.clear().put(text("r1"));
        server.msgReply(r1, 1, replyBuf.flip());
        assertEquals(1, await(one));
        int self = server.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        for (int i = 0; i < 3; i++) {
            String m = "msg" + i;
            ByteBuffer reply = ByteBuffer.allocate(8);
            Future<Integer> sent = async(() -> client.msgSend(coid, text(m), reply));
            // The server is not receiving: the client waits SEND-blocked, and the buffers of the
            // earlier receive and reply (which the kernel may keep a reference to) stay as they were.
            awaitAnyState(client.pid(), ThreadState.SEND);
            server.msgSendPulse(self, 1, 3, i);
            assertEquals("one", text(first), "the first receive's buffer, after message " + i);
            reused.clear();
            long rcvid = server.msgReceive(chid, reused, null);
            assertEquals(m, text(reused), "a reused buffer holds this receive's message");
            replyBuf.clear().put(text("re" + i));
            server.msgReply(rcvid, 10 + i, replyBuf.flip());
            assertEquals(10 + i, await(sent));
            assertEquals("re" + i, text(reply));
            reused.clear();
            server.msgReceive(chid, reused, null);
            assertEquals(i, reused.duplicate().order(ByteOrder.nativeOrder()).getLong(PulseLayout.VALUE),
                    "the pulse after the message, into the same buffer");
        }
        assertEquals("one", text(first));
    }

    @Test
    void k3ReceiveFirstThenSend() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        ByteBuffer in = ByteBuffer.allocate(64);
        Future<Long> received = async(() -> {
            long rcvid = server.msgReceive(chid, in, null);
            server.msgReply(rcvid, 7, text("ok"));
            return rcvid;
        });
        awaitAnyState(server.pid(), ThreadState.RECEIVE);
        ByteBuffer reply = ByteBuffer.allocate(8);
        assertEquals(7, client.msgSend(coid, text("ping"), reply));
        assertTrue(await(received) > 0);
        assertEquals("ping", text(in));
        assertEquals("ok", text(reply));
    }

    @Test
    void k3TheSmallerBufferDecidesTheBytesMoved() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        ByteBuffer smallIn = ByteBuffer.allocate(4);
        MsgInfo info = new MsgInfo();
        Future<Void> srv = async(() -> {
            long rcvid = server.msgReceive(chid, smallIn, info);
            server.msgReply(rcvid, 0, text("a long reply"));
            return null;
        });
        ByteBuffer smallReply = ByteBuffer.allocate(3);
        ByteBuffer msg = text("abcdefgh");
        client.msgSend(coid, msg, smallReply);
        await(srv);
        assertEquals("abcd", text(smallIn));
        assertEquals(4, info.msglen());
        assertEquals(8, info.srcmsglen());
        assertEquals(3, info.dstmsglen());
        assertEquals("a l", text(smallReply));
        assertEquals(0, msg.position(), "the source buffer's position is left alone");
    }

    @Test
    void k3ReplyMayCarryNoDataAndTheClientMayWantNone() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        Future<Void> srv = async(() -> {
            long a = server.msgReceive(chid, ByteBuffer.allocate(8), null);
            server.msgReply(a, -3, null);
            long b = server.msgReceive(chid, ByteBuffer.allocate(8), null);
            server.msgReply(b, 5, text("ignored"));
            return null;
        });
        ByteBuffer reply = ByteBuffer.allocate(8);
        assertEquals(-3, client.msgSend(coid, text("x"), reply));
        assertEquals(0, reply.position(), "no data, no bytes");
        assertEquals(5, client.msgSend(coid, text("y"), null));
        await(srv);
    }

    @Test
    void k3DirectBuffersWorkLikeHeapBuffers() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        ByteBuffer in = ByteBuffer.allocateDirect(16);
        Future<Void> srv = async(() -> {
            long rcvid = server.msgReceive(chid, in, null);
            ByteBuffer out = ByteBuffer.allocateDirect(4).put(new byte[] {9, 8, 7, 6}).flip();
            server.msgReply(rcvid, 0, out);
            return null;
        });
        ByteBuffer s = ByteBuffer.allocateDirect(3).put(new byte[] {1, 2, 3}).flip();
        ByteBuffer r = ByteBuffer.allocateDirect(4);
        client.msgSend(coid, s, r);
        await(srv);
        assertEquals(3, in.position());
        assertEquals(2, in.get(1));
        assertEquals(7, r.get(2));
    }

    @Test
    void k4MsgErrorFailsTheSendWithThatErrno() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        Future<Void> srv = async(() -> {
            server.msgError(server.msgReceive(chid, ByteBuffer.allocate(8), null), Errno.ENOTSUP);
            server.msgError(server.msgReceive(chid, ByteBuffer.allocate(8), null), Errno.EOK);
            server.msgError(server.msgReceive(chid, ByteBuffer.allocate(8), null), Errno.EACCES.code());
            return null;
        });
        fails(Errno.ENOTSUP, () -> client.msgSend(coid, text("a"), null));
        assertEquals(0, client.msgSend(coid, text("b"), null), "EOK makes the send succeed");
        fails(Errno.EACCES, () -> client.msgSend(coid, text("c"), null));
        await(srv);
    }

    @Test
    void replyToARcvidThatIsNotReplyBlockedIsEsrch() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        Future<Integer> c = async(() -> client.msgSend(coid, text("a"), null));
        long rcvid = server.msgReceive(chid, ByteBuffer.allocate(8), null);
        server.msgReply(rcvid, 1, null);
        assertEquals(1, await(c));
        fails(Errno.ESRCH, () -> server.msgReply(rcvid, 2, null));
        fails(Errno.ESRCH, () -> server.msgError(rcvid, Errno.EIO));
        fails(Errno.ESRCH, () -> server.msgReply(0, 2, null));
        fails(Errno.ESRCH, () -> server.msgReply(-4, 2, null));
        fails(Errno.ESRCH, () -> server.msgReply(123456789L, 2, null));
    }

    @Test
    void aStaleRcvidNeverReachesTheClientsNextMessage() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        // The same client thread sends twice; the first rcvid must not answer the second message.
        Future<int[]> c = async(() -> new int[] {client.msgSend(coid, text("1"), null),
            client.msgSend(coid, text("2"), null)});
        long first = server.msgReceive(chid, ByteBuffer.allocate(8), null);
        server.msgReply(first, 10, null);
        long second = server.msgReceive(chid, ByteBuffer.allocate(8), null);
        assertNotEquals(first, second, "a new message has a new rcvid");
        fails(Errno.ESRCH, () -> server.msgReply(first, 99, null));
        server.msgReply(second, 20, null);
        int[] statuses = await(c);
        assertEquals(10, statuses[0]);
        assertEquals(20, statuses[1]);
    }

    @Test
    void anotherProcessCannotReplyToMyRcvid() throws Exception {
        Kernel server = mk.process("server");
        Kernel intruder = mk.process("intruder");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        Future<Integer> c = async(() -> client.msgSend(coid, text("a"), null));
        long rcvid = server.msgReceive(chid, ByteBuffer.allocate(8), null);
        fails(Errno.ESRCH, () -> intruder.msgReply(rcvid, 1, null));
        server.msgReply(rcvid, 2, null);
        assertEquals(2, await(c));
    }

    @Test
    void badInputFailsWithTheRightErrnoAndLeavesTheKernelConsistent() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        fails(Errno.EFAULT, () -> client.msgSend(coid, null, null));
        fails(Errno.EFAULT, () -> client.msgSend(coid, text("x"), ByteBuffer.allocate(4).asReadOnlyBuffer()));
        fails(Errno.EFAULT, () -> server.msgReceive(chid, ByteBuffer.allocate(4).asReadOnlyBuffer(), null));
        fails(Errno.EFAULT, () -> server.msgReceive(chid, null, null));
        fails(Errno.EFAULT, () -> client.msgSendv(coid, new ByteBuffer[] {null}, null));
        fails(Errno.EBADF, () -> client.msgSend(777, text("x"), null));
        fails(Errno.EBADF, () -> client.msgSend(-1, text("x"), null));
        fails(Errno.ESRCH, () -> server.msgReceive(55, ByteBuffer.allocate(4), null));
        fails(Errno.EINVAL, () -> client.setPriority(0));
        fails(Errno.EINVAL, () -> client.setPriority(256));
        fails(Errno.EINVAL, () -> client.msgSendPulse(coid, 300, 1, 0));
        fails(Errno.EINVAL, () -> client.msgSendPulse(coid, 10, 128, 0));
        fails(Errno.EINVAL, () -> client.msgSendPulse(coid, 10, -129, 0));
        fails(Errno.EINVAL, () -> client.msgError(1, 100_000));
        // Still consistent: a normal exchange works.
        Future<Integer> c = async(() -> client.msgSend(coid, text("fine"), null));
        ByteBuffer in = ByteBuffer.allocate(8);
        long rcvid = server.msgReceive(chid, in, null);
        fails(Errno.EINVAL, () -> server.msgRead(rcvid, ByteBuffer.allocate(4), -1));
        fails(Errno.EINVAL, () -> server.msgWrite(rcvid, ByteBuffer.allocate(4), -1));
        fails(Errno.EFAULT, () -> server.msgRead(rcvid, ByteBuffer.allocate(4).asReadOnlyBuffer(), 0));
        server.msgReply(rcvid, 3, null);
        assertEquals(3, await(c));
        assertEquals("fine", text(in));
    }

    @Test
    void connectionsToADestroyedChannelFailWithEbadf() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        server.channelDestroy(chid);
        fails(Errno.EBADF, () -> client.msgSend(coid, text("x"), null));
        fails(Errno.EBADF, () -> client.msgSendPulse(coid, 10, 1, 1));
        client.connectDetach(coid);
    }

    @Test
    void channelDestroyFailsBlockedThreadsWithEsrch() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int chid2 = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        int coid2 = client.connectAttach(0, server.pid(), chid2, 0, 0);
        Future<Integer> sendBlocked = async(() -> client.msgSend(coid, text("x"), null));
        Future<Integer> replyBlocked = async(() -> client.msgSend(coid2, text("y"), null));
        long rcvid = server.msgReceive(chid2, ByteBuffer.allocate(8), null);
        Kernel other = mk.process("other");
        int chid3 = other.channelCreate(0);
        Future<Long> receiveBlocked = async(() -> other.msgReceive(chid3, ByteBuffer.allocate(8), null));
        awaitAnyState(client.pid(), ThreadState.SEND);
        awaitAnyState(other.pid(), ThreadState.RECEIVE);
        server.msgSendPulse(server.connectAttach(0, server.pid(), chid, 0, 0), 10, 1, 1);
        server.channelDestroy(chid);
        server.channelDestroy(chid2);
        other.channelDestroy(chid3);
        fails(Errno.ESRCH, () -> await(sendBlocked));
        fails(Errno.ESRCH, () -> await(replyBlocked));
        fails(Errno.ESRCH, () -> await(receiveBlocked));
        fails(Errno.ESRCH, () -> server.msgReply(rcvid, 0, null));
    }
}
