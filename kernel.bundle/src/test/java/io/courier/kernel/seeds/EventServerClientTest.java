package io.courier.kernel.seeds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.IoConnectLayout;
import io.courier.kernel.IoMsg;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.NameAttach;
import io.courier.kernel.Pulse;
import io.courier.kernel.PulseCode;
import io.courier.kernel.SigEvent;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The course's event_server.c and event_client.c: the client formats a pulse event, registers
 * it, and gives it to the server; the server verifies and saves rcvid and event per client and
 * delivers it every period (1 s in the course, 20 ms here). The advanced part: several clients in
 * a list, a client killed and restarted, its entry dropped on DISCONNECT (SPEC K17, K12).
 */
class EventServerClientTest extends SeedSupport {
    static final short REQUEST_EVENTS = (short) (IoMsg.IO_MAX + 10);
    static final int TICK_CODE = PulseCode.MINAVAIL + 1;
    static final Duration PERIOD = Duration.ofMillis(20);

    /** Events travel in-process by reference: the server reads the one the client handed over. */
    final Map<Integer, SigEvent> mailbox = new ConcurrentHashMap<>();

    record Entry(long rcvid, SigEvent event) {
    }

    @Test
    void serverDeliversPeriodicallyToEveryClientInItsList() throws Exception {
        Kernel server = mk.process("event_server");
        NameAttach attach = server.nameAttach("event_server", 0);
        Map<Integer, Entry> clients = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        Future<Integer> srv = start(() -> {
            int deliveries = 0;
            ByteBuffer msg = ByteBuffer.allocate(256);
            long next = System.nanoTime() + PERIOD.toNanos();
            while (!stop.get()) {
                msg.clear();
                long rcvid;
                try {
                    rcvid = server.msgReceive(attach.chid(), msg, null, PERIOD);
                } catch (KernelException e) {
                    if (e.errno() != Errno.ETIMEDOUT) {
                        throw e;
                    }
                    rcvid = -1;
                }
                if (rcvid == 0) {
                    Pulse p = Pulse.from(msg.flip());
                    if (p.code() == PulseCode.DISCONNECT) {
                        clients.remove(p.scoid());
                        server.connectDetach(p.scoid());
                    }
                } else if (rcvid > 0) {
                    msg.flip();
                    if (IoConnectLayout.type(msg) == IoMsg.IO_CONNECT) {
                        server.msgReply(rcvid, Errno.EOK.code(), null);
                    } else {
                        int pid = server.msgInfo(rcvid).pid();
                        int scoid = server.msgInfo(rcvid).scoid();
                        SigEvent ev = mailbox.get(pid);
                        try {
                            server.msgVerifyEvent(rcvid, ev);
                            clients.put(scoid, new Entry(rcvid, ev));
                            server.msgReply(rcvid, Errno.EOK.code(), null);
                        } catch (KernelException e) {
                            server.msgError(rcvid, e.errno());
                        }
                    }
                }
                if (System.nanoTime() - next >= 0) {
                    next += PERIOD.toNanos();
                    for (Entry e : clients.values()) {
                        try {
                            server.msgDeliverEvent(e.rcvid(), e.event());
                            deliveries++;
                        } catch (KernelException ex) {
                            // The client went between our tick and its DISCONNECT pulse.
                        }
                    }
                }
            }
            return deliveries;
        });
        Kernel first = mk.process("event_client");
        Kernel second = mk.process("event_client");
        assertTrue(ticks(first, 3) >= 3);
        assertTrue(ticks(second, 3) >= 3);
        eventually("both clients in the list", () -> clients.size() == 2);
        first.exit(); // kill the client
        eventually("the killed client left the list", () -> clients.size() == 1);
        Kernel restarted = mk.process("event_client");
        assertTrue(ticks(restarted, 2) >= 2, "a restarted client is served again");
        eventually("two clients again", () -> clients.size() == 2);
        stop.set(true);
        assertTrue(await(srv) >= 7);
    }

    /** event_client.c: format the event, register it, hand it over, then count pulses. */
    private int ticks(Kernel client, int want) {
        int chid = client.channelCreate(0);
        int self = client.connectAttach(0, client.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        int srv = client.nameOpen("event_server", 0);
        SigEvent ev = client.msgRegisterEvent(SigEvent.pulse(self, 10, TICK_CODE, client.pid()), srv);
        mailbox.put(client.pid(), ev);
        ByteBuffer req = ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder()).putShort(REQUEST_EVENTS)
                .putShort((short) 0).flip();
        client.msgSend(srv, req, null);
        int got = 0;
        while (got < want) {
            Pulse p = client.msgReceivePulse(chid, WAIT);
            assertEquals(TICK_CODE, p.code());
            assertEquals(client.pid(), p.value());
            got++;
        }
        return got;
    }
}
