package io.courier.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.NameAttach;
import io.courier.kernel.internal.node.NodeTestSupport;
import io.courier.node.CorruptRingException;
import io.courier.node.Ring;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 20 (B2): what a kernel reads from another member's ring is checked before use. Random
 * records never get past the checks as anything but a {@link CorruptRingException}, and a
 * corrupt ring cuts its member off: calls to it fail with ESRCH instead of hanging, and the
 * kernel goes on.
 */
class NodeRingTrustTest extends NodeTestSupport {

    /** Two kernels of one JVM, two members of the node: the rings between them are real. */
    @Test
    void shouldTakeOnlyWellFormedRecordsFromAPeer() throws Exception {
        try (MicrokernelImpl a = new MicrokernelImpl(IdleStrategy.BACKOFF, folder);
                MicrokernelImpl b = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            NodePeers.Peer peer = a.node.peers.peer(b.nodeSelf());
            Random random = new Random(20);
            MemorySegment seg = MemorySegment.ofArray(new byte[4096]);
            int refused = 0;
            for (int i = 0; i < 20_000; i++) {
                int length = random.nextInt(8) == 0 ? random.nextInt(4096) : random.nextInt(64);
                // Every 16th: the end of a list of global names, which only another node may send.
                boolean namesTold = i % 16 == 0;
                if (namesTold) {
                    length = NodePeers.REQUEST_HEADER + (i % 32 == 0 ? 0 : random.nextInt(64));
                }
                for (int j = 0; j < length; j += 4) {
                    seg.set(ValueLayout.JAVA_INT_UNALIGNED, j, random.nextInt(4) == 0 ? random.nextInt(4) : random.nextInt());
                }
                int type = random.nextInt(4);
                if (namesTold) {
                    seg.set(ValueLayout.JAVA_INT_UNALIGNED, 0, NodePeers.OP_NAMES_TOLD);
                    type = NodePeers.REQUEST;
                }
                try {
                    peer.record(type, seg, 0, length);
                    assertTrue(!namesTold, "the end of a list of names from a member was taken");
                } catch (CorruptRingException e) {
                    refused++;
                }
            }
            assertTrue(refused > 1_000, "refused " + refused);
            // The kernel still works between the two members.
            Kernel server = b.process("server");
            NameAttach name = server.nameAttach("still-works", 0);
            Thread serving = Thread.ofVirtual().start(() -> {
                io.courier.kernel.MsgInfo info = new io.courier.kernel.MsgInfo();
                ByteBuffer buf = ByteBuffer.allocate(64);
                while (true) {
                    buf.clear();
                    long rcvid;
                    try {
                        rcvid = server.msgReceive(name.chid(), buf, info);
                    } catch (KernelException e) {
                        return;
                    }
                    if (rcvid > 0) {
                        server.msgReply(rcvid, 7, null);
                    }
                }
            });
            Kernel client = a.process("client");
            int coid = CompletableFuture.supplyAsync(() -> client.nameOpen("still-works", 0)).get(5, TimeUnit.SECONDS);
            assertEquals(7, client.msgSend(coid, ByteBuffer.allocate(3), null, java.time.Duration.ofSeconds(5)));
            serving.interrupt();
        }
    }

    /**
     * The end of a list of global names ({@link NodePeers#OP_NAMES_TOLD}) is a record between
     * nodes: from another member of the node, even well formed, it breaks the protocol, and the
     * member is cut off (a call to it fails with ESRCH).
     */
    @Test
    void shouldCutOffAMemberThatSendsTheEndOfAListOfGlobalNames() throws Exception {
        try (MicrokernelImpl a = new MicrokernelImpl(IdleStrategy.BACKOFF, folder);
                MicrokernelImpl b = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            Kernel server = b.process("server");
            int chid = server.channelCreate(0);
            Kernel client = a.process("client");
            client.connectDetach(client.connectAttach(0, server.pid(), chid, 0, 0)); // b's consumer answers a connect
            String toA = NodePeers.Peer.ringName(b.nodeSelf(), a.nodeSelf());
            try (Ring ring = Ring.open(folder, toA, "test")) {
                ByteBuffer told = ByteBuffer.allocate(NodePeers.REQUEST_HEADER).order(ByteOrder.nativeOrder());
                told.putInt(0, NodePeers.OP_NAMES_TOLD);
                assertTrue(ring.offer(NodePeers.REQUEST, new ByteBuffer[] {told}));
            }
            io.courier.testing.Waits.eventually("b is cut off", () -> {
                try {
                    client.connectDetach(client.connectAttach(0, server.pid(), chid, 0, 0));
                    return false;
                } catch (KernelException e) {
                    return e.errno() == Errno.ESRCH;
                }
            });
        }
    }

    @Test
    void shouldCutOffAMemberWhoseRingIsCorruptAndFailItsCallsWithEsrch() throws Exception {
        try (MicrokernelImpl a = new MicrokernelImpl(IdleStrategy.BACKOFF, folder);
                MicrokernelImpl b = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            Kernel server = b.process("server");
            NameAttach name = server.nameAttach("silent", 0);
            Thread receiver = Thread.ofVirtual().start(() -> {
                try {
                    // Answers name_open's _IO_CONNECT, then never replies.
                    long rcvid;
                    do {
                        rcvid = server.msgReceive(name.chid(), ByteBuffer.allocate(8), null);
                    } while (rcvid == 0);
                    server.msgReply(rcvid, 0, null);
                    server.msgReceive(name.chid(), ByteBuffer.allocate(8), null);
                } catch (KernelException e) {
                    // the kernel closed
                }
            });
            Kernel client = a.process("client");
            int coid = CompletableFuture.supplyAsync(() -> client.nameOpen("silent", 0)).get(5, TimeUnit.SECONDS);
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread.ofPlatform().start(() -> {
                try {
                    client.msgSend(coid, ByteBuffer.allocate(4), null);
                    outcome.complete(null);
                } catch (Throwable t) {
                    outcome.complete(t);
                }
            });
            Thread.sleep(200);
            // What b would write to a, from a liar: a reply that says it holds more than it does.
            String toA = NodePeers.Peer.ringName(b.nodeSelf(), a.nodeSelf());
            try (Ring ring = Ring.open(folder, toA, "test")) {
                ByteBuffer lie = ByteBuffer.allocate(NodePeers.REPLY_HEADER).order(ByteOrder.nativeOrder());
                lie.putLong(0, 1).putInt(8, 0).putInt(12, 0).putInt(16, 1_000_000);
                assertTrue(ring.offer(NodePeers.REPLY, new ByteBuffer[] {lie}));
            }
            Throwable t = outcome.get(5, TimeUnit.SECONDS);
            assertEquals(Errno.ESRCH, ((KernelException) t).errno());
            assertEquals(Errno.ESRCH, assertThrows(KernelException.class, () -> client.nameOpen("silent", 0)).errno(),
                    "the member stays cut off");
            receiver.interrupt();
        }
    }
}
