package io.courier.asyncmsg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Errno;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * SPEC A1, {@code asyncmsg_channel_create(..., max_num_buffer = 0, ...)}: "don't allocate any
 * buffers". The channel preallocates and pools nothing; each message a get returns goes into a
 * buffer of the receive-buffer callback (ALLOC, once per message) or, without one, a buffer made
 * for it; free gives it back (FREE), and destroy gives back those still out. Nothing leaks.
 */
class UnpooledChannelTest extends AsyncTestSupport {

    /** A receive-buffer callback that counts its calls and knows every buffer it handed out. */
    static final class Counting implements RecvBufCallback {
        final AtomicInteger allocs = new AtomicInteger();
        final AtomicInteger frees = new AtomicInteger();
        final Set<byte[]> out = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
        final Set<byte[]> back = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
        final AtomicBoolean refuse = new AtomicBoolean();
        final int size;

        Counting(int size) {
            this.size = size;
        }

        @Override
        public int call(int bufSize, int numBufs, ByteBuffer[] bufs, int flags) {
            if (flags == ALLOC) {
                if (refuse.get()) {
                    return 0;
                }
                allocs.incrementAndGet();
                bufs[0] = ByteBuffer.allocate(size > 0 ? size : bufSize);
                out.add(bufs[0].array());
                return 1;
            }
            assertEquals(FREE, flags);
            for (int i = 0; i < numBufs; i++) {
                frees.incrementAndGet();
                assertTrue(back.add(bufs[i].array()), "a buffer is given back once");
            }
            return 0;
        }
    }

    private static List<AsyncMsgHeader> list(AsyncMsgHeader first) {
        List<AsyncMsgHeader> out = new ArrayList<>();
        for (AsyncMsgHeader h = first; h != null; h = h.next()) {
            out.add(h);
        }
        return out;
    }

    private static void put(AsyncMessaging am, int coid, String... texts) {
        for (String t : texts) {
            am.put(coid, cstring(t), 0, null);
        }
        am.flush(coid, AsyncMessaging.FLUSH_NONBLOCK);
    }

    @Test
    void a1MaxNumBufferZeroTakesEveryBufferFromTheCallbackAndLeaksNone() {
        AsyncMessaging am = process("p").am();
        Counting cb = new Counting(0);
        int chid = am.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, 64, 0, null, cb);
        assertEquals(0, cb.allocs.get(), "nothing is allocated at creation");
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(64, 16, 0));
        put(am, coid, "m0", "m1", "m2", "m3", "m4");
        List<AsyncMsgHeader> got = list(am.get(chid));
        assertEquals(5, got.size());
        assertEquals(5, cb.allocs.get(), "one ALLOC per message received");
        for (AsyncMsgHeader h : got) {
            assertTrue(cb.out.contains(h.msg().array()), "each message lies in a buffer of the callback");
        }
        assertEquals("m0", text(got.get(0)));
        for (AsyncMsgHeader h : got.subList(0, 3)) {
            am.free(h);
            assertTrue(cb.back.contains(h.msg().array()), "free gives the buffer back at once");
        }
        assertEquals(3, cb.frees.get());

        put(am, coid, "m5", "m6");
        List<AsyncMsgHeader> more = list(am.get(chid));
        assertEquals(List.of("m5", "m6"), more.stream().map(AsyncTestSupport::text).toList());
        assertEquals(7, cb.allocs.get(), "no pool: freed buffers are not taken again, each comes from ALLOC");

        am.channelDestroy(chid);
        assertEquals(7, cb.frees.get(), "destroy gives back the four still out");
        assertEquals(cb.out, cb.back, "every buffer ALLOC gave came back through FREE");
        am.free(got.get(4));
        assertEquals(7, cb.frees.get(), "a free after the destroy gives nothing back twice");
    }

    @Test
    void a1MaxNumBufferZeroWithoutACallbackAllocatesOnDemandWithNoPoolToRunOut() {
        AsyncMessaging am = process("p").am();
        int chid = am.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, 32, 0, null, null);
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(32, 1024, 0));
        String[] texts = new String[300];
        for (int i = 0; i < texts.length; i++) {
            texts[i] = "n" + i;
        }
        put(am, coid, texts);
        List<AsyncMsgHeader> got = list(am.get(chid));
        assertEquals(List.of(texts), got.stream().map(AsyncTestSupport::text).toList(),
                "one get takes every waiting message, in order");
        Set<byte[]> arrays = Collections.newSetFromMap(new IdentityHashMap<>());
        got.forEach(h -> arrays.add(h.msg().array()));
        assertEquals(300, arrays.size(), "a buffer of its own for each message");
        got.forEach(am::free);
        assertNull(am.get(chid));
        put(am, coid, "again");
        assertEquals(List.of("again"), texts(am, am.get(chid)));
        am.channelDestroy(chid);
    }

    @Test
    void a1WithoutAPoolTheCallbackMayRefuseAndAtMostMaxChannelBytesAreOut() {
        AsyncMessaging am = process("p").am();
        // Small buffers for the largest buffer size: the bound counts bufferSize, not what the callback gives.
        Counting cb = new Counting(16);
        int chid = am.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, AsyncMessaging.MAX_BUFFER_SIZE, 0, null, cb);
        int limit = (int) (AsyncMessaging.MAX_CHANNEL_BYTES / AsyncMessaging.MAX_BUFFER_SIZE);
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(16, 256, 0));
        cb.refuse.set(true);
        put(am, coid, "first");
        fails(Errno.ENOBUFS, () -> am.get(chid));
        assertEquals(0, cb.allocs.get());
        cb.refuse.set(false);
        String[] texts = new String[limit + 6];
        for (int i = 0; i < texts.length; i++) {
            texts[i] = "r" + i;
        }
        put(am, coid, texts);
        List<AsyncMsgHeader> got = list(am.get(chid));
        assertEquals(limit, got.size(), "at most MAX_CHANNEL_BYTES / bufferSize buffers out");
        assertEquals("first", text(got.get(0)), "the refused message waited, first in line");
        fails(Errno.ENOBUFS, () -> am.get(chid));
        got.subList(0, 10).forEach(am::free);
        assertEquals(7, list(am.get(chid)).size(), "the rest once buffers came back");
        am.channelDestroy(chid);
        assertEquals(cb.allocs.get(), cb.frees.get(), "nothing leaked");
        assertEquals(cb.out, cb.back);
    }
}
