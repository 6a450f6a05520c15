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
}
