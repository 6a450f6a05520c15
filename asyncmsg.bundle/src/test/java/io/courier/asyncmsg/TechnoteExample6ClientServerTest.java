package io.courier.asyncmsg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Errno;
import io.courier.kernel.IoMsg;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.MsgInfo;
import io.courier.kernel.NameAttach;
import io.courier.kernel.Pulse;
import io.courier.kernel.PulseCode;
import io.courier.kernel.SigEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The technote's example 6, "Client and server processes": the server attaches a name, answers
 * one synchronous query with its asynchronous channel's id, and gets the client's messages when
 * the channel's pulse arrives on its synchronous channel; the client finds the server by name,
 * asks for the chid, attaches to pid and chid and puts a message at a time (SPEC A1–A5, K14).
 */
class TechnoteExample6ClientServerTest extends AsyncTestSupport {
    static final String RECV_NAME = "ASYNCH_RECEIVER";
    /** Message type of the query for the asynchronous chid: no data; the reply is a 32-bit chid. */
    static final short GET_ACHID = 2;
    /** The server's pulse code for "asynchronous messages available". */
    static final int PULSE_ASYNCH_EVENT = PulseCode.MINAVAIL + 5;

    /** What the server saw of each message. */
    record Seen(int pid, int parts, String text) {
    }

    /** asynch_server.c: returns when its process dies. */
    private static void server(Kernel k, AsyncMessaging am, NameAttach att, List<Seen> seen, List<Integer> disconnects) {
        int selfCoid = k.connectAttach(0, k.pid(), att.chid(), Kernel.SIDE_CHANNEL, 0);
        SigEvent sigev = SigEvent.pulse(selfCoid, 10, PULSE_ASYNCH_EVENT, 0);
        int achid = am.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, 1024, 10, sigev, null);
        ByteBuffer recv = ByteBuffer.allocate(64).order(ByteOrder.nativeOrder());
        MsgInfo info = new MsgInfo();
        for (;;) {
            recv.clear();
            long rcvid;
            try {
                rcvid = k.msgReceive(att.chid(), recv, info);
            } catch (KernelException e) {
                return; // the process died
            }
            recv.flip();
            if (rcvid == 0) {
                Pulse pulse = Pulse.from(recv);
                if (pulse.code() == PulseCode.DISCONNECT) {
                    k.connectDetach(pulse.scoid());
                    disconnects.add(pulse.scoid());
                } else if (pulse.code() == PULSE_ASYNCH_EVENT) {
                    for (AsyncMsgHeader agh = am.get(achid); agh != null; agh = am.get(achid)) {
                        while (agh != null) {
                            seen.add(new Seen(agh.info().pid(), agh.parts(), text(agh)));
                            AsyncMsgHeader agh1 = agh;
                            agh = agh1.next();
                            am.free(agh1);
                        }
                    }
                }
                continue;
            }
            int type = recv.getShort(0) & 0xFFFF;
            if (type == IoMsg.IO_CONNECT) {
                k.msgReply(rcvid, Errno.EOK.code(), null);
            } else if (type > IoMsg.IO_BASE && type <= IoMsg.IO_MAX) {
                k.msgError(rcvid, Errno.ENOSYS);
            } else if (type == GET_ACHID) {
                k.msgReply(rcvid, 0, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, achid));
            } else {
                k.msgError(rcvid, Errno.ENOSYS);
            }
        }
    }

    @Test
    void a1a2a3a5TheClientPutsAndTheServerGetsThroughPulsesAfterAskingForTheChid() throws Exception {
        Proc serverProc = process("asynch_server");
        Proc clientProc = process("asynch_client");
        List<Seen> seen = new CopyOnWriteArrayList<>();
        List<Integer> disconnects = new CopyOnWriteArrayList<>();
        NameAttach att = serverProc.k().nameAttach(RECV_NAME, 0);
        Future<?> server = async(() -> {
            server(serverProc.k(), serverProc.am(), att, seen, disconnects);
            return null;
        });

        Kernel client = clientProc.k();
        AsyncMessaging am = clientProc.am();
        int serverCoid = client.nameOpen(RECV_NAME, 0);
        int serverPid = client.connectServerInfo(serverCoid).pid();
        assertEquals(serverProc.pid(), serverPid);
        ByteBuffer query = ByteBuffer.allocate(2).order(ByteOrder.nativeOrder()).putShort(0, GET_ACHID);
        ByteBuffer reply = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
        assertEquals(0, client.msgSend(serverCoid, query, reply));
        int achid = reply.getInt(0);

        CallbackLog callback = new CallbackLog();
        AsyncConnectionAttr aca = AsyncConnectionAttr.builder().bufferSize(2048).maxNumBuffer(5).triggerNumMsg(1)
                .callback(callback).build();
        int acoid = am.connectAttach(0, serverPid, achid, 0, 0, aca);
        int messages = 5;
        for (int count = 1; count <= messages; count++) {
            am.put(acoid, cstring("message #" + count), count, null);
            Thread.sleep(20); // the example sleeps a second between messages
        }

        eventually("the server got " + messages + " messages", () -> seen.size() == messages);
        for (int i = 0; i < messages; i++) {
            assertEquals(new Seen(clientProc.pid(), 1, "message #" + (i + 1)), seen.get(i));
        }
        eventually("every callback ran", () -> callback.size() == messages);
        for (int i = 0; i < messages; i++) {
            CallbackLog.Call c = callback.calls.get(i);
            assertEquals(Errno.EOK, c.err());
            assertEquals(i + 1, c.handle(), "the count is the handle");
            assertNotSame(Thread.currentThread(), c.thread());
        }

        am.connectDetach(acoid);
        client.nameClose(serverCoid);
        eventually("the server heard of the disconnect", () -> disconnects.size() == 1);
        serverProc.k().exit();
        await(server);
        // Counted by the delivery thread just after it sent the pulse: possibly after the server took it.
        eventually("the channel events were pulses", () -> clientProc.am().stats().eventsDelivered() >= 1);
    }
}
