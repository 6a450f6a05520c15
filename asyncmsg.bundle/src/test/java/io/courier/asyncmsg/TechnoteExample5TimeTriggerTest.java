package io.courier.asyncmsg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Kernel;
import io.courier.kernel.Pulse;
import io.courier.kernel.SigEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The technote's example 5, "Using time as the trigger": no count trigger, a 2-second time
 * trigger; four puts, and the notification comes after the timer expired (SPEC A4).
 */
class TechnoteExample5TimeTriggerTest extends AsyncTestSupport {
    @Test
    void a4FourPutsAreDeliveredWhenTheTwoSecondTimerExpires() throws Exception {
        Proc p = process("example5");
        Kernel k = p.k();
        AsyncMessaging am = p.am();
        int pchid = k.channelCreate(0);
        int gcoid = k.connectAttach(0, p.pid(), pchid, Kernel.SIDE_CHANNEL, 0);
        int chid = am.channelCreate(0, 0666, 2048, 5, SigEvent.pulse(gcoid, -1, 5, 0), null);
        long twoSeconds = Duration.ofSeconds(2).toNanos();
        AsyncConnectionAttr aca = AsyncConnectionAttr.builder().bufferSize(2048).maxNumBuffer(5).triggerNumMsg(0)
                .triggerTime(twoSeconds, 0).callback(new CallbackLog()).build();
        int coid = am.connectAttach(0, 0, chid, 0, 0, aca);

        long start = System.nanoTime();
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String m = "Async Message Passing (msgid " + i + ")\n";
            sent.add(m);
            am.put(coid, cstring(m), 1234, null);
        }
        Pulse pulse = k.msgReceivePulse(pchid, WAIT);
        long waited = System.nanoTime() - start;
        assertEquals(5, pulse.code());
        assertTrue(waited >= twoSeconds - Duration.ofMillis(20).toNanos(),
                "the pulse came after " + waited / 1_000_000 + " ms, not after the 2 s timer");
        assertEquals(sent, texts(am, am.get(chid)));
        am.connectDetach(coid);
        am.channelDestroy(chid);
    }

    @Test
    void a4AnIntervalKeepsDeliveringWhileMessagesKeepComing() throws Exception {
        Proc p = process("interval");
        AsyncMessaging am = p.am();
        int chid = am.channelCreate(0, 0666, 64, 64, null, null);
        AsyncConnectionAttr aca = AsyncConnectionAttr.builder().bufferSize(64).maxNumBuffer(64).triggerNumMsg(0)
                .triggerTime(Duration.ofMillis(50).toNanos(), Duration.ofMillis(20).toNanos()).build();
        int coid = am.connectAttach(0, 0, chid, 0, 0, aca);
        am.put(coid, cstring("first"), 1, null);
        assertEquals(List.of("first"), texts(am, am.get(chid, WAIT)), "the first expiry delivers");
        am.put(coid, cstring("second"), 2, null);
        assertEquals(List.of("second"), texts(am, am.get(chid, WAIT)), "then the interval does");
    }
}
