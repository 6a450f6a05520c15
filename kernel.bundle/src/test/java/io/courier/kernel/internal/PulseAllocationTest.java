package io.courier.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import io.courier.kernel.Pulse;
import io.courier.kernel.PulseLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * SPEC K8: a pulse sent and received into a buffer allocates nothing, on either side, once warm
 * (the ring and the FIFOs hold primitives; the receiver writes the bytes in place). Measured with
 * the thread's allocation counter over 200,000 pulses, with a bound of under one byte a pulse.
 * Tracing is on, as by default, with no recording: a pulse then makes no Flight Recorder event
 * (SPEC B5: free when off).
 */
class PulseAllocationTest {

    @Test
    void k8TheBufferFormAllocatesNothingPerPulse() throws Exception {
        assertTrue(Trace.enabled(), "tracing on, as by default");
        try (Microkernel mk = Microkernel.boot()) {
            Kernel server = mk.process("server");
            Kernel client = mk.process("client");
            int chid = server.channelCreate(0);
            int coid = client.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, 0);
            ByteBuffer b = ByteBuffer.allocate(Pulse.SIZE).order(ByteOrder.nativeOrder());
            var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long tid = Thread.currentThread().threadId();
            int rounds = 2_000;
            int batch = 100;
            long allocated = 0;
            long sum = 0;
            for (int pass = 0; pass < 10; pass++) {
                long before = mx.getThreadAllocatedBytes(tid);
                for (int r = 0; r < rounds; r++) {
                    for (int i = 0; i < batch; i++) {
                        client.msgSendPulse(coid, 10 + (i & 1), 1, i);
                    }
                    for (int i = 0; i < batch; i++) {
                        b.clear();
                        server.msgReceive(chid, b, null);
                        sum += b.getLong(PulseLayout.VALUE);
                    }
                }
                allocated = mx.getThreadAllocatedBytes(tid) - before;
                if (allocated < rounds * batch) {
                    break; // warm
                }
            }
            assertTrue(sum > 0, "the values arrived");
            assertTrue(allocated < rounds * batch, "a pulse sent and received into a buffer allocates nothing once warm; "
                    + allocated + " bytes for " + rounds * batch + " pulses");
        }
    }
}
