package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SPEC K19 (beyond QNX): a send that would close a cycle of SEND/REPLY-blocked threads fails
 * with EDEADLK. Each process here is used by one thread only, as a single-threaded server is.
 */
class DeadlockTest extends KernelTestSupport {

    @Test
    void k19TwoProcessesSendingToEachOther() throws Exception {
        Kernel a = mk.process("A");
        Kernel b = mk.process("B");
        int[] chids = new int[2];
        CountDownLatch channels = new CountDownLatch(2);
        CountDownLatch bSending = new CountDownLatch(1);
        Future<Integer> bThread = async(() -> {
            chids[1] = b.channelCreate(0);
            channels.countDown();
            assertTrue(channels.await(10, TimeUnit.SECONDS));
            int toA = b.connectAttach(0, a.pid(), chids[0], 0, 0);
            bSending.countDown();
            return b.msgSend(toA, text("B asks A"), null);
        });
        Future<Integer> aThread = async(() -> {
            chids[0] = a.channelCreate(0);
            channels.countDown();
            assertTrue(channels.await(10, TimeUnit.SECONDS));
            int toB = a.connectAttach(0, b.pid(), chids[1], 0, 0);
            assertTrue(bSending.await(10, TimeUnit.SECONDS));
            eventually("B is SEND-blocked on A", () -> mk.processes().stream().filter(p -> p.pid() == b.pid())
                    .flatMap(p -> p.threads().stream()).anyMatch(t -> t.state() == ThreadState.SEND));
            try {
                return a.msgSend(toB, text("A asks B"), null);
            } catch (KernelException e) {
                assertEquals(Errno.EDEADLK, e.errno());
                // A is not stuck: it serves B's message and the system moves on.
                ByteBuffer in = ByteBuffer.allocate(16);
                long rcvid = a.msgReceive(chids[0], in, null);
                a.msgReply(rcvid, 5, null);
                return -1;
            }
        });
        assertEquals(-1, await(aThread), "A's send was refused with EDEADLK");
        assertEquals(5, await(bThread));
    }

    @Test
    void k19LongerCycleAcrossThreeProcessesThroughAReplyBlockedServer() throws Exception {
        // C serves B; B's thread received from A... chain: A -> B (B busy, SEND-blocked on C),
        // C REPLY-blocked? Build: C sends to A (SEND-blocked: A busy), B sends to C
        // (SEND-blocked: C busy), then A sends to B: A -> B -> C -> A.
        Kernel a = mk.process("A");
        Kernel b = mk.process("B");
        Kernel c = mk.process("C");
        int[] ch = new int[3];
        CountDownLatch made = new CountDownLatch(3);
        CountDownLatch cSent = new CountDownLatch(1);
        CountDownLatch bSent = new CountDownLatch(1);
        Future<Integer> cThread = async(() -> {
            ch[2] = c.channelCreate(0);
            made.countDown();
            assertTrue(made.await(10, TimeUnit.SECONDS));
            int toA = c.connectAttach(0, a.pid(), ch[0], 0, 0);
            cSent.countDown();
            return c.msgSend(toA, text("C->A"), null);
        });
        Future<Integer> bThread = async(() -> {
            ch[1] = b.channelCreate(0);
            made.countDown();
            assertTrue(made.await(10, TimeUnit.SECONDS));
            int toC = b.connectAttach(0, c.pid(), ch[2], 0, 0);
            assertTrue(cSent.await(10, TimeUnit.SECONDS));
            awaitAnyState(c.pid(), ThreadState.SEND);
            bSent.countDown();
            return b.msgSend(toC, text("B->C"), null);
        });
        Future<String> aThread = async(() -> {
            ch[0] = a.channelCreate(0);
            made.countDown();
            assertTrue(made.await(10, TimeUnit.SECONDS));
            int toB = a.connectAttach(0, b.pid(), ch[1], 0, 0);
            assertTrue(bSent.await(10, TimeUnit.SECONDS));
            awaitAnyState(b.pid(), ThreadState.SEND);
            try {
                a.msgSend(toB, text("A->B"), null);
                return "sent";
            } catch (KernelException e) {
                String m = e.getMessage();
                long rcvid = a.msgReceive(ch[0], ByteBuffer.allocate(16), null);
                a.msgReply(rcvid, 1, null);
                return e.errno() + " " + m;
            }
        });
        String result = await(aThread);
        assertTrue(result.startsWith("EDEADLK"), result);
        assertTrue(result.contains("B[") && result.contains("C[") && result.contains("A["), result);
        assertEquals(1, await(cThread));
        // C replies to B once it is free.
        long rcvid = c.msgReceive(ch[2], ByteBuffer.allocate(16), null);
        c.msgReply(rcvid, 2, null);
        assertEquals(2, await(bThread));
    }

    @Test
    void k19NoFalseAlarmWhenTheServerCanStillReceive() throws Exception {
        Kernel a = mk.process("A");
        Kernel b = mk.process("B");
        int chB = b.channelCreate(0);
        int toB = a.connectAttach(0, b.pid(), chB, 0, 0);
        Future<Integer> srv = async(() -> {
            long rcvid = b.msgReceive(chB, ByteBuffer.allocate(8), null);
            b.msgReply(rcvid, 3, null);
            return 0;
        });
        assertEquals(3, a.msgSend(toB, text("hi"), null));
        await(srv);
    }
}
