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
        return node(name, port, peer, peerPort, up, DRIVER_WAIT);
    }

    private NetNodeImpl node(String name, int port, String peer, int peerPort, Up up, long driverWait) {
        // Heartbeats every second (they wake the drivers too, and keep Aeron's own timeouts, of 5 s
        // and more, from running out): a record that waited for one would take 500 ms on average.
        NetConfig config = NetConfig.of(name, port, List.of(new NetConfig.Peer(peer, "127.0.0.1", peerPort)), KEY)
                .withTimings(Duration.ofSeconds(1), Duration.ofSeconds(20));
        NetNodeImpl n = NetNodeImpl.start(config, up, driverWait, CONSUMER_WAIT);
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

    /**
     * Nodes a and b, each seeing the other up; their idle drivers wait the default millisecond
     * (Aeron's setup frames go by its timers: with 1 s waits, two nodes take about 10 s to come up).
     */
    private NetNodeImpl[] pair() throws Exception {
        int pa = freePort();
        int pb = freePort();
        Up upA = new Up();
        Up upB = new Up();
        long wait = TimeUnit.MILLISECONDS.toNanos(1);
        NetNodeImpl a = node("a", pa, "b", pb, upA, wait);
        NetNodeImpl b = node("b", pb, "a", pa, upB, wait);
        assertTrue(upA.up.await(30, TimeUnit.SECONDS), "a saw b come up");
        assertTrue(upB.up.await(30, TimeUnit.SECONDS), "b saw a come up");
        return new NetNodeImpl[] {a, b};
    }

    /** b's consumer: takes each record from a (its type into {@code got}) and, while {@code echo}, sends it back. */
    private void consumeAtB(NetNodeImpl b, LinkedBlockingQueue<Integer> got, AtomicBoolean echo) {
        Link link = b.link(1);
        AtomicBoolean stop = new AtomicBoolean();
        ByteBuffer[] echoed = {ByteBuffer.allocateDirect(64)};
        Thread consumer = Thread.ofPlatform().daemon().name("consume-a").start(() -> {
            try {
                while (!stop.get()) {
                    if (link.await(TimeUnit.SECONDS.toNanos(60))) {
                        link.poll((type, ring, offset, length) -> {
                            boolean back = echo.get(); // read first: the test turns it on once it has a record
                            got.add(type);
                            if (back) {
                                echoed[0].clear().limit(length);
                                while (!link.offer(type, echoed)) {
                                    Thread.onSpinWait();
                                }
                            }
                        }, 16);
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
    }

    private static void offer(Link link, int type) {
        ByteBuffer[] payload = {ByteBuffer.allocateDirect(64)};
        for (int spins = 0; !link.offer(type, payload); spins++) {
            assertTrue(spins < 10_000_000, "the link took record " + type);
            Thread.onSpinWait();
        }
    }

    /**
     * With the doorbell's own thread kept from running the driver, a node's traffic still flows,
     * carried by the threads that make and wait for it: a thread that offers a record of one
     * datagram sends it with a duty cycle of its own, and a thread that waits for a record
     * ({@link Link#tryPoll}, as the kernel's waiting client and server do) reads its datagram
     * with one. Without either, nothing here would move (the own thread is paused throughout).
     */
    @Test
    void aThreadThatOffersOrWaitsRunsTheDriverItselfWhenTheDoorbellsThreadDoesNot() throws Exception {
        NetNodeImpl[] ab = pair();
        NetNodeImpl a = ab[0];
        LinkedBlockingQueue<Integer> got = new LinkedBlockingQueue<>();
        AtomicBoolean echo = new AtomicBoolean();
        consumeAtB(ab[1], got, echo);
        Link link = a.link(1);
        a.doorbell().pauseOwnThread(true);
        started.add(() -> a.doorbell().pauseOwnThread(false));
        Thread.sleep(100); // the pause has begun: the own thread's count stands still from here
        long own = a.doorbell().ownCycles();
        // The offering thread sends: b gets each record while this thread only waits on b's side.
        for (int i = 1; i <= 20; i++) {
            offer(link, i);
            assertEquals(Integer.valueOf(i), got.poll(5, TimeUnit.SECONDS), "record " + i + " reached b");
        }
        // The waiting thread reads: b echoes now, and this thread takes each echo by tryPoll alone.
        echo.set(true);
        LinkedBlockingQueue<Integer> echoes = new LinkedBlockingQueue<>();
        for (int i = 21; i <= 220; i++) {
            offer(link, i);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (echoes.isEmpty()) {
                assertTrue(System.nanoTime() - deadline < 0, "the echo of record " + i + " was read by the waiting thread");
                link.tryPoll((type, ring, offset, length) -> echoes.add(type), 16);
            }
            assertEquals(Integer.valueOf(i), echoes.poll());
        }
        assertEquals(own, a.doorbell().ownCycles(), "the doorbell's own thread ran no duty cycle meanwhile");
    }

    /**
     * The last watcher to leave wakes the link's consumer when it leaves a record behind: one
     * that came while it watched (the driver woke nobody then: a watcher takes what comes) and
     * that it did not take. The consumer sleeps up to 30 s here; it must have the record at once.
     */
    @Test
    void theLastWatcherLeavingARecordBehindWakesTheConsumer() throws Exception {
        NetNodeImpl[] ab = pair();
        LinkedBlockingQueue<Integer> got = new LinkedBlockingQueue<>();
        Link atB = ab[1].link(1);
        atB.watch();
        consumeAtB(ab[1], got, new AtomicBoolean());
        Thread.sleep(200); // the consumer parks
        offer(ab[0].link(1), 7);
        assertEquals(null, got.poll(500, TimeUnit.MILLISECONDS), "while watched, the record is left to the watcher");
        long left = System.nanoTime();
        atB.unwatch();
        assertEquals(Integer.valueOf(7), got.poll(10, TimeUnit.SECONDS), "the consumer took the record left behind");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - left);
        assertTrue(ms < 200, "the consumer was woken when the watcher left, not by its 30 s park: " + ms + " ms");
    }
    /**
     * A thread whose interrupt is set (a client interrupted out of its call, whose flag the kernel
     * keeps for it) runs the driver's duty cycle as it waits: the driver goes on, and the thread
     * keeps its interrupt. Agrona's invoker would stop the driver for good after a cycle with
     * nothing to do on such a thread, and the node would fall silent: no record, no heartbeat.
     */
    @Test
    void aWaitingThreadWhoseInterruptIsSetRunsTheDriverWithoutStoppingIt() throws Exception {
        NetNodeImpl[] ab = pair();
        LinkedBlockingQueue<Integer> got = new LinkedBlockingQueue<>();
        consumeAtB(ab[1], got, new AtomicBoolean());
        Link link = ab[0].link(1);
        offer(link, 1);
        assertEquals(Integer.valueOf(1), got.poll(5, TimeUnit.SECONDS), "record 1 reached b");
        Thread.currentThread().interrupt();
        try {
            for (int i = 0; i < 200; i++) {
                // Nothing comes: cycles with no work, on an interrupted thread.
                assertEquals(0, link.tryPoll((type, ring, offset, length) -> { }, 16));
                assertTrue(Thread.currentThread().isInterrupted(), "the waiting thread keeps its interrupt");
            }
        } finally {
            Thread.interrupted();
        }
        for (int i = 2; i <= 20; i++) {
            offer(link, i);
            assertEquals(Integer.valueOf(i), got.poll(5, TimeUnit.SECONDS), "record " + i + " reached b after");
        }
    }
}
