package io.courier.asyncmsg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Credentials;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.ProcessInfo;
import io.courier.kernel.SigEvent;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** SPEC A1: asynchronous channels. */
class AsyncChannelTest extends AsyncTestSupport {
    static final Duration SHORT = Duration.ofMillis(100);

    Proc processAs(String name, int uid, int gid) {
        Kernel k = mk.process(name, new Credentials(uid, gid));
        return new Proc(k, AsyncMessaging.of(k));
    }

    @Test
    void a1TheChannelIsARealKernelChannelOfItsProcess() {
        Proc p = process("server");
        int chid = p.am().channelCreate(0, 0666, 64, 4, null, null);
        ProcessInfo info = mk.processes().stream().filter(i -> i.pid() == p.pid()).findFirst().orElseThrow();
        assertTrue(info.channels().contains(chid), "chid " + chid + " in " + info.channels());
        p.am().channelDestroy(chid);
        info = mk.processes().stream().filter(i -> i.pid() == p.pid()).findFirst().orElseThrow();
        assertTrue(!info.channels().contains(chid), "destroyed with the asynchronous channel");
    }

    @Test
    void a1ModeIsCheckedOnAttachByOwnerGroupAndOther() {
        Proc server = processAs("server", 100, 100);
        Proc sameUser = processAs("same-user", 100, 300);
        Proc sameGroup = processAs("same-group", 200, 100);
        Proc other = processAs("other", 300, 300);
        Proc root = processAs("root", 0, 0);
        AsyncConnectionAttr attr = AsyncConnectionAttr.of(64, 4, 1);

        int ownerOnly = server.am().channelCreate(0, 0600, 64, 4, null, null);
        sameUser.am().connectAttach(0, server.pid(), ownerOnly, 0, 0, attr);
        fails(Errno.EACCES, () -> sameGroup.am().connectAttach(0, server.pid(), ownerOnly, 0, 0, attr));
        fails(Errno.EACCES, () -> other.am().connectAttach(0, server.pid(), ownerOnly, 0, 0, attr));
        root.am().connectAttach(0, server.pid(), ownerOnly, 0, 0, attr);

        int groupWrite = server.am().channelCreate(0, 0620, 64, 4, null, null);
        sameGroup.am().connectAttach(0, server.pid(), groupWrite, 0, 0, attr);
        fails(Errno.EACCES, () -> other.am().connectAttach(0, server.pid(), groupWrite, 0, 0, attr));

        int otherWrite = server.am().channelCreate(0, 0602, 64, 4, null, null);
        other.am().connectAttach(0, server.pid(), otherWrite, 0, 0, attr);

        int readOnly = server.am().channelCreate(0, 0444, 64, 4, null, null);
        fails(Errno.EACCES, () -> sameUser.am().connectAttach(0, server.pid(), readOnly, 0, 0, attr));
    }

