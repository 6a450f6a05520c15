package io.courier.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.internal.node.NodeTestSupport;
import io.courier.kernel.internal.node.RingPairNetwork;
import io.courier.testing.Waits;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issues 20 and 21: a message from another JVM or node makes no garbage where it arrives. The
 * thread that takes the other side's records finds the client's stand-in process, its stand-in
 * thread and its connection to the server, copies the message into the stand-in's buffer and
 * queues it: once warm, none of that allocates (no boxed pid, tid or connection key, no segment
 * over the stand-in's buffer per message). Measured with that thread's allocation counter over
 * 20,000 round trips of 64 bytes between two kernels joined by a pair of rings, with a bound of
 * less than the smallest object (16 bytes) a message on average: what may remain is the JDK's
 * view of the errno capture when the thread sleeps on its futex between two messages (a small
 * segment, where the JIT does not remove it), which is not every message.
 */
@Timeout(120)
class NodeConsumerAllocationTest extends NodeTestSupport {

    @Test
    void aMessageFromAnotherNodeAllocatesNothingWhereItArrives() throws Exception {
        ExecutorService serverThread = Executors.newSingleThreadExecutor();
        MicrokernelImpl alpha = new MicrokernelImpl(IdleStrategy.BACKOFF);
        MicrokernelImpl beta = new MicrokernelImpl(IdleStrategy.BACKOFF);
        try {
            RingPairNetwork[] net = RingPairNetwork.pair(folder, "alpha", "beta");
            alpha.joinNetwork(net[0]);
            beta.joinNetwork(net[1]);
            net[0].up();
            Kernel s = beta.process("server");
            int chid = CompletableFuture.supplyAsync(() -> s.channelCreate(0), serverThread).get(10, TimeUnit.SECONDS);
            CompletableFuture.runAsync(() -> {
                ByteBuffer msg = ByteBuffer.allocate(64);
                for (;;) {
                    msg.clear();
                    long rcvid;
                    try {
                        rcvid = s.msgReceive(chid, msg, null);
                    } catch (RuntimeException e) {
                        return; // the kernel closed
                    }
                    if (rcvid > 0) {
                        s.msgReply(rcvid, 0, msg.flip());
                    }
                }
            }, serverThread);
            Kernel c = alpha.process("client");
            int coid = c.connectAttach(1, s.pid(), chid, 0, 0);
            Thread consumer = beta.networkPeers().consumerOf(1);
            assertNotNull(consumer, "beta takes alpha's records on a thread of its own");
            var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            ByteBuffer out = ByteBuffer.allocate(64);
            ByteBuffer in = ByteBuffer.allocate(64);
            int rounds = 20_000;
            long allocated = Long.MAX_VALUE;
            for (int pass = 0; pass < 6 && allocated >= 16L * rounds; pass++) {
                long before = mx.getThreadAllocatedBytes(consumer.threadId());
                for (int i = 0; i < rounds; i++) {
                    out.clear().putLong(0, i);
                    in.clear();
                    c.msgSend(coid, out, in);
                    assertEquals(i, in.getLong(0));
                }
                allocated = mx.getThreadAllocatedBytes(consumer.threadId()) - before;
            }
            assertTrue(allocated < 16L * rounds, "the records of " + rounds + " messages allocated " + allocated
                    + " bytes on the thread that takes them");
        } finally {
            alpha.close();
            beta.close();
            Waits.shutDown(serverThread);
        }
    }
}
