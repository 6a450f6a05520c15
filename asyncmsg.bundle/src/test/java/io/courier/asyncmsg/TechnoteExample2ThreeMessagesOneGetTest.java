package io.courier.asyncmsg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.courier.kernel.Errno;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The technote's example 2, "Sending more than one message at a time": with a trigger of 3,
 * three puts are copied together and one get returns all three (SPEC A4, A5).
 */
class TechnoteExample2ThreeMessagesOneGetTest extends AsyncTestSupport {
    @Test
    void a4a5ThreePutsWithTriggerThreeAreGotByOneGet() throws Exception {
        Proc p = process("example2");
        AsyncMessaging am = p.am();
        CallbackLog callback = new CallbackLog();
        int chid = am.channelCreate(0, 0666, 2048, 5, null, null);
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(2048, 5, 3));

        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String m = "Async Message Passing (msgid " + i + ")\n";
            sent.add(m);
            am.put(coid, cstring(m), 1234, callback);
        }

        AsyncMsgHeader agh = am.get(chid);
        assertEquals(3, count(agh), "one get returns the three messages");
        for (AsyncMsgHeader h = agh; h != null; h = h.next()) {
            assertEquals(p.pid(), h.info().pid());
            assertEquals(h.info().srcmsglen(), h.info().msglen());
            assertEquals(Errno.EOK, h.err());
            assertEquals(1, h.parts());
        }
        assertEquals(sent, texts(am, agh), "in the order they were put");

        eventually("the three callbacks ran", () -> callback.size() == 3);
        callback.calls.forEach(c -> assertEquals(1234, c.handle()));
        callback.calls.forEach(c -> assertEquals(Errno.EOK, c.err()));

        am.connectDetach(coid);
        am.channelDestroy(chid);
    }

    @Test
    void a4TwoPutsBelowTriggerThreeAreNotYetDelivered() {
        Proc p = process("example2b");
        AsyncMessaging am = p.am();
        int chid = am.channelCreate(io.courier.kernel.ChannelFlags.ASYNC_NONBLOCK, 0666, 2048, 5, null, null);
        int coid = am.connectAttach(0, 0, chid, 0, 0, AsyncConnectionAttr.of(2048, 5, 3));
        am.put(coid, cstring("one"), 1, null);
        am.put(coid, cstring("two"), 2, null);
        assertNull(am.get(chid), "the trigger of 3 is not reached");
        am.put(coid, cstring("three"), 3, null);
        assertEquals(List.of("one", "two", "three"), texts(am, am.get(chid)));
    }
}
