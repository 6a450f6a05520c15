package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SPEC K16, K19, B6: the send hierarchy as {@link Microkernel#sends()} shows it, thread to
 * thread, and the refused send cycles {@link Microkernel#sendCycles()} keeps.
 *
 * <p>The chain: A's thread is REPLY-blocked on B's, which is REPLY-blocked on C's; D's thread is
 * SEND-blocked on B (whose only thread is busy); C then sends to A, which would close A -> B ->
 * C -> A, and is refused.
 */
class SendHierarchyTest extends KernelTestSupport {

    @Test
    void b6SendsNameTheServerThreadOfEachBlockedClientAndCyclesAreKept() throws Exception {
        // Each process is used by one thread only, as K19 needs to name a single-threaded server.
        Kernel a = mk.process("A");
        Kernel b = mk.process("B");
        Kernel c = mk.process("C");
        Kernel d = mk.process("D");
        int[] ch = new int[3];
        int[] tids = new int[4];
        CountDownLatch made = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);

        Future<Integer> cThread = async(() -> {
            tids[2] = c.tid();
            ch[2] = c.channelCreate(0);
            made.countDown();
            long fromB = c.msgReceive(ch[2], ByteBuffer.allocate(16), null);
            int toA = c.connectAttach(0, a.pid(), ch[0], 0, 0);
            KernelException refused = fails(Errno.EDEADLK, () -> c.msgSend(toA, text("C->A"), null));
            assertTrue(refused.getMessage().contains("A["), refused.getMessage());
            assertTrue(release.await(WAIT.toSeconds(), TimeUnit.SECONDS));
            c.msgReply(fromB, 3, null);
            return 0;
        });
        Future<Integer> bThread = async(() -> {
            tids[1] = b.tid();
            ch[1] = b.channelCreate(0);
            made.countDown();
            long fromA = b.msgReceive(ch[1], ByteBuffer.allocate(16), null);
            int status = b.msgSend(b.connectAttach(0, c.pid(), ch[2], 0, 0), text("B->C"), null);
            b.msgReply(fromA, status + 1, null);
            // Then D's message, which waited SEND-blocked.
            long fromD = b.msgReceive(ch[1], ByteBuffer.allocate(16), null);
            b.msgReply(fromD, 10, null);
            return status;
        });
        assertTrue(made.await(WAIT.toSeconds(), TimeUnit.SECONDS));
        Future<Integer> aThread = async(() -> {
            tids[0] = a.tid();
            ch[0] = a.channelCreate(0);
            return a.msgSend(a.connectAttach(0, b.pid(), ch[1], 0, 0), text("A->B"), null);
        });
        eventually("C refused its send to A", () -> !mk.sendCycles().isEmpty());
        Future<Integer> dThread = async(() -> {
            tids[3] = d.tid();
            return d.msgSend(d.connectAttach(0, b.pid(), ch[1], 0, 0), text("D->B"), null);
        });
        awaitAnyState(d.pid(), ThreadState.SEND);

        assertEquals(List.of(
                new SendInfo(a.pid(), tids[0], ThreadState.REPLY, b.pid(), ch[1], tids[1]),
                new SendInfo(b.pid(), tids[1], ThreadState.REPLY, c.pid(), ch[2], tids[2]),
                new SendInfo(d.pid(), tids[3], ThreadState.SEND, b.pid(), ch[1], tids[1])), mk.sends());

        SendCycle cycle = mk.sendCycles().get(0);
        assertEquals(List.of(
                new SendCycle.Member(c.pid(), tids[2], "C", ThreadState.SEND),
                new SendCycle.Member(a.pid(), tids[0], "A", ThreadState.REPLY),
                new SendCycle.Member(b.pid(), tids[1], "B", ThreadState.REPLY)), cycle.threads());
        assertEquals("C[" + c.pid() + "/" + tids[2] + "] -> A[" + a.pid() + "/" + tids[0] + "] REPLY -> B["
                + b.pid() + "/" + tids[1] + "] REPLY -> C[" + c.pid() + "/" + tids[2] + "]", cycle.toString());

        release.countDown();
        assertEquals(0, await(cThread));
        assertEquals(3, await(bThread));
        assertEquals(4, await(aThread));
        assertEquals(10, await(dThread));
        eventually("no thread is blocked on another", () -> mk.sends().isEmpty());
    }

    @Test
    void b6SendCyclesKeepOnlyTheLatest() throws Exception {
        Kernel a = mk.process("A");
        Kernel b = mk.process("B");
        int[] ch = new int[2];
        CountDownLatch made = new CountDownLatch(1);
        CountDownLatch refusedAll = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        int refusals = Microkernel.SEND_CYCLES_KEPT + 3;
        Future<Integer> bThread = async(() -> {
            ch[1] = b.channelCreate(0);
            made.countDown();
            long fromA = b.msgReceive(ch[1], ByteBuffer.allocate(16), null);
            int toA = b.connectAttach(0, a.pid(), ch[0], 0, 0);
            for (int i = 0; i < refusals; i++) {
                fails(Errno.EDEADLK, () -> b.msgSend(toA, text("B->A"), null));
            }
            refusedAll.countDown();
            assertTrue(done.await(WAIT.toSeconds(), TimeUnit.SECONDS));
            b.msgReply(fromA, 1, null);
            return 0;
        });
        assertTrue(made.await(WAIT.toSeconds(), TimeUnit.SECONDS));
        Future<Integer> aThread = async(() -> {
            ch[0] = a.channelCreate(0);
            return a.msgSend(a.connectAttach(0, b.pid(), ch[1], 0, 0), text("A->B"), null);
        });
        assertTrue(refusedAll.await(WAIT.toSeconds(), TimeUnit.SECONDS), "B made every refused send");
        List<SendCycle> kept = mk.sendCycles();
        assertEquals(Microkernel.SEND_CYCLES_KEPT, kept.size());
        for (int i = 1; i < kept.size(); i++) {
            assertTrue(!kept.get(i).refusedAt().isBefore(kept.get(i - 1).refusedAt()), "oldest first");
        }
        done.countDown();
        assertEquals(0, await(bThread));
        assertEquals(1, await(aThread));
    }
}
