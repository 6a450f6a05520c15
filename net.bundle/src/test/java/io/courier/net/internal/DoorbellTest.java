package io.courier.net.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.net.NetConfig;
import io.courier.net.NetListener;
import io.courier.node.Link;
import java.net.DatagramSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * B3 (issue 21): the node's media driver and its link consumers wait for events, not for timers
 * ({@link Doorbell}). Two nodes of this JVM over Aeron UDP on the loopback, whose idle media
 * drivers wait up to 1 s (Aeron's own timers, of 5 s and more, need a duty cycle now and then)
 * and whose idle link consumers wait up to 30 s: a record offered by a node that was idle for
 * seconds must still reach the other node's consumer at once. Without the doorbell each of the
 * three waits on its way (the sending driver, the receiving driver, the consumer) would have
 * backed off to its longest by then.
 */
class DoorbellTest {
    private static final long DRIVER_WAIT = TimeUnit.SECONDS.toNanos(1);
    private static final long CONSUMER_WAIT = TimeUnit.SECONDS.toNanos(30);
    private static final byte[] KEY = NetConfig.keyFromString("doorbell test key, long enough");
    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    /** Tells when the other node is up. */
    private static final class Up implements NetListener {
        final CountDownLatch up = new CountDownLatch(1);

        @Override
        public void nodeUp(int nd, String name, long incarnation) {
            up.countDown();
        }

        @Override
        public void nodeDown(int nd, String name, String reason) {
            // Not expected; the test fails on its timeouts if it happens.
        }
    }

    private NetNodeImpl node(String name, int port, String peer, int peerPort, Up up) {
        // Heartbeats every second (they wake the drivers too, and keep Aeron's own timeouts, of 5 s
        // and more, from running out): a record that waited for one would take 500 ms on average.
        NetConfig config = NetConfig.of(name, port, List.of(new NetConfig.Peer(peer, "127.0.0.1", peerPort)), KEY)
                .withTimings(Duration.ofSeconds(1), Duration.ofSeconds(20));
        NetNodeImpl n = NetNodeImpl.start(config, up, DRIVER_WAIT, CONSUMER_WAIT);
        started.add(n);
        return n;
    }

    private static int freePort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void aRecordFromAnIdleNodeReachesTheOtherNodesSleepingConsumerAtOnce() throws Exception {
        int pa = freePort();
        int pb = freePort();
        Up upA = new Up();
        Up upB = new Up();
        NetNodeImpl a = node("a", pa, "b", pb, upA);
        NetNodeImpl b = node("b", pb, "a", pa, upB);
        assertTrue(upA.up.await(30, TimeUnit.SECONDS), "a saw b come up");
        assertTrue(upB.up.await(30, TimeUnit.SECONDS), "b saw a come up");
        Link toB = a.link(1);
        Link fromA = b.link(1);
        LinkedBlockingQueue<long[]> got = new LinkedBlockingQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        // b's consumer: waits on the link (parks of up to 30 s), takes each record with its time.
        Thread consumer = Thread.ofPlatform().daemon().name("consume-a").start(() -> {
            try {
                while (!stop.get()) {
                    if (fromA.await(TimeUnit.SECONDS.toNanos(60))) {
                        fromA.poll((type, ring, offset, length) -> got.add(new long[] {type, System.nanoTime()}), 16);
                    }
                }
            } catch (InterruptedException | IllegalStateException e) {
                // Closing.
            }
        });
        started.add(() -> {
            stop.set(true);
            consumer.interrupt();
            consumer.join(10_000);
        });
        ByteBuffer payload = ByteBuffer.allocateDirect(64);
        for (int i = 1; i <= 4; i++) {
            // Idle long enough for every wait to have backed off to its longest (parks of 1 µs
            // doubling reach a second within 2 s): only a wake-up brings the record soon.
            Thread.sleep(2_000);
            long sent = System.nanoTime();
            for (int spins = 0; !toB.offer(i, new ByteBuffer[] {payload.clear()}); spins++) {
                assertTrue(spins < 1_000_000, "the link took the record");
                Thread.onSpinWait();
            }
            long[] r = got.poll(30, TimeUnit.SECONDS);
            assertTrue(r != null, "record " + i + " arrived");
            assertEquals(i, r[0]);
            long ms = TimeUnit.NANOSECONDS.toMillis(r[1] - sent);
            System.out.println("record " + i + " from an idle node arrived in " + ms + " ms");
            // At once is well under a millisecond on an idle machine; 200 ms leaves room for a
            // busy one, while a record that waited for a wait to run out (a driver's second, a
            // consumer's 30 s) or for the next heartbeat to wake a driver (up to 1 s) would fail
            // in at least one of the four.
            assertTrue(ms < 200, "record " + i + " took " + ms + " ms");
        }
    }
}
