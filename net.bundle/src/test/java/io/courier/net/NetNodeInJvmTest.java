package io.courier.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.courier.testing.Waits;
import org.junit.jupiter.api.Test;

/** B3 (net): two nodes in this JVM, each with its own media driver: up, records, down on close. */
class NetNodeInJvmTest extends NetTestSupport {
    private record Pair(NetNode a, NetNode b, Events ea, Events eb) {
    }

    /** Nodes a and b on free loopback ports, each configured with the other, once both heard the other come up. */
    private Pair upPair() {
        int pa = ChildNode.freePort();
        int pb = ChildNode.freePort();
        Events ea = new Events();
        Events eb = new Events();
        NetNode a = node("a", pa, ea, at("b", pb));
        NetNode b = node("b", pb, eb, at("a", pa));
        ea.await(0, l -> l.startsWith("UP b " + b.incarnation()));
        eb.await(0, l -> l.startsWith("UP a " + a.incarnation()));
        return new Pair(a, b, ea, eb);
    }

    @Test
    void shouldComeUpCarryRecordsBothWaysAndGoDownWhenAPeerLeaves() throws Exception {
        Pair pair = upPair();
        NetNode a = pair.a();
        NetNode b = pair.b();
        Events ea = pair.ea();
        Events eb = pair.eb();
        assertEquals(1, a.strToNd("b"));
        assertEquals(0, a.strToNd("a"));
        assertEquals("b", a.ndToStr(1));
        assertThrows(UnknownNodeException.class, () -> a.strToNd("zz"));
        assertThrows(UnknownNodeException.class, () -> a.link(2));
        long n = 3_000;
        Thread t = Thread.ofPlatform().start(() -> Traffic.send(b.link(1), "b", 0, n));
        assertEquals(n, Traffic.send(a.link(1), "a", 0, n));
        t.join(20_000);
        Waits.eventually("b got a's records", () -> eb.checkers.get("a").received() >= n);
        Waits.eventually("a got b's records", () -> ea.checkers.get("b").received() >= n);
        assertNull(eb.checkers.get("a").error());
        assertNull(ea.checkers.get("b").error());
        assertEquals(n, eb.checkers.get("a").received());
        int m = ea.mark();
        long before = System.nanoTime();
        b.close();
        Events.Event down = ea.await(m, l -> l.startsWith("DOWN b"));
        assertNull(a.link(1));
        assertNull(ea.violation);
        assertNull(eb.violation);
        assertNotEquals(0, a.incarnation());
        System.out.println("a heard b leave in " + (down.nanos() - before) / 1_000_000 + " ms: " + down.line());
    }

    /**
     * Threads of b that wait for what a's link brings may take it themselves (issue 21, with the
     * kernel's waiting clients and servers): two watchers that watch, poll and leave at random
     * beside the link's consumer take a's records, every one exactly once and in order.
     */
    @Test
    void watchersAndTheConsumerTakeEveryRecordOfALinkOnceInOrder() throws Exception {
        Pair pair = upPair();
        NetNode a = pair.a();
        NetNode b = pair.b();
        Events eb = pair.eb();
        io.courier.node.Link fromA = b.link(1);
        Traffic.Checker checker = eb.checkers.get("a");
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong byWatchers = new java.util.concurrent.atomic.AtomicLong();
        java.util.List<java.util.concurrent.CompletableFuture<Void>> watchers = new java.util.ArrayList<>();
        for (int w = 0; w < 2; w++) {
            long seed = w;
            watchers.add(java.util.concurrent.CompletableFuture.runAsync(() -> {
                java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
                while (!stop.get()) {
                    fromA.watch();
                    try {
                        for (int k = rnd.nextInt(1, 2_000); k > 0 && !stop.get(); k--) {
                            byWatchers.addAndGet(fromA.tryPoll(checker, rnd.nextInt(1, 16)));
                        }
                    } catch (IllegalStateException closed) {
                        return;
                    } finally {
                        fromA.unwatch();
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(rnd.nextLong(1_000, 300_000));
                }
            }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
        }
        long n = 5_000;
        try {
            assertEquals(n, Traffic.send(a.link(1), "a", 0, n));
            Waits.eventually("b got a's records", () -> checker.received() >= n);
        } finally {
            stop.set(true);
            for (var f : watchers) {
                Waits.await(f);
            }
        }
        assertNull(checker.error());
        assertEquals(n, checker.received());
        org.junit.jupiter.api.Assertions.assertTrue(byWatchers.get() > 0, "the watchers took none");
        assertThrows(IllegalStateException.class, fromA::unwatch, "an unwatch without a watch");
    }

    /**
     * A node closes its links only once a poll under way has ended, and no poll starts after:
     * closing the node frees each link's image (the Aeron client unmaps its log buffers), and a
     * thread still reading one would fault the JVM. A watcher on b is held inside its handler,
     * a record of a's in hand, while b closes; the close waits for it, then the watcher's next
     * poll is refused.
     */
    @Test
    void aNodeClosesOnlyOnceAPollUnderWayHasEnded() throws Exception {
        Pair pair = upPair();
        NetNode a = pair.a();
        NetNode b = pair.b();
        io.courier.node.Link fromA = b.link(1);
        java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        io.courier.node.RecordHandler holding = (type, ring, offset, length) -> {
            inside.countDown();
            try {
                if (!release.await(20, java.util.concurrent.TimeUnit.SECONDS)) {
                    throw new AssertionError("never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        java.util.concurrent.atomic.AtomicBoolean sending = new java.util.concurrent.atomic.AtomicBoolean(true);
        Waits.Started sender = Waits.start(Thread.ofPlatform().daemon(), () -> {
            while (sending.get()) {
                Traffic.send(a.link(1), "a", 0, 100);
            }
        });
        Waits.Started watcher = Waits.start(Thread.ofPlatform().daemon(), () -> {
            fromA.watch();
            while (fromA.tryPoll(holding, 1) == 0) {
                Thread.onSpinWait();
            }
            assertThrows(IllegalStateException.class, () -> fromA.tryPoll(holding, 1), "a poll after the close");
        });
        org.junit.jupiter.api.Assertions.assertTrue(inside.await(10, java.util.concurrent.TimeUnit.SECONDS),
                "the watcher took a record");
        sending.set(false); // it may be held by a full window until b's close ends the link
        Waits.Started closing = Waits.start(Thread.ofPlatform().daemon(), b::close);
        Thread.sleep(300);
        org.junit.jupiter.api.Assertions.assertFalse(closing.done().isDone(), "b closed with a poll under way");
        release.countDown();
        Waits.await(closing.done());
        Waits.await(watcher.done());
        Waits.await(sender.done());
    }
}

