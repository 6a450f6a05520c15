package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** SPEC K14: name_attach, name_open with the _IO_CONNECT exchange, name_close, name_detach. */
class NamesTest extends KernelTestSupport {

    @Test
    void k14NameOpenSendsIoConnectThatTheServerRepliesEokTo() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        NameAttach attach = server.nameAttach("checksum", 0);
        assertEquals(List.of(new NameInfo("checksum", server.pid(), attach.chid())), mk.names());
        Future<Integer> open = async(() -> client.nameOpen("checksum", 0));
        ByteBuffer in = ByteBuffer.allocate(512);
        long rcvid = server.msgReceive(attach.chid(), in, null);
        assertTrue(rcvid > 0);
        in.flip();
        assertEquals(IoMsg.IO_CONNECT, IoConnectLayout.type(in));
        assertEquals("checksum", IoConnectLayout.path(in));
        server.msgReply(rcvid, Errno.EOK.code(), null);
        int coid = await(open);
        assertTrue(coid >= Kernel.SIDE_CHANNEL, "name_open gives a side-channel coid");
        assertEquals(server.pid(), client.connectServerInfo(coid).pid());
        client.nameClose(coid);
        Pulse p = server.msgReceivePulse(attach.chid(), WAIT);
        assertEquals(PulseCode.DISCONNECT, p.code(), "name_attach channels have DISCONNECT");
        server.connectDetach(p.scoid());
        server.nameDetach(attach);
        assertEquals(List.of(), mk.names());
        fails(Errno.ENOENT, () -> client.nameOpen("checksum", 0));
    }

    @Test
    void k14ServerRefusingTheConnectFailsTheOpen() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        NameAttach attach = server.nameAttach("picky", 0);
        Future<Integer> open = async(() -> client.nameOpen("picky", 0));
        long rcvid = server.msgReceive(attach.chid(), ByteBuffer.allocate(256), null);
        server.msgError(rcvid, Errno.EACCES);
        fails(Errno.EACCES, () -> await(open));
        assertTrue(mk.connections().stream().noneMatch(c -> c.pid() == client.pid()), "the connection was closed");
    }

    @Test
    void k14NamesAreUniqueAndChecked() {
        Kernel a = mk.process("a");
        Kernel b = mk.process("b");
        NameAttach attach = a.nameAttach("svc", 0);
        fails(Errno.EEXIST, () -> b.nameAttach("svc", 0));
        fails(Errno.EINVAL, () -> b.nameAttach("", 0));
        fails(Errno.EINVAL, () -> b.nameAttach(null, 0));
        fails(Errno.EINVAL, () -> b.nameAttach("a/b", 0));
        fails(Errno.EINVAL, () -> b.nameAttach("..", 0));
        fails(Errno.EINVAL, () -> b.nameAttach("tab\there", 0));
        fails(Errno.ENAMETOOLONG, () -> b.nameAttach("x".repeat(256), 0));
        fails(Errno.EINVAL, () -> b.nameAttach("ok", 0x80));
        fails(Errno.EINVAL, () -> b.nameDetach(attach));
        NameAttach odd = b.nameAttach("odd name-ü.1", 0);
        assertEquals(2, mk.names().size());
        b.nameDetach(odd);
        fails(Errno.EINVAL, () -> b.nameDetach(odd));
        a.nameDetach(attach);
        NameAttach again = b.nameAttach("svc", 0);
        assertEquals("svc", again.name());
    }

    @Test
    void k14ServerAnswersTheConnectOnItsReceiveLoopLikeAnyMessage() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        NameAttach attach = server.nameAttach("echo", 0);
        Future<Void> srv = async(() -> {
            ByteBuffer in = ByteBuffer.allocate(512);
            for (int served = 0; served < 2;) {
                in.clear();
                long rcvid = server.msgReceive(attach.chid(), in, null);
                if (rcvid == 0) {
                    continue;
                }
                in.flip();
                if (IoConnectLayout.type(in) == IoMsg.IO_CONNECT) {
                    server.msgReply(rcvid, 0, null);
                    served++;
                    continue;
                }
                server.msgReply(rcvid, in.remaining(), in);
                served++;
            }
            return null;
        });
        int coid = client.nameOpen("echo", 0);
        ByteBuffer r = ByteBuffer.allocate(16);
        assertEquals(IoMsg.IO_MAX + 3, IoMsg.IO_MAX + client.msgSend(coid, text("abc"), r));
        assertEquals("abc", text(r));
        await(srv);
    }
}
