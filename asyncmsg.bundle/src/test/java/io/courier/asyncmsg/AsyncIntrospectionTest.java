package io.courier.asyncmsg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Microkernel;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SPEC B6 (the web view's data): {@link AsyncMessaging#channels} and
 * {@link AsyncMessaging#connections} show each channel's queue depth and receive buffers in use,
 * and each connection's triggers and counters, as messages are put, flushed, got and freed.
 */
class AsyncIntrospectionTest extends AsyncTestSupport {

    @Test
    void b6ChannelsAndConnectionsShowQueueDepthTriggersAndBuffersInUse() throws Exception {
        Proc receiver = process("receiver");
        Proc sender = process("sender");
        int chid = receiver.am().channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, 256, 8, null, null);
        receiver.am().nameAttach("sensor-log", chid);
        AsyncConnectionAttr attr = AsyncConnectionAttr.builder().bufferSize(256).maxNumBuffer(16).triggerNumMsg(10)
                .build();
        int coid = sender.am().nameOpen("sensor-log", 0, attr);
        for (int i = 0; i < 3; i++) {
            sender.am().put(coid, number(i), i, null);
        }

        AsyncConnectionInfo c = only(AsyncMessaging.connections(mk));
        assertEquals(sender.pid(), c.pid());
        assertEquals(coid, c.coid());
        assertEquals("sensor-log", c.name());
        assertEquals(receiver.pid(), c.serverPid());
        assertEquals(chid, c.chid());
        assertEquals("OPEN", c.state());
        assertEquals(10, c.triggerNumMsg());
        assertEquals(16, c.maxNumBuffer());
        assertEquals(3, c.put());
        assertEquals(3, c.pending(), "below the trigger: the messages wait on the sender's side");
        assertEquals(0, c.queued());
        assertEquals(3, c.buffersInUse());

        AsyncChannelInfo ch = only(AsyncMessaging.channels(mk));
        assertEquals(new AsyncChannelInfo(receiver.pid(), chid, List.of("sensor-log"), 256, 8, 1, 0, 0, 0), ch);

        sender.am().flush(coid, AsyncMessaging.FLUSH_NONBLOCK);
        eventually("the flush delivered the three", () -> AsyncMessaging.connections(mk).get(0).delivered() == 3);
        assertEquals(3, only(AsyncMessaging.channels(mk)).queued(), "the channel's queue depth");
        assertEquals(3, only(AsyncMessaging.connections(mk)).queued());

        AsyncMsgHeader batch = receiver.am().get(chid);
        assertEquals(3, count(batch));
        ch = only(AsyncMessaging.channels(mk));
        assertEquals(0, ch.queued());
        assertEquals(3, ch.buffersAllocated());
        assertEquals(3, ch.buffersInUse(), "got and not yet freed");
        assertEquals(List.of(0L, 1L, 2L), numbers(receiver.am(), batch));
        assertEquals(0, only(AsyncMessaging.channels(mk)).buffersInUse(), "freed");
        eventually("the slots are free again", () -> only(AsyncMessaging.connections(mk)).buffersInUse() == 0);
        assertEquals(3, only(AsyncMessaging.connections(mk)).got());

        // Without a holder of the name, the connection stores: no channel, the sender keeps its messages.
        receiver.am().nameDetach("sensor-log");
        sender.am().put(coid, number(3), 3, null);
        c = only(AsyncMessaging.connections(mk));
        assertEquals(-1, c.serverPid());
        assertEquals(-1, c.chid());
        assertEquals(1, c.pending());
        assertEquals(0, only(AsyncMessaging.channels(mk)).connections());
    }

    @Test
    void b6ConnectionByPidAndChidHasNoNameAndAKernelWithoutAsyncCallsHasNothing() {
        try (Microkernel quiet = Microkernel.boot()) {
            quiet.process("never-async");
            assertEquals(List.of(), AsyncMessaging.channels(quiet));
            assertEquals(List.of(), AsyncMessaging.connections(quiet));
        }
        Proc p = process("self");
        int chid = p.am().channelCreate(0, 0600, 64, 4, null, null);
        AsyncConnectionAttr attr = AsyncConnectionAttr.builder().bufferSize(64).maxNumBuffer(4).triggerNumMsg(1)
                .triggerTime(5_000_000, 0).singleSender(true).build();
        int coid = p.am().connectAttach(0, p.pid(), chid, 0, 0, attr);
        AsyncConnectionInfo c = only(AsyncMessaging.connections(mk));
        assertEquals(coid, c.coid());
        assertNull(c.name());
        assertEquals(p.pid(), c.serverPid());
        assertEquals(5_000_000, c.triggerTimeNsec());
        assertTrue(c.singleSender());
        p.am().connectDetach(coid);
        assertEquals(List.of(), AsyncMessaging.connections(mk));
    }

    @Test
    void b6ChannelWithoutAPoolCountsTheBuffersOutWithItsReceiver() throws Exception {
        Proc p = process("unpooled");
        int chid = p.am().channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0600, 64, 0, null, null);
        int coid = p.am().connectAttach(0, p.pid(), chid, 0, 0,
                AsyncConnectionAttr.builder().bufferSize(64).maxNumBuffer(8).triggerNumMsg(2).build());
        p.am().put(coid, number(1), 1, null);
        p.am().put(coid, number(2), 2, null);
        eventually("the trigger delivered both", () -> only(AsyncMessaging.channels(mk)).queued() == 2);
        AsyncMsgHeader batch = p.am().get(chid);
        AsyncChannelInfo out = only(AsyncMessaging.channels(mk));
        assertEquals(0, out.maxNumBuffer());
        assertEquals(2, out.buffersInUse());
        assertEquals(2, out.buffersAllocated(), "without a pool a buffer exists only while held");
        assertEquals(List.of(1L, 2L), numbers(p.am(), batch));
        assertEquals(0, only(AsyncMessaging.channels(mk)).buffersAllocated());
    }

    private static <T> T only(List<T> list) {
        assertEquals(1, list.size(), list.toString());
        return list.get(0);
    }
}
