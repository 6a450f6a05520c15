package io.courier.asyncmsg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.Pulse;
import io.courier.kernel.SigEvent;
import org.junit.jupiter.api.Test;

/**
 * The technote's example 4, "Setting up an event that triggers the copy": a put with trigger 1
 * makes the channel's queue non-empty, which delivers the pulse; the receiver then gets the
 * message, and the connection's callback runs (SPEC A1, A3).
 */
class TechnoteExample4EventTriggersCopyTest extends AsyncTestSupport {
    @Test
    void a1ThePulseArrivesWhenTheQueueGoesFromEmptyToNonEmpty() throws Exception {
        Proc p = process("example4");
        Kernel k = p.k();
        AsyncMessaging am = p.am();
        CallbackLog connectionCallback = new CallbackLog();
        String text = "AsyncMsg Passing";

        int pchid = k.channelCreate(0);
        int gcoid = k.connectAttach(0, p.pid(), pchid, Kernel.SIDE_CHANNEL, 0);
        int chid = am.channelCreate(0, 0666, 2048, 5, SigEvent.pulse(gcoid, -1, 3, 42), null);
        AsyncConnectionAttr aca = AsyncConnectionAttr.builder().bufferSize(2048).maxNumBuffer(5).triggerNumMsg(1)
                .callback(connectionCallback).build();
        int coid = am.connectAttach(0, 0, chid, 0, 0, aca);

        am.put(coid, cstring(text), 0, null);
        Pulse pulse = k.msgReceivePulse(pchid, WAIT);
        assertEquals(3, pulse.code());
        assertEquals(42, pulse.value());

        AsyncMsgHeader agh = am.get(chid);
        assertEquals(text.length() + 1, agh.info().msglen());
        assertEquals(text, text(agh));
        assertNull(agh.next());
        am.free(agh);

        eventually("the connection's callback ran", () -> connectionCallback.size() == 1);
        assertEquals(Errno.EOK, connectionCallback.calls.get(0).err());
        assertEquals(0, connectionCallback.calls.get(0).handle());
        am.connectDetach(coid);
        am.channelDestroy(chid);
    }
}
