package io.courier.asyncmsg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Errno;
import io.courier.kernel.MsgInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SPEC A5: get returns the batch as a linked list of headers; free, malloc. */
class GetAndFreeTest extends AsyncTestSupport {
    @Test
    void a5OneGetReturnsTheMessagesOfEveryConnectionInOrderForEach() {
        Proc server = process("server");
        Proc a = process("a");
        Proc b = process("b");
        int chid = server.am().channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, 64, 32, null, null);
        int ca = a.am().connectAttach(0, server.pid(), chid, 0, 0, AsyncConnectionAttr.of(64, 8, 1));
        int cb = b.am().connectAttach(0, server.pid(), chid, 0, 0, AsyncConnectionAttr.of(64, 8, 1));
        for (int i = 0; i < 4; i++) {
            a.am().put(ca, cstring("a" + i), i, null);
            b.am().put(cb, cstring("b" + i), i, null);
        }
        List<String> fromA = new ArrayList<>();
        List<String> fromB = new ArrayList<>();
        AsyncMsgHeader first = server.am().get(chid);
        assertEquals(8, count(first), "every delivered message at once");
        for (AsyncMsgHeader h = first; h != null;) {
            MsgInfo info = h.info();
            assertEquals(chid, info.chid());
            assertEquals(0, info.priority(), "receivers do not take the sender's priority (A6)");
            assertEquals(64, info.dstmsglen());
            (info.pid() == a.pid() ? fromA : fromB).add(text(h));
            assertEquals(info.pid() == a.pid() ? ca : cb, info.coid());
            AsyncMsgHeader next = h.next();
            server.am().free(h);
            h = next;
        }
        assertEquals(List.of("a0", "a1", "a2", "a3"), fromA);
        assertEquals(List.of("b0", "b1", "b2", "b3"), fromB);
        assertNull(server.am().get(chid));
    }

    @Test
    void a5AGetReturnsAtMostMaxNumBufferMessagesAndTheNextGetTheRest() {
        Proc p = process("p");
        AsyncMessaging am = p.am();
        int chid = am.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, 64, 3, null, null);
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(64, 16, 0));
        for (int i = 0; i < 7; i++) {
            am.put(coid, cstring("m" + i), i, null);
        }
        am.flush(coid, AsyncMessaging.FLUSH_NONBLOCK);
        assertEquals(List.of("m0", "m1", "m2"), texts(am, am.get(chid)));
        assertEquals(List.of("m3", "m4", "m5"), texts(am, am.get(chid)));
        assertEquals(List.of("m6"), texts(am, am.get(chid)));
        assertNull(am.get(chid));
    }

    @Test
    void a5EachGetsListEndsAtItsOwnLastMessageWhateverEarlierGetsLinkedAndFreedInWhatOrder() {
        Proc p = process("p");
        AsyncMessaging am = p.am();
        int chid = am.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, 64, 8, null, null);
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(64, 16, 0));
        // One buffer put again and again with new contents: each message is what it held at its put.
        ByteBuffer reused = ByteBuffer.allocate(64);
        for (int round = 0; round < 3; round++) {
            int n = 6 - 2 * round;
            for (int i = 0; i < n; i++) {
                reused.clear();
                reused.put(cstring("r" + round + "m" + i)).flip();
                am.put(coid, reused, i, null);
                // The consumer copies at get: it must see this put's bytes, not a later one's.
                am.flush(coid, AsyncMessaging.FLUSH_NONBLOCK);
                AsyncMsgHeader one = am.get(chid);
                assertEquals(1, count(one), "a get of one message ends after it, round " + round);
                assertEquals("r" + round + "m" + i, text(one));
                am.free(one);
            }
            for (int i = 0; i < n; i++) {
                am.put(coid, cstring("r" + round + "b" + i), i, null);
            }
            am.flush(coid, AsyncMessaging.FLUSH_NONBLOCK);
            AsyncMsgHeader first = am.get(chid);
            List<String> got = new ArrayList<>();
            List<AsyncMsgHeader> held = new ArrayList<>();
            for (AsyncMsgHeader h = first; h != null; h = h.next()) {
                got.add(text(h));
                held.add(h);
            }
            List<String> want = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                want.add("r" + round + "b" + i);
            }
            assertEquals(want, got, "each get's list holds its messages only, round " + round);
            // Freed last to first: the next get takes the buffers in another order than this one.
            for (int i = held.size() - 1; i >= 0; i--) {
                am.free(held.get(i));
            }
        }
        assertNull(am.get(chid));
    }

    @Test
    void a5HeldReceiveBuffersGiveEnobufsUntilOneIsFreed() {
        Proc p = process("p");
        AsyncMessaging am = p.am();
        int chid = am.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, 64, 2, null, null);
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(64, 8, 1));
        am.put(coid, cstring("one"), 0, null);
        am.put(coid, cstring("two"), 0, null);
        AsyncMsgHeader held = am.get(chid);
        assertEquals(2, count(held));
        am.put(coid, cstring("three"), 0, null);
        fails(Errno.ENOBUFS, () -> am.get(chid));
        AsyncMsgHeader second = held.next();
        am.free(held);
        assertEquals(List.of("three"), texts(am, am.get(chid)));
        am.free(second);
    }

    @Test
    void a5FreeingTwiceOrAnotherProcesssHeaderIsEinvalAndNullIsNothing() {
        Proc p = process("p");
        Proc other = process("other");
        AsyncMessaging am = p.am();
        int chid = am.channelCreate(0, 0666, 64, 2, null, null);
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(64, 8, 1));
        am.put(coid, cstring("x"), 0, null);
        AsyncMsgHeader h = am.get(chid);
        fails(Errno.EINVAL, () -> other.am().free(h));
        am.free(h);
        fails(Errno.EINVAL, () -> am.free(h));
        am.free(null);
    }

    @Test
    void a5AMessageLongerThanTheReceiveBufferIsCut() {
        Proc p = process("p");
        AsyncMessaging am = p.am();
        int chid = am.channelCreate(0, 0666, 8, 2, null, null);
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(64, 8, 1));
        am.put(coid, text("0123456789ABCDEF"), 0, null);
        AsyncMsgHeader h = am.get(chid);
        assertEquals(8, h.info().msglen(), "the bytes in the receive buffer");
        assertEquals(16, h.info().srcmsglen(), "the bytes the sender put");
        assertEquals("01234567", text(h));
        am.free(h);
    }

    @Test
    void a5MallocGivesADirectNativeOrderedBufferAndRefusesBadSizes() {
        AsyncMessaging am = process("p").am();
        ByteBuffer b = am.malloc(100);
        assertTrue(b.isDirect());
        assertEquals(ByteOrder.nativeOrder(), b.order());
        assertEquals(0, b.position());
        assertEquals(100, b.limit());
        fails(Errno.EINVAL, () -> am.malloc(0));
        fails(Errno.EINVAL, () -> am.malloc(-5));
        fails(Errno.ENOMEM, () -> am.malloc(AsyncMessaging.MAX_BUFFER_SIZE + 1));
    }

    @Test
    void a5MallocedBuffersCanBePut() {
        Proc p = process("p");
        AsyncMessaging am = p.am();
        int chid = am.channelCreate(0, 0666, 64, 2, null, null);
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(64, 8, 1));
        ByteBuffer b = am.malloc(8);
        b.putLong(0, 0x1122_3344_5566_7788L);
        am.put(coid, b, 0, null);
        AsyncMsgHeader h = am.get(chid);
        assertEquals(0x1122_3344_5566_7788L, h.msg().order(ByteOrder.nativeOrder()).getLong(0));
        am.free(h);
    }
}
