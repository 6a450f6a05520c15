package io.courier.asyncmsg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.courier.kernel.Errno;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * The asynchronous messaging technote, example 1, "Sending one message": create a channel,
 * connect to it with a trigger of 1, put a message, get it (SPEC A1, A2, A3, A4, A5).
 */
class TechnoteExample1OneMessageTest extends AsyncTestSupport {
    @Test
    void a1a2a3a5OneMessageIsPutAndGotWithItsInfoAndTheCallbackRunsAfterwards() throws Exception {
        Proc p = process("example1");
        AsyncMessaging am = p.am();
        String text = "AsyncMsg Passing";
        ByteBuffer msg = cstring(text);
        CallbackLog callback = new CallbackLog();

        int chid = am.channelCreate(0, 0666, 2048, 5, null, null);
        AsyncConnectionAttr aca = AsyncConnectionAttr.builder().bufferSize(2048).maxNumBuffer(5).triggerNumMsg(1)
                .build();
        int coid = am.connectAttach(0, 0, chid, 0, 0, aca);
        am.put(coid, msg, 1234, callback);

        AsyncMsgHeader agh = am.get(chid);
        assertEquals(p.pid(), agh.info().pid(), "from process");
        assertEquals(text.length() + 1, agh.info().msglen(), "msglen is strlen(msg) + 1");
        assertEquals(text.length() + 1, agh.info().srcmsglen(), "srclen");
        assertEquals(Errno.EOK, agh.err());
        assertEquals(1, agh.parts());
        assertEquals(text, text(agh));
        assertNull(agh.next(), "one message");
        am.free(agh);

        eventually("the callback ran", () -> callback.size() == 1);
        CallbackLog.Call call = callback.calls.get(0);
        assertEquals(Errno.EOK, call.err());
        assertSame(msg, call.msg(), "the callback gets the very buffer that was put");
        assertEquals(1234, call.handle());
        assertNotSame(Thread.currentThread(), call.thread(), "callbacks run on a library thread");

        am.connectDetach(coid);
        am.channelDestroy(chid);
        assertEquals(0, msg.position(), "the sender's buffer position is left alone");
    }
}
