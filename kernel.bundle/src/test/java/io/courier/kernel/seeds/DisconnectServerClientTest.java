package io.courier.kernel.seeds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Kernel;
import io.courier.kernel.MsgInfo;
import io.courier.kernel.Pulse;
import io.courier.kernel.PulseCode;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * disconnect_server.c and disconnect_client.c: the checksum server keeps per-client info by
 * scoid; with the cleanup code (DISCONNECT pulse, remove_client_from_list, ConnectDetach(scoid))
 * scoids are reused and the list does not grow (SPEC K12, K15).
 */
class DisconnectServerClientTest extends SeedSupport {

    @Test
    void scoidsAreReusedAndPerClientInfoIsFreedWhenClientsGo() throws Exception {
        Kernel server = mk.process("disconnect_server");
        int chid = server.channelCreate(ChannelFlags.DISCONNECT);
        Map<Integer, String> clients = new HashMap<>();
        Set<Integer> scoidsSeen = new HashSet<>();
        for (int run = 0; run < 5; run++) {
            Kernel client = mk.process("disconnect_client");
            int coid = client.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, 0);
            var f = start(() -> client.msgSend(coid, checksumRequest("run"), ByteBuffer.allocate(4)));
            ByteBuffer msg = ByteBuffer.allocate(64);
            MsgInfo info = new MsgInfo();
            long rcvid = server.msgReceive(chid, msg, info);
            clients.put(info.scoid(), "client pid " + info.pid());
            scoidsSeen.add(info.scoid());
            server.msgReply(rcvid, 0, intReply(checksum(requestText(msg))));
            await(f);
            client.exit(); // the client terminates
            ByteBuffer pulse = ByteBuffer.allocate(Pulse.SIZE);
            assertEquals(0, server.msgReceive(chid, pulse, null));
            Pulse p = Pulse.from(pulse.flip());
            assertEquals(PulseCode.DISCONNECT, p.code());
            assertEquals(info.scoid(), p.scoid());
            clients.remove(p.scoid());   // remove_client_from_list(..., scoid)
            server.connectDetach(p.scoid()); // frees the scoid
        }
        assertTrue(clients.isEmpty(), "the per-client list is cleaned up");
        assertEquals(1, scoidsSeen.size(), "the scoid is reused: " + scoidsSeen);
    }

    @Test
    void withoutCleanupScoidsKeepIncreasing() throws Exception {
        Kernel server = mk.process("disconnect_server");
        int chid = server.channelCreate(ChannelFlags.DISCONNECT);
        Set<Integer> scoidsSeen = new HashSet<>();
        for (int run = 0; run < 3; run++) {
            Kernel client = mk.process("disconnect_client");
            int coid = client.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, 0);
            scoidsSeen.add(client.connectServerInfo(coid).scoid());
            client.exit();
        }
        assertEquals(3, scoidsSeen.size(), "never detached, never reused");
    }
}
