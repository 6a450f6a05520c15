package io.courier.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.MsgInfo;
import io.courier.kernel.NameAttach;
import io.courier.kernel.Pulse;
import io.courier.kernel.PulseCode;
import io.courier.kernel.internal.node.NodeTestSupport;
import io.courier.node.Ring;
import io.courier.testing.Waits;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 20 (B2): a thread waiting on another member of the node takes what that member's ring
 * brings itself while it spins (a client its reply, a server on a channel with clients over
 * there its next message), so no consumer is woken between them; the bytes and errors are those
 * of any other path, and what breaks the protocol cuts the member off from the waiting thread
 * as from the consumer, without disturbing the wait.
 */
@Timeout(120)
class NodeWatchTest extends NodeTestSupport {
    private static final Duration LIMIT = Duration.ofSeconds(10);

    /** A server that answers each message with its bytes reversed and status its length; pulses are counted by code. */
    private static Thread reverser(Kernel server, int chid, AtomicInteger disconnects, CompletableFuture<Throwable> failed) {
        return Thread.ofPlatform().daemon().start(() -> {
            ByteBuffer buf = ByteBuffer.allocate(4096);
            MsgInfo info = new MsgInfo();
            while (true) {
                buf.clear();
                long rcvid;
                try {
                    rcvid = server.msgReceive(chid, buf, info);
                } catch (KernelException e) {
                    failed.complete(e);
                    return;
                } catch (Throwable t) {
                    failed.complete(t);
                    return;
                }
                if (rcvid == 0) {
                    buf.flip();
                    Pulse p = Pulse.from(buf);
                    if (p.code() == PulseCode.DISCONNECT) {
                        disconnects.incrementAndGet();
                        server.connectDetach(p.scoid());
                    }
                    continue;
                }
                if (rcvid < 0) {
                    continue;
                }
                int n = buf.position();
                byte[] reversed = new byte[n];
                for (int i = 0; i < n; i++) {
                    reversed[i] = buf.get(n - 1 - i);
                }
                try {
                    server.msgReply(rcvid, n, ByteBuffer.wrap(reversed));
                } catch (KernelException e) {
                    // The client went meanwhile.
                }
            }
        });
    }

    @Test
    void k3MessagesAndRepliesBetweenMembersAreTakenByTheWaitingServerAndClientThemselves() throws Exception {
        try (MicrokernelImpl a = new MicrokernelImpl(IdleStrategy.BACKOFF, folder);
                MicrokernelImpl b = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            Kernel server = b.process("server");
            NameAttach name = server.nameAttach("watch-echo", 0);
            CompletableFuture<Throwable> failed = new CompletableFuture<>();
            Thread serving = reverser(server, name.chid(), new AtomicInteger(), failed);
            Kernel client = a.process("client");
            int coid = CompletableFuture.supplyAsync(() -> client.nameOpen("watch-echo", 0)).get(10, TimeUnit.SECONDS);
            Random random = new Random(3);
            ByteBuffer reply = ByteBuffer.allocate(4096);
            int calls = 3_000;
            for (int i = 0; i < calls; i++) {
                byte[] msg = new byte[1 + random.nextInt(i % 50 == 0 ? 4096 : 200)];
                random.nextBytes(msg);
                reply.clear();
                assertEquals(msg.length, client.msgSend(coid, ByteBuffer.wrap(msg), reply, LIMIT), "status of call " + i);
                assertEquals(msg.length, reply.position(), "reply length of call " + i);
                for (int k = 0; k < msg.length; k++) {
                    if (reply.get(k) != msg[msg.length - 1 - k]) {
                        throw new AssertionError("call " + i + ": reply byte " + k + " differs");
                    }
                }
            }
            long byClient = a.node.peers.watchedRecords();
            long byServer = b.node.peers.watchedRecords();
            System.out.printf("of %d calls: replies taken by the waiting client %d, messages by the waiting server %d%n",
                    calls, byClient, byServer);
            assertTrue(byClient > 0, "no reply was taken by its waiting client");
            assertTrue(byServer > 0, "no message was taken by the waiting server");
            assertFalse(failed.isDone(), "the server's receive failed: " + failed.getNow(null));
            serving.interrupt();
        }
    }

