package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** SPEC K9 (priority queueing) and K10 (priority inheritance). */
class PriorityTest extends KernelTestSupport {

    @Test
    void k9MessagesAndPulsesAreReceivedHighestPriorityFirstThenOldestFirst() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        List<Future<Integer>> senders = new ArrayList<>();
        // Queue, in this order: msg@10 "a", pulse@10 code 1, msg@20 "b", pulse@30 code 2, msg@10 "c".
        senders.add(sendAt(client, coid, 10, "a"));
        client.msgSendPulse(coid, 10, 1, 0);
        senders.add(sendAt(client, coid, 20, "b"));
        client.msgSendPulse(coid, 30, 2, 0);
        senders.add(sendAt(client, coid, 10, "c"));
        List<String> order = new ArrayList<>();
        List<Integer> serverPriorities = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ByteBuffer b = ByteBuffer.allocate(Pulse.SIZE);
            long rcvid = server.msgReceive(chid, b, null);
            serverPriorities.add(server.priority());
            if (rcvid == 0) {
                order.add("pulse" + Pulse.from(b.flip()).code());
            } else {
                order.add(text(b));
                server.msgReply(rcvid, 0, null);
            }
        }
        assertEquals(List.of("pulse2", "b", "a", "pulse1", "c"), order);
        assertEquals(List.of(30, 20, 10, 10, 10), serverPriorities, "the server runs at each item's priority");
        for (Future<Integer> f : senders) {
            assertEquals(0, await(f));
        }
    }

    private Future<Integer> sendAt(Kernel client, int coid, int priority, String msg) throws InterruptedException {
        int before = (int) mk.processes().stream().filter(p -> p.pid() == client.pid())
                .flatMap(p -> p.threads().stream()).filter(t -> t.state() == ThreadState.SEND).count();
        Future<Integer> f = async(() -> {
            client.setPriority(priority);
            return client.msgSend(coid, text(msg), null);
        });
        eventually("sender of " + msg + " is queued", () -> mk.processes().stream()
                .filter(p -> p.pid() == client.pid()).flatMap(p -> p.threads().stream())
                .filter(t -> t.state() == ThreadState.SEND).count() == before + 1);
        return f;
    }

    @Test
    void k10ServerDropsToALowerClientsPriorityAndIsBoostedByAHigherOneWhileBusy() throws Exception {
        Kernel server = mk.process("server");
        Kernel low = mk.process("low");
        Kernel high = mk.process("high");
        int chid = server.channelCreate(0);
        int lowCoid = low.connectAttach(0, server.pid(), chid, 0, 0);
        int highCoid = high.connectAttach(0, server.pid(), chid, 0, 0);
        server.setPriority(50);
        Future<Integer> l = async(() -> {
            low.setPriority(5);
            return low.msgSend(lowCoid, text("low"), null);
        });
        long rcvid = server.msgReceive(chid, ByteBuffer.allocate(8), null);
        assertEquals(5, server.priority(), "the server drops to the client's priority");
        int serverTid = server.tid();
        Future<Integer> h = async(() -> {
            high.setPriority(40);
            return high.msgSend(highCoid, text("high"), null);
        });
        eventually("the server is boosted", () -> thread(server.pid(), serverTid).priority() == 40);
        assertEquals(40, server.priority());
        server.msgReply(rcvid, 0, null);
        long r2 = server.msgReceive(chid, ByteBuffer.allocate(8), null);
        assertEquals(40, server.priority());
        server.msgReply(r2, 0, null);
        assertEquals(0, await(l));
        assertEquals(0, await(h));
    }

    @Test
    void k10FixedPriorityChannelsDoNotInherit() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(ChannelFlags.FIXED_PRIORITY);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        server.setPriority(33);
        Future<Integer> c = async(() -> {
            client.setPriority(3);
            return client.msgSend(coid, text("x"), null);
        });
        long rcvid = server.msgReceive(chid, ByteBuffer.allocate(8), null);
        assertEquals(33, server.priority());
        server.msgReply(rcvid, 0, null);
        await(c);
    }
}
