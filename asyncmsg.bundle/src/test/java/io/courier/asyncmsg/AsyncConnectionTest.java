package io.courier.asyncmsg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SPEC A2: asynchronous connections and their attributes. */
class AsyncConnectionTest extends AsyncTestSupport {
    @Test
    void a2ConnectAttrReturnsTheOriginalAttributes() {
        Proc p = process("p");
        int chid = p.am().channelCreate(0, 0666, 64, 4, null, null);
        CallbackLog cb = new CallbackLog();
        AsyncConnectionAttr attr = AsyncConnectionAttr.builder().bufferSize(100).maxNumBuffer(7).triggerNumMsg(3)
                .triggerTime(5_000_000, 1_000_000).callback(cb).storeTimeNsec(42).build();
        int coid = p.am().connectAttach(0, 0, chid, 0, 0, attr);
        AsyncConnectionAttr got = p.am().connectAttr(coid);
        assertSame(attr, got);
        assertEquals(100, got.bufferSize());
        assertEquals(7, got.maxNumBuffer());
        assertEquals(3, got.triggerNumMsg());
        assertEquals(5_000_000, got.triggerTimeNsec());
        assertEquals(1_000_000, got.triggerIntervalNsec());
        assertSame(cb, got.callback());
        assertEquals(attr, got.toBuilder().build());
        fails(Errno.EBADF, () -> p.am().connectAttr(coid + 1));
    }

    @Test
    void a2CoidsComeFromTheLibrarysOwnRangeLowestFreeFirst() {
        Proc p = process("p");
        int chid = p.am().channelCreate(0, 0666, 64, 4, null, null);
        AsyncConnectionAttr attr = AsyncConnectionAttr.of(64, 4, 1);
        int a = p.am().connectAttach(0, 0, chid, 0, 0, attr);
        int b = p.am().connectAttach(0, p.pid(), chid, Kernel.SIDE_CHANNEL, 0, attr);
        assertEquals(AsyncMessaging.COID_BASE, a);
        assertEquals(AsyncMessaging.COID_BASE + 1, b);
        p.am().connectDetach(a);
        assertEquals(a, p.am().connectAttach(0, 0, chid, 0, 0, attr), "ids are reused");
    }

    @Test
    void a2AttachingToWhatIsNotThereIsEsrch() {
        Proc server = process("server");
        Proc client = process("client");
        AsyncConnectionAttr attr = AsyncConnectionAttr.of(64, 4, 1);
        int chid = server.am().channelCreate(0, 0666, 64, 4, null, null);
        int syncChid = server.k().channelCreate(0);
        fails(Errno.ESRCH, () -> client.am().connectAttach(0, 9999, chid, 0, 0, attr));
        fails(Errno.ESRCH, () -> client.am().connectAttach(0, server.pid(), chid + 100, 0, 0, attr));
        // A synchronous channel is not an asynchronous one.
        fails(Errno.ESRCH, () -> client.am().connectAttach(0, server.pid(), syncChid, 0, 0, attr));
        fails(Errno.ESRCH, () -> client.am().connectAttach(0, client.pid(), chid, 0, 0, attr));
    }

    @Test
    void a2BadArgumentsAndAttributesAreEinval() {
        Proc p = process("p");
        AsyncMessaging am = p.am();
        int chid = am.channelCreate(0, 0666, 64, 4, null, null);
        AsyncConnectionAttr ok = AsyncConnectionAttr.of(64, 4, 1);
        fails(Errno.EINVAL, () -> am.connectAttach(1, 0, chid, 0, 0, ok));
        fails(Errno.EINVAL, () -> am.connectAttach(0, 0, chid, 5, 0, ok));
        fails(Errno.EINVAL, () -> am.connectAttach(0, 0, chid, 0, 0x8000_0000, ok));
        fails(Errno.EINVAL, () -> am.connectAttach(0, 0, chid, 0, 0, null));
        for (AsyncConnectionAttr bad : List.of(ok.toBuilder().bufferSize(0).build(),
                ok.toBuilder().bufferSize(AsyncMessaging.MAX_BUFFER_SIZE + 1).build(),
                ok.toBuilder().maxNumBuffer(0).build(),
                ok.toBuilder().maxNumBuffer(AsyncMessaging.MAX_NUM_BUFFER + 1).build(),
                ok.toBuilder().triggerNumMsg(5).build(), ok.toBuilder().triggerNumMsg(-1).build(),
                ok.toBuilder().triggerTime(-1, 0).build(), ok.toBuilder().triggerTime(0, -1).build(),
                ok.toBuilder().storeTimeNsec(-1).build())) {
            fails(Errno.EINVAL, () -> am.connectAttach(0, 0, chid, 0, 0, bad));
            fails(Errno.EINVAL, () -> am.nameOpen("somewhere", 0, bad));
        }
    }

    @Test
    void a2DetachCancelsWhatTheReceiverHasNotGotAndTheCoidIsGone() throws Exception {
        Proc p = process("p");
        AsyncMessaging am = p.am();
        int chid = am.channelCreate(0, 0666, 64, 4, null, null);
        CallbackLog log = new CallbackLog();
        int coid = am.connectAttach(0, 0, chid, 0, 0,
                AsyncConnectionAttr.builder().bufferSize(64).maxNumBuffer(4).triggerNumMsg(0).callback(log).build());
        am.put(coid, cstring("never got"), 7, null);
        am.connectDetach(coid);
        eventually("the callback ran", () -> log.size() == 1);
        assertEquals(Errno.ECANCELED, log.calls.get(0).err());
        assertEquals(7, log.calls.get(0).handle());
        fails(Errno.EBADF, () -> am.put(coid, cstring("after detach"), 0, null));
        fails(Errno.EBADF, () -> am.flush(coid, 0));
        fails(Errno.EINVAL, () -> am.connectDetach(coid));
    }
}
