package io.courier.asyncmsg;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.Pulse;
import io.courier.kernel.SigEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The technote's example 3, "Flushing": no count trigger; four puts, then {@code flush} pushes
 * them out, the receiving thread is woken by the channel's pulse and one get returns all four
 * (SPEC A1 event, A4 flush, A3 callbacks).
 */
class TechnoteExample3FlushTest extends AsyncTestSupport {

    @Test
    void a1a4FlushDeliversEverythingAndTheEventWakesTheGetter() throws Exception {
        Proc p = process("example3");
        Kernel k = p.k();
        AsyncMessaging am = p.am();
        CallbackLog callback = new CallbackLog();

        int pchid = k.channelCreate(0);
        int[] chid = new int[1];
        Future<List<String>> getter = async(() -> {
            Pulse pulse = k.msgReceivePulse(pchid, WAIT);
            assertEquals(7, pulse.code());
            return texts(am, am.get(chid[0]));
        });
        int gcoid = k.connectAttach(0, p.pid(), pchid, Kernel.SIDE_CHANNEL, 0);
        SigEvent gev = SigEvent.pulse(gcoid, SigEvent.SIGEV_PULSE_PRIO_INHERIT, 7, 0);
        chid[0] = am.channelCreate(0, 0666, 2048, 5, gev, null);

        AsyncConnectionAttr aca = AsyncConnectionAttr.builder().bufferSize(2048).maxNumBuffer(5).triggerNumMsg(0)
                .callback(callback).build();
        int coid = am.connectAttach(0, 0, chid[0], 0, 0, aca);
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String m = "Async Message Passing (msgid " + i + ")\n";
            sent.add(m);
            am.put(coid, cstring(m), 1234, callback);
        }
        am.flush(coid, 0);

        assertEquals(sent, await(getter), "the four messages, got together after the pulse");
        eventually("the put callbacks ran", () -> callback.size() == 4);
        callback.calls.forEach(c -> assertEquals(Errno.EOK, c.err()));
        am.connectDetach(coid);
        am.channelDestroy(chid[0]);
    }
}
