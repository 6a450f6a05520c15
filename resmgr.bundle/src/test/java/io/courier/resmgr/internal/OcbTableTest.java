package io.courier.resmgr.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.resmgr.IoAttr;
import io.courier.resmgr.Ocb;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** SPEC R3: the table that finds a client fd's OCB on every message. */
@Timeout(60)
class OcbTableTest {
    private static Binding binding(int scoid, int coid) {
        return new Binding(scoid, coid, new Ocb(new IoAttr(0, 0, 0), 0), null);
    }

    @Test
    void r3FindsReplacesAndRemovesBindingsThroughGrowth() {
        OcbTable t = new OcbTable();
        List<Binding> all = new ArrayList<>();
        for (int s = 0; s < 40; s++) {
            for (int c = 0; c < 25; c++) {
                Binding b = binding(0x2000_0000 + s, c);
                assertNull(t.put(b));
                all.add(b);
            }
        }
        assertEquals(1000, t.size());
        for (Binding b : all) {
            assertSame(b, t.get(b.key));
        }
        assertNull(t.get(Binding.key(0x2000_0000, 99)));
        Binding again = binding(0x2000_0003, 4);
        Binding old = t.put(again);
        assertEquals(Binding.key(0x2000_0003, 4), old.key);
        assertSame(again, t.get(again.key));
        assertFalse(t.remove(old), "only the binding it holds is removed");
        assertTrue(t.remove(again));
        assertNull(t.get(again.key));
        assertEquals(999, t.size());
        assertEquals(999, t.values().size());
        t.clear();
        assertEquals(0, t.size());
        assertNull(t.get(all.get(0).key));
    }

    @Test
    void r3ReadersSeeEveryBindingThatWasPutBeforeWhileWritersGrowTheTable() throws Exception {
        OcbTable t = new OcbTable();
        Binding stable = binding(0x2000_0001, 1);
        t.put(stable);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean lost = new AtomicBoolean();
        Thread reader = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                if (t.get(stable.key) != stable) {
                    lost.set(true);
                }
            }
        });
        for (int i = 0; i < 20_000; i++) {
            Binding b = binding(0x2100_0000 + i, i);
            t.put(b);
            if (i % 3 == 0) {
                t.remove(b);
            }
        }
        stop.set(true);
        reader.join(10_000);
        assertFalse(lost.get(), "a reader never missed a binding that was there all along");
    }
}
