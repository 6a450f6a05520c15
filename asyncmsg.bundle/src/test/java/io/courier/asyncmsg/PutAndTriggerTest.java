package io.courier.asyncmsg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** SPEC A3 (put, putv, callbacks) and A4 (triggers: count, time, flush, a full ring). */
class PutAndTriggerTest extends AsyncTestSupport {
    @Test
    void a3PutNeverBlocksAndBeyondMaxNumBufferFailsWithEagain() {
        Proc p = process("p");
        AsyncMessaging am = p.am();
        int chid = am.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, 64, 16, null, null);
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(64, 5, 0));
        long start = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            am.put(coid, cstring("m" + i), i, null);
        }
        fails(Errno.EAGAIN, () -> am.put(coid, cstring("m5"), 5, null));
        KernelException full = org.junit.jupiter.api.Assertions.assertThrows(KernelException.class,
                () -> am.put(coid, cstring("m5"), 5, null));
        assertEquals(0, full.getStackTrace().length, "a refusal a sender retries carries no stack trace");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1), "no put waited");
        assertEquals(List.of("m0", "m1", "m2", "m3", "m4"), texts(am, am.get(chid)),
                "a full ring is delivered even without a count trigger");
        am.put(coid, cstring("m5"), 5, null);
        am.flush(coid, AsyncMessaging.FLUSH_NONBLOCK);
        assertEquals(List.of("m5"), texts(am, am.get(chid)));
    }

    @Test
    void a3BulkPutsFarBeyondMaxNumBufferAllArriveInOrder() throws Exception {
        Proc p = process("p");
        AsyncMessaging am = p.am();
        int chid = am.channelCreate(0, 0666, 16, 8, null, null);
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(16, 5, 2));
        int total = 100_000;
        Future<Integer> producer = async(() -> {
            int eagain = 0;
            for (int i = 0; i < total;) {
                try {
                    am.put(coid, number(i), i, null);
                    i++;
                } catch (KernelException e) {
                    assertEquals(Errno.EAGAIN, e.errno());
                    eagain++;
                    Thread.yield();
                }
            }
            am.flush(coid, AsyncMessaging.FLUSH_NONBLOCK);
            return eagain;
        });
        long expected = 0;
        while (expected < total) {
            for (long n : numbers(am, am.get(chid, WAIT))) {
                assertEquals(expected++, n);
            }
        }
        int eagain = await(producer);
        assertTrue(eagain > 0, "the producer outran the ring of 5 and was told so");
        fails(Errno.ETIMEDOUT, () -> am.get(chid, java.time.Duration.ofMillis(20)));
    }

    @Test
    void a3PutvGathersThePartsIntoOneBuffer() {
        Proc p = process("p");
        AsyncMessaging am = p.am();
        int chid = am.channelCreate(0, 0666, 64, 4, null, null);
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(64, 4, 1));
        CallbackLog log = new CallbackLog();
        ByteBuffer[] iov = {text("Async "), text("Message "), cstring("Passing")};
        am.putv(coid, iov, 9, log);
        AsyncMsgHeader h = am.get(chid);
        assertEquals("Async Message Passing", text(h));
        assertEquals(1, h.parts());
        assertEquals(22, h.info().msglen());
        am.free(h);
        fails(Errno.EFAULT, () -> am.putv(coid, new ByteBuffer[] {text("a"), null}, 0, null));
        fails(Errno.EFAULT, () -> am.putv(coid, null, 0, null));
        fails(Errno.EMSGSIZE, () -> am.putv(coid, new ByteBuffer[] {ByteBuffer.allocate(40), ByteBuffer.allocate(40)}, 0,
                null));
    }

    @Test
    void a3CallbacksRunAfterDeliveryInOrderAndAPutsOwnCallbackWinsOverTheConnections() throws Exception {
        Proc p = process("p");
        AsyncMessaging am = p.am();
        int chid = am.channelCreate(0, 0666, 64, 8, null, null);
        CallbackLog connection = new CallbackLog();
        CallbackLog own = new CallbackLog();
        int coid = am.connectAttach(0, 0, chid, 0, 0,
                AsyncConnectionAttr.builder().bufferSize(64).maxNumBuffer(8).triggerNumMsg(0).callback(connection).build());
        for (int i = 0; i < 6; i++) {
            am.put(coid, cstring("m" + i), i, i % 2 == 0 ? null : own);
        }
        Thread.sleep(50);
        assertEquals(0, connection.size() + own.size(), "no callback before the receiver got the message");
        am.flush(coid, AsyncMessaging.FLUSH_NONBLOCK);
        texts(am, am.get(chid));
        eventually("six callbacks ran", () -> connection.size() + own.size() == 6);
        assertEquals(List.of(0L, 2L, 4L), connection.calls.stream().map(CallbackLog.Call::handle).toList());
        assertEquals(List.of(1L, 3L, 5L), own.calls.stream().map(CallbackLog.Call::handle).toList());
        assertEquals(6, am.stats().callbacksRun());
    }

    @Test
    void a3ACallbackThatThrowsIsCountedAndTheCallbackThreadGoesOn() throws Exception {
        Proc p = process("p");
        AsyncMessaging am = p.am();
        int chid = am.channelCreate(0, 0666, 64, 8, null, null);
        CallbackLog log = new CallbackLog();
        AsyncCallback throwing = (err, msg, handle) -> {
            log.call(err, msg, handle);
            if (handle == 1) {
                throw new IllegalStateException("callback bug");
            }
            if (handle == 2) {
                throw new AssertionError("an Error, too");
            }
        };
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(64, 8, 1));
        for (int i = 1; i <= 4; i++) {
            am.put(coid, cstring("m" + i), i, throwing);
            texts(am, am.get(chid));
        }
        eventually("every callback ran", () -> log.size() == 4);
        assertEquals(List.of(1L, 2L, 3L, 4L), log.calls.stream().map(CallbackLog.Call::handle).toList());
        assertEquals(2, am.stats().callbackFailures());
        assertTrue(log.calls.get(3).thread().isAlive(), "the callback thread survived");
        assertEquals(log.calls.get(0).thread(), log.calls.get(3).thread(), "and it is the same thread");
    }

    @Test
    void a3PutCopiesNothingTheReceiverCopiesOnce() {
        Proc p = process("p");
        AsyncMessaging am = p.am();
        int chid = am.channelCreate(0, 0666, 64, 4, null, null);
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(64, 4, 1));
        ByteBuffer msg = cstring("before");
        am.put(coid, msg, 0, null);
        msg.put(0, (byte) 'B');
        AsyncMsgHeader h = am.get(chid);
        assertEquals("Before", text(h), "the bytes are read when the receiver gets them");
        msg.put(0, (byte) 'b');
        assertEquals("Before", text(h), "and copied then, once");
        am.free(h);
    }

    @Test
    void a3BadPutsFail() {
        Proc p = process("p");
        AsyncMessaging am = p.am();
        int chid = am.channelCreate(0, 0666, 64, 4, null, null);
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(16, 4, 1));
        fails(Errno.EMSGSIZE, () -> am.put(coid, ByteBuffer.allocate(17), 0, null));
        am.put(coid, ByteBuffer.allocate(16), 0, null);
        fails(Errno.EFAULT, () -> am.put(coid, null, 0, null));
        fails(Errno.EBADF, () -> am.put(coid + 100, ByteBuffer.allocate(1), 0, null));
        fails(Errno.EBADF, () -> am.put(12, ByteBuffer.allocate(1), 0, null));
        fails(Errno.EINVAL, () -> am.flush(coid, 7));
        am.put(coid, ByteBuffer.allocate(0), 0, null);
        AsyncMsgHeader first = am.get(chid);
        assertEquals(16, first.info().msglen());
        assertEquals(0, first.next().info().msglen(), "an empty message is a message");
        am.free(first.next());
        am.free(first);
    }

    @Test
    void a4BlockingFlushReturnsOnceTheReceiverGotEverything() throws Exception {
        Proc server = process("server");
        Proc client = process("client");
        int chid = server.am().channelCreate(0, 0666, 64, 8, null, null);
        int coid = client.am().connectAttach(0, server.pid(), chid, 0, 0, AsyncConnectionAttr.of(64, 8, 0));
        for (int i = 0; i < 5; i++) {
            client.am().put(coid, cstring("m" + i), i, null);
        }
        Future<?> flusher = async(() -> {
            client.am().flush(coid, 0);
            return null;
        });
        Thread.sleep(50);
        assertTrue(!flusher.isDone(), "flush with mode 0 waits for the receiver");
        assertEquals(5, texts(server.am(), server.am().get(chid)).size());
        await(flusher);
    }

    @Test
    void a4TheCountTriggerDeliversEveryNthMessage() {
        Proc p = process("p");
        AsyncMessaging am = p.am();
        int chid = am.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, 64, 16, null, null);
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(64, 16, 4));
        for (int i = 0; i < 10; i++) {
            am.put(coid, cstring("m" + i), i, null);
        }
        assertEquals(8, texts(am, am.get(chid)).size(), "two batches of four");
        assertNull(am.get(chid));
        am.flush(coid, AsyncMessaging.FLUSH_NONBLOCK);
        assertEquals(List.of("m8", "m9"), texts(am, am.get(chid)));
    }
}