    /**
     * A call to a server of another member, with direct buffers on both sides, allocates nothing
     * on the client's thread (its request header and gathering array are its own, reused; its
     * reply is copied from a view of the ring) nor on the server's (its outcome goes from a kept
     * view of the stand-in's reply buffer): under 16 bytes a call on average, once warm.
     */
    @Test
    void b2ACallToAnotherMemberAllocatesNothingOnTheClientsOrTheServersThread() throws Exception {
        try (MicrokernelImpl a = new MicrokernelImpl(IdleStrategy.BACKOFF, folder);
                MicrokernelImpl b = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            Kernel server = b.process("server");
            NameAttach name = server.nameAttach("watch-garbage", 0);
            Thread serving = Thread.ofPlatform().daemon().start(() -> {
                ByteBuffer buf = ByteBuffer.allocateDirect(64);
                try {
                    while (true) {
                        buf.clear();
                        long rcvid = server.msgReceive(name.chid(), buf, null);
                        if (rcvid > 0) {
                            buf.flip();
                            server.msgReply(rcvid, buf.remaining(), buf);
                        }
                    }
                } catch (KernelException e) {
                    // the kernel closed
                }
            });
            Kernel client = a.process("client");
            int coid = CompletableFuture.supplyAsync(() -> client.nameOpen("watch-garbage", 0)).get(10, TimeUnit.SECONDS);
            var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            ByteBuffer out = ByteBuffer.allocateDirect(8);
            ByteBuffer in = ByteBuffer.allocateDirect(8);
            int rounds = 20_000;
            long byClient = Long.MAX_VALUE;
            long byServer = Long.MAX_VALUE;
            for (int pass = 0; pass < 6 && (byClient >= 16L * rounds || byServer >= 16L * rounds); pass++) {
                long clientBefore = mx.getThreadAllocatedBytes(Thread.currentThread().threadId());
                long serverBefore = mx.getThreadAllocatedBytes(serving.threadId());
                for (int i = 0; i < rounds; i++) {
                    out.clear().putLong(0, i);
                    in.clear();
                    assertEquals(8, client.msgSend(coid, out, in));
                    if (in.getLong(0) != i) {
                        throw new AssertionError("call " + i + " got " + in.getLong(0));
                    }
                }
                byClient = mx.getThreadAllocatedBytes(Thread.currentThread().threadId()) - clientBefore;
                byServer = mx.getThreadAllocatedBytes(serving.threadId()) - serverBefore;
            }
            assertTrue(byClient < 16L * rounds, rounds + " calls allocated " + byClient + " bytes on the client's thread");
            assertTrue(byServer < 16L * rounds, rounds + " calls allocated " + byServer + " bytes on the server's thread");
            serving.interrupt();
        }
    }

    /**
     * The server's kernel does not park a wait while it may yield, so its receiving thread
     * watches the ring from the client's member all along, with that member's consumer asleep,
     * and meets the malformed request (the consumer would, were the receiver parked): the member
     * is cut off (its client process dead to the server: DISCONNECT), the receive goes on
     * untouched, and the server still serves a client of its own JVM.
     */
    @Test
    void aMalformedRequestMetByAWaitingServerCutsTheMemberOffAndLeavesTheReceiveAlone() throws Exception {
        IdleStrategy neverParks = new IdleStrategy.Backoff(200, Integer.MAX_VALUE - 200);
        try (MicrokernelImpl a = new MicrokernelImpl(IdleStrategy.BACKOFF, folder);
                MicrokernelImpl b = new MicrokernelImpl(neverParks, folder)) {
            Kernel server = b.process("server");
            NameAttach name = server.nameAttach("watch-trust", 0);
            AtomicInteger disconnects = new AtomicInteger();
            CompletableFuture<Throwable> failed = new CompletableFuture<>();
            Thread serving = reverser(server, name.chid(), disconnects, failed);
            Kernel client = a.process("client");
            int coid = CompletableFuture.supplyAsync(() -> client.nameOpen("watch-trust", 0)).get(10, TimeUnit.SECONDS);
            assertEquals(3, client.msgSend(coid, ByteBuffer.wrap(new byte[] {1, 2, 3}), null, LIMIT));
            // What a would write to b, from a liar: a request shorter than its header.
            String toB = NodePeers.Peer.ringName(a.nodeSelf(), b.nodeSelf());
            try (Ring ring = Ring.open(folder, toB, "test")) {
                ByteBuffer lie = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(0, NodePeers.OP_SEND);
                assertTrue(ring.offer(NodePeers.REQUEST, new ByteBuffer[] {lie}));
            }
            Waits.eventually("the client's member is cut off: its process is dead to the server", () -> disconnects.get() == 1);
            assertFalse(failed.isDone(), "the server's receive failed: " + failed.getNow(null));
            Kernel local = b.process("local");
            int localCoid = local.nameOpen("watch-trust", 0);
            assertEquals(2, local.msgSend(localCoid, ByteBuffer.wrap(new byte[] {4, 5}), null, LIMIT),
                    "the server still serves");
            serving.interrupt();
        }
    }
}
