package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** SPEC K5 (IOVs), K6 (MsgRead/MsgWrite) and K7 (message and connection information). */
class IovReadWriteInfoTest extends KernelTestSupport {

    @Test
    void k5IovsAreOneContiguousByteSequenceBothWays() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        ByteBuffer r1 = ByteBuffer.allocate(3);
        ByteBuffer r2 = ByteBuffer.allocate(10);
        Future<Void> srv = async(() -> {
            ByteBuffer a = ByteBuffer.allocate(2);
            ByteBuffer b = ByteBuffer.allocateDirect(4);
            ByteBuffer c = ByteBuffer.allocate(20);
            MsgInfo info = new MsgInfo();
            long rcvid = server.msgReceivev(chid, new ByteBuffer[] {a, b, c}, info);
            assertEquals("ab", text(a));
            assertEquals(4, b.position());
            assertEquals("ghijk", text(c));
            assertEquals(11, info.msglen());
            server.msgReplyv(rcvid, 1, new ByteBuffer[] {text("XY"), text("Z12345")});
            return null;
        });
        int status = client.msgSendv(coid, new ByteBuffer[] {text("abc"), text("def"), text("ghijk")},
                new ByteBuffer[] {r1, r2});
        await(srv);
        assertEquals(1, status);
        assertEquals("XYZ", text(r1));
        assertEquals("12345", text(r2));
    }

    @Test
    void k5MixedFormsSendsvAndSendvs() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        Future<Void> srv = async(() -> {
            for (int i = 0; i < 2; i++) {
                ByteBuffer in = ByteBuffer.allocate(16);
                long rcvid = server.msgReceive(chid, in, null);
                server.msgReply(rcvid, 0, text(text(in).toUpperCase()));
            }
            return null;
        });
        ByteBuffer p1 = ByteBuffer.allocate(2);
        ByteBuffer p2 = ByteBuffer.allocate(2);
        client.msgSendsv(coid, text("abcd"), new ByteBuffer[] {p1, p2});
        assertEquals("AB", text(p1));
        assertEquals("CD", text(p2));
        ByteBuffer r = ByteBuffer.allocate(8);
        client.msgSendvs(coid, new ByteBuffer[] {text("x"), text("yz")}, r);
        assertEquals("XYZ", text(r));
        await(srv);
    }

    @Test
    void k6MsgReadFetchesTheRestAtAnOffsetAfterTheHeader() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        Future<String> srv = async(() -> {
            ByteBuffer header = ByteBuffer.allocate(4);
            MsgInfo info = new MsgInfo();
            long rcvid = server.msgReceive(chid, header, info);
            int n = header.flip().getInt();
            assertEquals(4 + n, info.srcmsglen());
            ByteBuffer body = ByteBuffer.allocate(n);
            assertEquals(n, server.msgRead(rcvid, body, 4));
            ByteBuffer tail = ByteBuffer.allocate(100);
            assertEquals(3, server.msgRead(rcvid, tail, 4 + n - 3));
            assertEquals(0, server.msgRead(rcvid, ByteBuffer.allocate(5), 4 + n + 10), "past the end: nothing");
            ByteBuffer[] parts = {ByteBuffer.allocate(2), ByteBuffer.allocate(2)};
            assertEquals(4, server.msgReadv(rcvid, parts, 5));
            server.msgReply(rcvid, 0, null);
            return text(body) + "|" + text(parts[0]) + text(parts[1]);
        });
        ByteBuffer header = ByteBuffer.allocate(4).putInt(11).flip();
        client.msgSendv(coid, new ByteBuffer[] {header, text("hello world")}, null);
        assertEquals("hello world|ello", await(srv));
    }

    @Test
    void k6MsgWriteFillsTheReplyBufferWithoutUnblocking() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        ByteBuffer reply = ByteBuffer.allocate(12);
        Future<Integer> c = async(() -> client.msgSend(coid, text("q"), reply));
        long rcvid = server.msgReceive(chid, ByteBuffer.allocate(4), null);
        assertEquals(5, server.msgWrite(rcvid, text("world"), 6));
        assertEquals(6, server.msgWritev(rcvid, new ByteBuffer[] {text("hel"), text("lo ")}, 0));
        assertEquals(1, server.msgWrite(rcvid, text("!!!!"), 11), "only the room left is written");
        assertEquals(ThreadState.REPLY, otherState(client.pid()), "msgWrite does not unblock");
        server.msgReply(rcvid, 0, null);
        assertEquals(0, await(c));
        assertEquals("hello world!", text(reply), "position covers every written byte");
    }

    @Test
    void k7MsgInfoAndConnectionInfoTellWhoIsTalking() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client", new Credentials(100, 200));
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        ServerInfo si = client.connectServerInfo(coid);
        assertEquals(server.pid(), si.pid());
        assertEquals(chid, si.chid());
        int[] tid = new int[1];
        Future<Integer> c = async(() -> {
            client.setPriority(17);
            tid[0] = client.tid();
            return client.msgSend(coid, text("12345"), ByteBuffer.allocate(9));
        });
        MsgInfo info = new MsgInfo();
        long rcvid = server.msgReceive(chid, ByteBuffer.allocate(3), info);
        assertEquals(client.pid(), info.pid());
        assertEquals(tid[0], info.tid());
        assertEquals(2, info.tid(), "the main thread is tid 1, the sender tid 2");
        assertEquals(chid, info.chid());
        assertEquals(coid, info.coid());
        assertEquals(si.scoid(), info.scoid());
        assertEquals(17, info.priority());
        assertEquals(0, info.flags());
        assertEquals(3, info.msglen());
        assertEquals(5, info.srcmsglen());
        assertEquals(9, info.dstmsglen());
        MsgInfo again = server.msgInfo(rcvid);
        assertEquals(info.toString().replace("msglen=3", "msglen=5"), again.toString());
        ClientInfo ci = server.connectClientInfo(info.scoid());
        assertEquals(new ClientInfo(client.pid(), 100, 200), ci);
        server.msgReply(rcvid, 0, null);
        await(c);
        fails(Errno.ESRCH, () -> server.msgInfo(rcvid));
        fails(Errno.ESRCH, () -> server.connectClientInfo(12));
        fails(Errno.EBADF, () -> client.connectServerInfo(999));
        assertTrue(info.scoid() != coid, "scoids and coids are different spaces");
    }
}
