package io.courier.kernel.seeds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.IoConnectLayout;
import io.courier.kernel.IoMsg;
import io.courier.kernel.Kernel;
import io.courier.kernel.NameAttach;
import io.courier.kernel.Pulse;
import io.courier.kernel.PulseCode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * name_lookup_server.c and name_lookup_client.c: the server puts a name into the pathname
 * space; the client finds it by name, no pid or chid on its command line. Since name_attach()
 * channels have DISCONNECT, COID_DISCONNECT and UNBLOCK, the server expects kernel pulses
 * (SPEC K14, K12).
 */
class NameLookupServerClientTest extends SeedSupport {
    static final String SERVER_NAME = "cksum";

    @Test
    void clientFindsTheServerByNameAndTheServerSeesKernelPulses() throws Exception {
        Kernel server = mk.process("name_lookup_server");
        List<String> events = new ArrayList<>();
        NameAttach attach = server.nameAttach(SERVER_NAME, 0);
        Future<Void> srv = start(() -> {
            ByteBuffer msg = ByteBuffer.allocate(512);
            for (boolean done = false; !done;) {
                msg.clear();
                long rcvid = server.msgReceive(attach.chid(), msg, null);
                if (rcvid == 0) {
                    Pulse p = Pulse.from(msg.flip());
                    if (p.code() == PulseCode.DISCONNECT) {
                        events.add("disconnect");
                        server.connectDetach(p.scoid());
                        done = true;
                    } else {
                        events.add("pulse " + p.code());
                    }
                    continue;
                }
                msg.flip();
                if (IoConnectLayout.type(msg) == IoMsg.IO_CONNECT) {
                    events.add("connect");
                    server.msgReply(rcvid, Errno.EOK.code(), null);
                    continue;
                }
                events.add("checksum");
                msg.position(msg.limit());
                server.msgReply(rcvid, Errno.EOK.code(), intReply(checksum(requestText(msg))));
            }
            return null;
        });
        Kernel client = mk.process("name_lookup_client");
        int coid = client.nameOpen(SERVER_NAME, 0);
        assertTrue(coid >= Kernel.SIDE_CHANNEL);
        ByteBuffer reply = ByteBuffer.allocate(4);
        client.msgSend(coid, checksumRequest("by name"), reply);
        assertEquals(checksum("by name"), intOf(reply));
        client.nameClose(coid);
        await(srv);
        assertEquals(List.of("connect", "checksum", "disconnect"), events);
        server.nameDetach(attach);
    }
}
