package io.courier.kernel.seeds;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.courier.kernel.Errno;
import io.courier.kernel.IoConnectLayout;
import io.courier.kernel.IoMsg;
import io.courier.kernel.Kernel;
import io.courier.kernel.NameAttach;
import io.courier.kernel.PulseCode;
import io.courier.kernel.SigEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The asynchronous I/O pattern of the MsgDeliverEvent() page: A sends to B an async request (B
 * acknowledges at once), B delivers a pulse when the data is available, A sends for the data and
 * B replies with it. B never sends to A, so no deadlock is possible (SPEC K17).
 */
class AsyncIoPatternTest extends SeedSupport {
    static final short ASYNC_REQUEST = (short) (IoMsg.IO_MAX + 20);
    static final short FETCH = (short) (IoMsg.IO_MAX + 21);
    static final int DATA_READY = PulseCode.MINAVAIL + 2;

    @Test
    void requestAcknowledgePulseFetch() throws Exception {
        Kernel b = mk.process("B");
        NameAttach attach = b.nameAttach("B", 0);
        AtomicReference<SigEvent> handed = new AtomicReference<>();
        List<String> trace = java.util.Collections.synchronizedList(new ArrayList<>());
        Future<Void> server = start(() -> {
            long requester = 0;
            ByteBuffer msg = ByteBuffer.allocate(64).order(ByteOrder.nativeOrder());
            for (;;) {
                msg.clear();
                long rcvid = b.msgReceive(attach.chid(), msg, null);
                if (rcvid == 0) {
                    continue;
                }
                if (IoConnectLayout.type(msg.duplicate().flip()) == IoMsg.IO_CONNECT) {
                    b.msgReply(rcvid, Errno.EOK.code(), null);
                    continue;
                }
                short t = msg.getShort(0);
                if (t == ASYNC_REQUEST) {
                    trace.add("B replies to A: request acknowledged");
                    requester = rcvid;
                    b.msgReply(rcvid, Errno.EOK.code(), null);
                    Thread.sleep(20); // the data arrives later
                    trace.add("B sends pulse to A: data available");
                    b.msgDeliverEvent(requester, handed.get());
                } else if (t == FETCH) {
                    trace.add("B replies to A with data");
                    b.msgReply(rcvid, Errno.EOK.code(), ByteBuffer.wrap("the data".getBytes(StandardCharsets.UTF_8)));
                    return null;
                }
            }
        });
        Kernel a = mk.process("A");
        int chid = a.channelCreate(0);
        int self = a.connectAttach(0, a.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        int toB = a.nameOpen("B", 0);
        handed.set(a.msgRegisterEvent(SigEvent.pulse(self, 10, DATA_READY, 0), toB));
        trace.add("A sends to B: async IO request");
        a.msgSend(toB, ByteBuffer.allocate(2).order(ByteOrder.nativeOrder()).putShort(0, ASYNC_REQUEST), null);
        assertEquals(DATA_READY, a.msgReceivePulse(chid, WAIT).code());
        trace.add("A sends to B: request for the data");
        ByteBuffer data = ByteBuffer.allocate(32);
        a.msgSend(toB, ByteBuffer.allocate(2).order(ByteOrder.nativeOrder()).putShort(0, FETCH), data);
        await(server);
        assertEquals("the data", new String(data.array(), 0, data.position(), StandardCharsets.UTF_8));
        assertEquals(List.of("A sends to B: async IO request", "B replies to A: request acknowledged",
                "B sends pulse to A: data available", "A sends to B: request for the data",
                "B replies to A with data"), trace);
    }
}
