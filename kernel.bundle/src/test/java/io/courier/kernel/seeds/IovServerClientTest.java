package io.courier.kernel.seeds;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.courier.kernel.Errno;
import io.courier.kernel.IoConnectLayout;
import io.courier.kernel.IoMsg;
import io.courier.kernel.Kernel;
import io.courier.kernel.MsgInfo;
import io.courier.kernel.NameAttach;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * iov_server.c and iov_client.c: the client sends a 2-part IOV, a header that says how many
 * bytes the string has and then the string; the server receives only the header, allocates
 * what the header says, and MsgRead()s the rest (SPEC K5, K6).
 */
class IovServerClientTest extends SeedSupport {
    /** {@code iov_server.h}: type (u16), pad (u16), nbytes (s32). */
    static final int IOV_HEADER = 8;

    static ByteBuffer header(int nbytes) {
        return ByteBuffer.allocate(IOV_HEADER).order(ByteOrder.nativeOrder())
                .putShort(CKSUM_MSG_TYPE).putShort((short) 0).putInt(nbytes).flip();
    }

    @Test
    void serverReadsAVariableLengthBodyAfterTheHeader() throws Exception {
        Kernel server = mk.process("iov_server");
        NameAttach attach = server.nameAttach("iov_cksum", 0);
        int lengths = 4;
        Future<Integer> srv = start(() -> {
            ByteBuffer hdr = ByteBuffer.allocate(IOV_HEADER).order(ByteOrder.nativeOrder());
            int served = 0;
            while (served < lengths) {
                hdr.clear();
                MsgInfo info = new MsgInfo();
                long rcvid = server.msgReceive(attach.chid(), hdr, info);
                if (rcvid == 0) {
                    continue;
                }
                if (IoConnectLayout.type(hdr.duplicate().flip()) == IoMsg.IO_CONNECT) {
                    server.msgReply(rcvid, Errno.EOK.code(), null);
                    continue;
                }
                int nbytes = hdr.getInt(4);
                assertEquals(IOV_HEADER + nbytes, info.srcmsglen());
                ByteBuffer body = ByteBuffer.allocate(nbytes);
                assertEquals(nbytes, server.msgRead(rcvid, body, IOV_HEADER));
                server.msgReply(rcvid, Errno.EOK.code(),
                        intReply(checksum(new String(body.array(), StandardCharsets.UTF_8))));
                served++;
            }
            return served;
        });
        Kernel client = mk.process("iov_client");
        int coid = client.nameOpen("iov_cksum", 0);
        for (String s : new String[] {"", "x", "a medium sized string", "y".repeat(100_000)}) {
            byte[] data = s.getBytes(StandardCharsets.UTF_8);
            ByteBuffer reply = ByteBuffer.allocate(4);
            client.msgSendvs(coid, new ByteBuffer[] {header(data.length), ByteBuffer.wrap(data)}, reply);
            assertEquals(checksum(s), intOf(reply), "checksum of a " + data.length + "-byte string");
        }
        assertEquals(lengths, await(srv));
    }
}
