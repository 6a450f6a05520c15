package io.courier.kernel.seeds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Kernel;
import io.courier.kernel.MsgInfo;
import io.courier.kernel.Pulse;
import io.courier.kernel.PulseCode;
import io.courier.kernel.Signals;
import io.courier.kernel.ThreadState;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * unblock_server.c and unblock_client.c: the server leaves the client REPLY-blocked; the client
 * is sent SIGTERM; since the channel has _NTO_CHF_UNBLOCK it stays blocked, the server gets an
 * UNBLOCK pulse, keeps the client a while (20 s in the demo, 200 ms here), then replies
 * (SPEC K13, K18).
 */
class UnblockServerClientTest extends SeedSupport {

    @Test
    void clientStaysBlockedDespiteSigtermUntilTheServerReplies() throws Exception {
        Kernel server = mk.process("unblock_server");
        Kernel client = mk.process("unblock_client");
        int chid = server.channelCreate(ChannelFlags.UNBLOCK);
        int coid = client.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        Future<Integer> c = start(() -> client.msgSend(coid, checksumRequest("wait for me"), ByteBuffer.allocate(4)));
        ByteBuffer msg = ByteBuffer.allocate(64);
        long rcvid = server.msgReceive(chid, msg, null);
        // kill <pid>: SIGTERM to the client process.
        server.signalKill(client.pid(), 0, Signals.SIGTERM, Signals.SI_USER, 0);
        Pulse p = server.msgReceivePulse(chid, WAIT);
        assertEquals(PulseCode.UNBLOCK, p.code());
        assertEquals(rcvid, p.value());
        assertTrue((server.msgInfo(rcvid).flags() & MsgInfo.UNBLOCK_REQ) != 0);
        long held = System.nanoTime();
        Thread.sleep(Duration.ofMillis(200));
        eventually("client still REPLY-blocked", () -> mk.processes().stream()
                .filter(x -> x.pid() == client.pid()).flatMap(x -> x.threads().stream())
                .anyMatch(t -> t.state() == ThreadState.REPLY));
        server.msgReply(rcvid, 0, intReply(checksum(requestText(msg))));
        assertEquals(0, await(c));
        assertTrue(System.nanoTime() - held >= Duration.ofMillis(200).toNanos());
    }
}
