package io.courier.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.asyncmsg.AsyncConnectionAttr;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.asyncmsg.AsyncMsgHeader;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.kernel.NameInfo;
import io.courier.testing.Waits;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 (B3): asyncmsg to another node with the whole ring in one flush. A record of the
 * network link carries about 128 KiB, a node's ring twice that: 4,096 messages of 64 bytes
 * flushed at once (about 278 KB with their lengths) go as several batches, each within a record,
 * and arrive once, in order; a message longer than a record can carry is refused at put with
 * EMSGSIZE, as a message longer than the connection's buffers is. Two nodes of this JVM over
 * Aeron UDP on the loopback, each with a kernel of its own.
 */
class NetAsyncBatchTest extends NetTestSupport {
    /** A kernel of this JVM, closed after the test. */
    private Microkernel boot() {
        Microkernel k = Microkernel.boot();
        started.add(k);
        return k;
    }

    /** {@code alpha} and {@code beta} join a network of the two, on free loopback ports. */
    private void join(Microkernel alpha, Microkernel beta) throws Exception {
        int pa = ChildNode.freePort();
        int pb = ChildNode.freePort();
        alpha.joinNetwork(network("alpha", pa, at("beta", pb)));
        beta.joinNetwork(network("beta", pb, at("alpha", pa)));
    }

    /** Beta's nd as {@code client} of alpha knows it, once beta's asyncmsg gateway is told to alpha. */
    private static int betaWithGateway(Microkernel alpha, Kernel client) throws InterruptedException {
        int nd = client.netmgrStrtond("beta");
        Waits.eventually("beta's asyncmsg gateway is told to alpha", () -> alpha.globalNames(nd).stream()
                .map(NameInfo::name).anyMatch(n -> n.startsWith("courier-asyncmsg-gateway")));
        return nd;
    }

    @Test
    void aFullRingFlushedAtOnceCrossesAsBatchesThatFitARecord() throws Exception {
        Microkernel alpha = boot();
        Microkernel beta = boot();
        join(alpha, beta);
        Kernel server = beta.process("async-server");
        AsyncMessaging sam = AsyncMessaging.of(server);
        int total = 4096;
        int achid = sam.channelCreate(0, 0666, 64, total, null, null);
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        started.add(threads::shutdownNow);
        List<Long> got = new ArrayList<>();
        CompletableFuture<Void> getter = CompletableFuture.runAsync(() -> {
            while (got.size() < total) {
                List<AsyncMsgHeader> batch = new ArrayList<>();
                for (AsyncMsgHeader h = sam.get(achid, Duration.ofSeconds(20)); h != null; h = h.next()) {
                    ByteBuffer m = h.iov()[0];
                    got.add(m.getLong(m.position()));
                    batch.add(h);
                }
                batch.forEach(sam::free);
            }
        }, threads);
        Kernel client = alpha.process("async-client");
        int nd = betaWithGateway(alpha, client);
        AsyncMessaging am = AsyncMessaging.of(client);
        AsyncConnectionAttr attr = AsyncConnectionAttr.builder().bufferSize(200_000).maxNumBuffer(total)
                .triggerNumMsg(0).build();
        int coid = CompletableFuture.supplyAsync(() -> am.connectAttach(nd, server.pid(), achid, 0, 0, attr), threads)
                .get(20, TimeUnit.SECONDS);
        CompletableFuture.runAsync(() -> {
            // Longer than a record of the link can carry: refused at put, as locally beyond the buffers.
            KernelException big = org.junit.jupiter.api.Assertions.assertThrows(KernelException.class,
                    () -> am.put(coid, ByteBuffer.allocate(150_000), 0, null));
            assertEquals(Errno.EMSGSIZE, big.errno());
            for (long i = 0; i < total; i++) {
                am.put(coid, ByteBuffer.allocate(64).putLong(0, i), i, null);
            }
            am.flush(coid, 0);
        }, threads).get(30, TimeUnit.SECONDS);
        getter.get(60, TimeUnit.SECONDS);
        assertEquals(total, got.size());
        for (int i = 0; i < total; i++) {
            assertEquals(i, (long) got.get(i), "message " + i + " once, in order");
        }
        assertTrue(alpha.network().link(nd) != null, "the link stayed up");
    }

