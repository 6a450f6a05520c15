package io.courier.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.testing.Waits;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The kernel's guard against a lost wake-up (K13 waits): a client parked in msgSend whose reply
 * was completed without the wake-up that should follow it is woken by the reaper, and its call
 * returns the reply, instead of hanging.
 */
@Timeout(60)
class LostWakeUpTest {
    private final MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.PARK);
    private final ExecutorService pool = Executors.newCachedThreadPool();

    private Kernel server;
    private Kernel client;
    private int chid;
    private int coid;

    @BeforeEach
    void connect() {
        server = mk.process("server");
        client = mk.process("client");
        chid = server.channelCreate(0);
        coid = client.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, 0);
    }

    @AfterEach
    void shutDown() throws InterruptedException {
        mk.close();
        Waits.shutDown(pool);
    }

    @Test
    void k13AParkedClientWhoseReplyCameWithoutAWakeUpIsWokenByTheReaper() throws Exception {
        Future<Integer> send = pool.submit(() -> client.msgSend(coid, ByteBuffer.allocate(4), ByteBuffer.allocate(4)));
        long rcvid = server.msgReceive(chid, ByteBuffer.allocate(4), null);
        KThread c = mk.slot((int) rcvid);
        Waits.eventually("the client parks, REPLY-blocked", c::isParked);
        long before = mk.rescues();

        // What msgReply does, less the wake-up: the reply is complete, the client still parked.
        assertTrue(c.casSendPhase(KThread.REPLY, KThread.BUSY));
        c.status = 42;
        c.sendPhase(KThread.DONE);
        c.doneGen = c.gen;

        assertEquals(42, Waits.await(send));
        assertTrue(mk.rescues() > before, "the reaper woke the client");
    }

    @Test
    void k13AParkedReceiverHandedAClientWithoutAWakeUpIsWokenByTheReaper() throws Exception {
        CompletableFuture<Thread> serverThread = new CompletableFuture<>();
        Future<Long> receive = pool.submit(() -> {
            serverThread.complete(Thread.currentThread());
            return server.msgReceive(chid, ByteBuffer.allocate(4), null);
        });
        Thread st = Waits.await(serverThread);
        Waits.eventually("the server parks, RECEIVE-blocked",
                () -> mk.allThreads().stream().anyMatch(k -> k.thread == st && k.isParked()));
        KThread r = mk.allThreads().stream().filter(k -> k.thread == st).findFirst().orElseThrow();
        long before = mk.rescues();

        // The client's side of a hand-off, less the wake-up.
        Future<Integer> send = pool.submit(() -> {
            KThread me = ((Proc) client).self();
            Connection conn = ((Proc) client).connection(coid);
            me.oneSend[0] = ByteBuffer.wrap(new byte[] {1, 2, 3, 4});
            me.siov = me.oneSend;
            me.riov = new ByteBuffer[0];
            me.slen = 4;
            me.sendConn = conn;
            me.nextGen();
            assertTrue(conn.channel.claimWaiting() == r, "the receiver waits in the channel's slot");
            me.sendPhase(KThread.BUSY);
            r.recvClient = me;
            r.recvPhaseVolatile(KThread.RECV_DONE);
            return 0;
        });
        assertEquals(0, Waits.await(send));
        long rcvid = Waits.await(receive);
        assertTrue(rcvid > 0, "the receive returned the handed client's rcvid");
        assertTrue(mk.rescues() > before, "the reaper woke the receiver");
    }
}
