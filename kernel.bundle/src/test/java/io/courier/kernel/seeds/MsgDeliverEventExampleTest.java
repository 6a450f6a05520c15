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
import io.courier.kernel.SigEvent;
import io.courier.kernel.SigEventLayout;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The example of the MsgDeliverEvent() page: the client fills in a pulse event on its own
 * channel, registers it with the server's coid, sends it in a MSG_GIVE_PULSE message; the server
 * replies at once, sleeps (2 s in the page, 100 ms here) and delivers the event (SPEC K17).
 * {@code struct my_msg} is {@code short type} then {@code struct sigevent event}, which 64-bit
 * alignment puts at offset 8; the server takes the event from the message's bytes.
 */
class MsgDeliverEventExampleTest extends SeedSupport {
    static final int MY_PULSE_CODE = PulseCode.MINAVAIL + 5;
    static final short MSG_GIVE_PULSE = (short) (IoMsg.IO_MAX + 4);
    static final String MY_SERV = "my_server_name";
    static final Duration DELAY = Duration.ofMillis(100);
    /** {@code offsetof(struct my_msg, event)}. */
    static final int EVENT = 8;

    @Test
    void clientReceivesThePulseTheServerDeliversLater() throws Exception {
        Kernel server = mk.process("server");
        NameAttach attach = server.nameAttach(MY_SERV, 0);
        AtomicLong deliveredAt = new AtomicLong();
        Future<Void> srv = start(() -> {
            ByteBuffer msg = ByteBuffer.allocate(256);
            for (;;) {
                msg.clear();
                long rcvid = server.msgReceive(attach.chid(), msg, null);
                if (rcvid == 0) {
                    continue;
                }
                msg.flip();
                if (IoConnectLayout.type(msg) == IoMsg.IO_CONNECT) {
                    server.msgReply(rcvid, Errno.EOK.code(), null);
                    continue;
                }
                if (type(msg.position(msg.limit())) == MSG_GIVE_PULSE) {
                    SigEvent event = SigEventLayout.get(msg, EVENT);
                    server.msgVerifyEvent(rcvid, event);
                    server.msgReply(rcvid, Errno.EOK.code(), null);
                    Thread.sleep(DELAY);
                    deliveredAt.set(System.nanoTime());
                    server.msgDeliverEvent(rcvid, event);
                    return null;
                }
            }
        });
        Kernel client = mk.process("client");
        int chid = client.channelCreate(0);
        int coid = client.connectAttach(0, client.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        int srvCoid = client.nameOpen(MY_SERV, 0);
        SigEvent event = SigEvent.pulse(coid, SigEvent.SIGEV_PULSE_PRIO_INHERIT, MY_PULSE_CODE, 0);
        SigEvent registered = client.msgRegisterEvent(event, srvCoid);
        ByteBuffer msg = ByteBuffer.allocate(EVENT + SigEventLayout.SIZE).order(java.nio.ByteOrder.nativeOrder())
                .putShort(0, MSG_GIVE_PULSE);
        SigEventLayout.put(msg, EVENT, registered);
        long sent = System.nanoTime();
        client.msgSend(srvCoid, msg, null);
        Pulse pulse = client.msgReceivePulse(chid, WAIT);
        assertEquals(MY_PULSE_CODE, pulse.code(), "got pulse with code 5, waiting for 5");
        assertTrue(System.nanoTime() - sent >= DELAY.toNanos(), "the pulse came later, not with the reply");
        assertTrue(deliveredAt.get() > 0);
        await(srv);
    }
}