    /**
     * Interrupts do not cost asyncmsg across nodes a message or the link: while 20,000 messages
     * cross, the putting thread on alpha and the getting thread on beta are interrupted again and
     * again. A get that is interrupted ends with EINTR (and is asked again), a put never waits;
     * every message arrives once, in order, and the link stays up.
     */
    @Test
    void interruptedPuttersAndGettersLoseNoMessageAndKeepTheLinkUp() throws Exception {
        Microkernel alpha = boot();
        Microkernel beta = boot();
        join(alpha, beta);
        Kernel server = beta.process("async-server");
        AsyncMessaging sam = AsyncMessaging.of(server);
        int total = 20_000;
        int achid = sam.channelCreate(0, 0666, 64, 1024, null, null);
        java.util.concurrent.atomic.AtomicInteger interrupted = new java.util.concurrent.atomic.AtomicInteger();
        List<Long> got = new ArrayList<>();
        Waits.Started getter = Waits.start(Thread.ofPlatform().daemon().name("getter"), () -> {
            while (got.size() < total) {
                List<AsyncMsgHeader> batch = new ArrayList<>();
                try {
                    for (AsyncMsgHeader h = sam.get(achid, Duration.ofSeconds(20)); h != null; h = h.next()) {
                        ByteBuffer m = h.iov()[0];
                        got.add(m.getLong(m.position()));
                        batch.add(h);
                    }
                } catch (KernelException e) {
                    assertEquals(Errno.EINTR, e.errno(), "an interrupted get");
                    Thread.interrupted();
                    interrupted.incrementAndGet();
                }
                batch.forEach(sam::free);
            }
        });
        Kernel client = alpha.process("async-client");
        int nd = betaWithGateway(alpha, client);
        AsyncMessaging am = AsyncMessaging.of(client);
        AsyncConnectionAttr attr = AsyncConnectionAttr.builder().maxNumBuffer(1024).triggerNumMsg(64)
                .triggerTime(1_000_000, 0).build();
        Waits.Started putter = Waits.start(Thread.ofPlatform().daemon().name("putter"), () -> {
            int coid = am.connectAttach(nd, server.pid(), achid, 0, 0, attr);
            for (long i = 0; i < total; ) {
                try {
                    // A buffer of its own: a put keeps it until the message was taken.
                    am.put(coid, ByteBuffer.allocate(64).putLong(0, i), i, null);
                    i++;
                } catch (KernelException e) {
                    assertEquals(Errno.EAGAIN, e.errno(), "a put on a full connection");
                    Thread.onSpinWait();
                }
            }
            Thread.interrupted();
            am.flush(coid, AsyncMessaging.FLUSH_NONBLOCK);
        });
        try (var _ = Waits.interruptEvery(200_000, putter.thread(), getter.thread())) {
            putter.done().get(60, TimeUnit.SECONDS);
            getter.done().get(60, TimeUnit.SECONDS);
        }
        assertEquals(total, got.size());
        for (int i = 0; i < total; i++) {
            assertEquals(i, (long) got.get(i), "message " + i + " once, in order");
        }
        assertTrue(alpha.network().link(nd) != null, "the link stayed up");
        System.out.println("NetAsyncBatchTest: " + interrupted.get() + " gets ended by an interrupt");
    }

    /**
     * A server whose channel was made before its kernel joined the network (the net bundle
     * started after it, or was configured later): once the kernel joins, its asyncmsg gateway
     * starts, and a client of another node reaches the channel.
     */
    @Test
    void aChannelMadeBeforeTheKernelJoinedTheNetworkIsReachedFromAnotherNode() throws Exception {
        Microkernel alpha = boot();
        Microkernel beta = boot();
        Kernel server = beta.process("async-server");
        AsyncMessaging sam = AsyncMessaging.of(server);
        int achid = sam.channelCreate(0, 0666, 64, 64, null, null);
        // Only now do the nodes start.
        join(alpha, beta);
        Kernel client = alpha.process("async-client");
        int nd = betaWithGateway(alpha, client);
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        started.add(threads::shutdownNow);
        AsyncMessaging am = AsyncMessaging.of(client);
        AsyncConnectionAttr attr = AsyncConnectionAttr.builder().bufferSize(64).maxNumBuffer(64).triggerNumMsg(1).build();
        int coid = CompletableFuture.supplyAsync(() -> am.connectAttach(nd, server.pid(), achid, 0, 0, attr), threads)
                .get(20, TimeUnit.SECONDS);
        CompletableFuture.runAsync(() -> {
            for (long i = 0; i < 10; i++) {
                am.put(coid, ByteBuffer.allocate(8).putLong(0, i), i, null);
            }
        }, threads).get(20, TimeUnit.SECONDS);
        List<Long> got = new ArrayList<>();
        CompletableFuture.runAsync(() -> {
            while (got.size() < 10) {
                for (AsyncMsgHeader h = sam.get(achid, Duration.ofSeconds(20)); h != null; h = h.next()) {
                    ByteBuffer m = h.iov()[0];
                    got.add(m.getLong(m.position()));
                    sam.free(h);
                }
            }
        }, threads).get(30, TimeUnit.SECONDS);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), got);
    }
}
