package io.courier.kernel.seeds;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.Pulse;
import io.courier.kernel.PulseCode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * pulse_server.c and pulse_client.c: the checksum server also handles pulses (printing code
 * and value); the client sends a pulse as well as a message (SPEC K8).
 */
class PulseServerClientTest extends SeedSupport {
    static final int MY_PULSE_CODE = PulseCode.MINAVAIL + 5;

    @Test
    void serverHandlesPulsesAndChecksumMessagesOnOneReceiveLoop() throws Exception {
        Kernel server = mk.process("pulse_server");
        Kernel client = mk.process("pulse_client");
        int[] chid = {-1};
        List<String> log = new ArrayList<>();
        Future<Void> srv = start(() -> {
            chid[0] = server.channelCreate(0);
            ByteBuffer msg = ByteBuffer.allocate(256);
            for (int handled = 0; handled < 4;) {
                msg.clear();
                long rcvid = server.msgReceive(chid[0], msg, null);
                if (rcvid == 0) {
                    Pulse p = Pulse.from(msg.flip());
                    log.add("pulse code=" + p.code() + " value=" + p.value());
                } else {
                    log.add("checksum " + requestText(msg));
                    server.msgReply(rcvid, Errno.EOK.code(), intReply(checksum(requestText(msg))));
                }
                handled++;
            }
            return null;
        });
        eventually("server channel", () -> chid[0] > 0);
        int coid = client.connectAttach(0, server.pid(), chid[0], Kernel.SIDE_CHANNEL, 0);
        ByteBuffer reply = ByteBuffer.allocate(4);
        client.msgSend(coid, checksumRequest("first"), reply);
        assertEquals(checksum("first"), intOf(reply));
        client.msgSendPulse(coid, 10, MY_PULSE_CODE, 42);
        client.msgSendPulse(coid, 10, MY_PULSE_CODE, 43);
        reply.clear();
        client.msgSend(coid, checksumRequest("second"), reply);
        assertEquals(checksum("second"), intOf(reply));
        await(srv);
        assertEquals(List.of("checksum first", "pulse code=5 value=42", "pulse code=5 value=43",
                "checksum second"), log);
    }
}