    @Test
    void a1NonblockingGetOnAnEmptyChannelReturnsNull() {
        Proc p = process("p");
        int chid = p.am().channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, 64, 4, null, null);
        assertNull(p.am().get(chid));
        assertNull(p.am().get(chid, WAIT), "a timeout does not make it wait");
    }

    @Test
    void a1BlockingGetWaitsForTheFirstMessage() throws Exception {
        Proc p = process("p");
        AsyncMessaging am = p.am();
        int chid = am.channelCreate(0, 0666, 64, 4, null, null);
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(64, 4, 1));
        Future<List<String>> getter = async(() -> texts(am, am.get(chid)));
        Thread.sleep(50);
        assertTrue(!getter.isDone(), "get blocks on an empty channel");
        am.put(coid, cstring("wake up"), 0, null);
        assertEquals(List.of("wake up"), await(getter));
    }

    @Test
    void a1BlockingGetWithATimeoutFailsWithEtimedout() {
        Proc p = process("p");
        int chid = p.am().channelCreate(0, 0666, 64, 4, null, null);
        long start = System.nanoTime();
        fails(Errno.ETIMEDOUT, () -> p.am().get(chid, SHORT));
        assertTrue(System.nanoTime() - start >= SHORT.toNanos() - 1_000_000);
    }

    @Test
    void a1BlockingGetIsInterruptedWithEintr() throws Exception {
        Proc p = process("p");
        int chid = p.am().channelCreate(0, 0666, 64, 4, null, null);
        Thread[] getter = new Thread[1];
        Future<Boolean> f = async(() -> {
            getter[0] = Thread.currentThread();
            fails(Errno.EINTR, () -> p.am().get(chid));
            return Thread.currentThread().isInterrupted();
        });
        eventually("the getter started", () -> getter[0] != null);
        Thread.sleep(50);
        getter[0].interrupt();
        assertTrue(await(f), "the interrupt stays set for the caller");
    }

    @Test
    void a1TheEventIsDeliveredOnlyWhenTheQueueGoesFromEmptyToNonEmpty() {
        Proc p = process("p");
        Kernel k = p.k();
        AsyncMessaging am = p.am();
        int pchid = k.channelCreate(0);
        int gcoid = k.connectAttach(0, p.pid(), pchid, Kernel.SIDE_CHANNEL, 0);
        int chid = am.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, 64, 8, SigEvent.pulse(gcoid, 0, 9, 99), null);
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(64, 8, 1));

        am.put(coid, cstring("a"), 0, null);
        assertEquals(99, k.msgReceivePulse(pchid, WAIT).value(), "empty to non-empty: the event");
        am.put(coid, cstring("b"), 0, null);
        fails(Errno.ETIMEDOUT, () -> k.msgReceivePulse(pchid, SHORT));

        assertEquals(List.of("a", "b"), texts(am, am.get(chid)));
        assertNull(am.get(chid));
        am.put(coid, cstring("c"), 0, null);
        assertEquals(99, k.msgReceivePulse(pchid, WAIT).value(), "emptied by get, non-empty again: the event again");
        assertEquals(List.of("c"), texts(am, am.get(chid)));
    }

    @Test
    void a1AnEventOfAnotherTypeIsDeliveredThroughMsgDeliverEvent() throws Exception {
        Proc p = process("p");
        AsyncMessaging am = p.am();
        java.util.concurrent.CountDownLatch fired = new java.util.concurrent.CountDownLatch(1);
        int chid = am.channelCreate(0, 0666, 64, 8, SigEvent.thread(fired::countDown, 0), null);
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(64, 8, 1));
        am.put(coid, cstring("a"), 0, null);
        assertTrue(fired.await(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS),
                "the SIGEV_THREAD event ran its function");
        assertEquals(List.of("a"), texts(am, am.get(chid)));
        // The function may run before the delivery thread has counted the event.
        eventually("the event counted", () -> am.stats().eventsDelivered() == 1);
        assertEquals(1, am.stats().eventsDelivered());
    }

    @Test
    void a1AGetThatLeavesMessagesBehindSendsTheEventAgain() {
        Proc p = process("p");
        Kernel k = p.k();
        AsyncMessaging am = p.am();
        int pchid = k.channelCreate(0);
        int gcoid = k.connectAttach(0, p.pid(), pchid, Kernel.SIDE_CHANNEL, 0);
        int chid = am.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, 64, 2, SigEvent.pulse(gcoid, 10, 9, 0), null);
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(64, 8, 3));
        for (String s : List.of("1", "2", "3")) {
            am.put(coid, cstring(s), 0, null);
        }
        k.msgReceivePulse(pchid, WAIT);
        assertEquals(List.of("1", "2"), texts(am, am.get(chid)), "two receive buffers: two messages");
        k.msgReceivePulse(pchid, WAIT);
        assertEquals(List.of("3"), texts(am, am.get(chid)));
    }

    @Test
    void a1TheRecvbufCallbackAllocatesEachBufferOnceAndFreesThemOnDestroy() {
        Proc p = process("p");
        AsyncMessaging am = p.am();
        List<ByteBuffer> allocated = new CopyOnWriteArrayList<>();
        List<ByteBuffer> freed = new CopyOnWriteArrayList<>();
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        RecvBufCallback cb = (bufSize, numBufs, bufs, flags) -> {
            if (flags == RecvBufCallback.ALLOC) {
                assertEquals(1, numBufs);
                sizes.add(bufSize);
                bufs[0] = ByteBuffer.allocateDirect(bufSize);
                allocated.add(bufs[0]);
                return 1;
            }
            assertEquals(RecvBufCallback.FREE, flags);
            for (int i = 0; i < numBufs; i++) {
                freed.add(bufs[i]);
            }
            return 0;
        };
        int chid = am.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, 128, 2, null, cb);
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(128, 8, 3));
        for (String s : List.of("x", "y", "z")) {
            am.put(coid, cstring(s), 0, null);
        }
        assertEquals(List.of("x", "y"), texts(am, am.get(chid)));
        assertEquals(2, allocated.size(), "one ALLOC per buffer, up to maxNumBuffer");
        assertEquals(List.of(128, 128), sizes);
        assertEquals(List.of("z"), texts(am, am.get(chid)));
        assertEquals(2, allocated.size(), "freed buffers are reused, not allocated again");
        am.channelDestroy(chid);
        assertEquals(new ArrayList<>(allocated), new ArrayList<>(freed), "FREE gives every buffer back");
    }

    @Test
    void a1ARecvbufCallbackThatRefusesOrThrowsLeavesTheMessagesQueued() {
        Proc p = process("p");
        AsyncMessaging am = p.am();
        boolean[] refuse = {true};
        RecvBufCallback cb = (bufSize, numBufs, bufs, flags) -> {
            if (flags == RecvBufCallback.ALLOC && refuse[0]) {
                throw new IllegalStateException("no memory today");
            }
            bufs[0] = ByteBuffer.allocate(bufSize);
            return 1;
        };
        int chid = am.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, 64, 4, null, cb);
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(64, 4, 1));
        am.put(coid, cstring("kept"), 0, null);
        fails(Errno.ENOBUFS, () -> am.get(chid));
        assertEquals(1, am.stats().recvbufCallbackFailures());
        refuse[0] = false;
        assertEquals(List.of("kept"), texts(am, am.get(chid)));
    }

    @Test
    void a1DestroyFailsBlockedGettersAndLaterGetsWithEsrch() throws Exception {
        Proc p = process("p");
        AsyncMessaging am = p.am();
        int chid = am.channelCreate(0, 0666, 64, 4, null, null);
        Future<?> getter = async(() -> {
            fails(Errno.ESRCH, () -> am.get(chid));
            return null;
        });
        Thread.sleep(50);
        am.channelDestroy(chid);
        await(getter);
        fails(Errno.ESRCH, () -> am.get(chid));
        fails(Errno.EINVAL, () -> am.channelDestroy(chid));
    }

    @Test
    void a1DestroyFailsWaitingMessagesOfConnectionsByPidAndChidWithEsrchAndLaterPutsWithEbadf() throws Exception {
        Proc server = process("server");
        Proc client = process("client");
        int chid = server.am().channelCreate(0, 0666, 64, 4, null, null);
        CallbackLog log = new CallbackLog();
        AsyncConnectionAttr attr = AsyncConnectionAttr.builder().bufferSize(64).maxNumBuffer(4).triggerNumMsg(0)
                .callback(log).build();
        int coid = client.am().connectAttach(0, server.pid(), chid, 0, 0, attr);
        client.am().put(coid, cstring("lost 1"), 1, null);
        client.am().put(coid, cstring("lost 2"), 2, null);
        server.am().channelDestroy(chid);
        eventually("both callbacks ran", () -> log.size() == 2);
        log.calls.forEach(c -> assertEquals(Errno.ESRCH, c.err()));
        assertEquals(List.of(1L, 2L), log.calls.stream().map(CallbackLog.Call::handle).toList());
        fails(Errno.EBADF, () -> client.am().put(coid, cstring("late"), 3, null));
        fails(Errno.EBADF, () -> client.am().flush(coid, 0));
        client.am().connectDetach(coid);
        assertEquals(2, client.am().stats().failed());
    }

    @Test
    void a1TheOwnersDeathDestroysItsChannels() throws Exception {
        Proc server = process("server");
        Proc client = process("client");
        int chid = server.am().channelCreate(0, 0666, 64, 4, null, null);
        int coid = client.am().connectAttach(0, server.pid(), chid, 0, 0, AsyncConnectionAttr.of(64, 4, 1));
        Future<?> getter = async(() -> {
            fails(Errno.ESRCH, () -> server.am().get(chid));
            return null;
        });
        Thread.sleep(50);
        server.k().exit();
        await(getter);
        fails(Errno.EBADF, () -> client.am().put(coid, cstring("late"), 0, null));
        fails(Errno.ESRCH, () -> client.am().connectAttach(0, server.pid(), chid, 0, 0, AsyncConnectionAttr.of(64, 4, 1)));
        fails(Errno.ESRCH, () -> server.am().channelCreate(0, 0666, 64, 4, null, null));
    }

    @Test
    void a1BadSizesFlagsAndModesAreRefused() {
        AsyncMessaging am = process("p").am();
        fails(Errno.EINVAL, () -> am.channelCreate(0, 0666, 0, 4, null, null));
        fails(Errno.EINVAL, () -> am.channelCreate(0, 0666, -1, 4, null, null));
        fails(Errno.EINVAL, () -> am.channelCreate(0, 0666, AsyncMessaging.MAX_BUFFER_SIZE + 1, 4, null, null));
        fails(Errno.EINVAL, () -> am.channelCreate(0, 0666, 64, -1, null, null));
        fails(Errno.EINVAL, () -> am.channelCreate(0, 0666, 64, AsyncMessaging.MAX_NUM_BUFFER + 1, null, null));
        fails(Errno.ENOMEM, () -> am.channelCreate(0, 0666, AsyncMessaging.MAX_BUFFER_SIZE, 1 << 10, null, null));
        fails(Errno.EINVAL, () -> am.channelCreate(0x8000_0000, 0666, 64, 4, null, null));
        fails(Errno.EINVAL, () -> am.channelCreate(0, 01666, 64, 4, null, null));
        fails(Errno.EINVAL, () -> am.channelDestroy(12345));
        fails(Errno.ESRCH, () -> am.get(12345));
    }
}
