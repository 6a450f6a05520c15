package io.courier.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.testing.Waits;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * B3 (net): nodes as separate JVMs on loopback ports. This JVM runs node "a"; "b" and "c" are
 * {@link NetChild} JVMs. Links form, records cross whole and in order both ways, a node killed
 * with kill -9 is noticed within 2 s and comes back with a new incarnation, and a node stopped
 * past the dead-after time comes back on fresh links with nothing of the old ones delivered.
 */
class NetNodeCrossJvmTest extends NetTestSupport {
    private int pa;
    private int pb;
    private int pc;
    private Events ea;
    private NetNode a;
    private ChildNode b;
    private ChildNode c;

    private void threeNodes() throws Exception {
        pa = ChildNode.freePort();
        pb = ChildNode.freePort();
        pc = ChildNode.freePort();
        ea = new Events();
        a = node("a", pa, ea, at("b", pb), at("c", pc));
        b = child("b", pb, keyFile, at("a", pa), at("c", pc));
        c = child("c", pc, keyFile, at("a", pa), at("b", pb));
        ea.await(0, l -> l.startsWith("UP b "));
        ea.await(0, l -> l.startsWith("UP c "));
        b.await(l -> l.startsWith("UP a " + a.incarnation()));
        b.await(l -> l.startsWith("UP c "));
        c.await(l -> l.startsWith("UP a " + a.incarnation()));
        c.await(l -> l.startsWith("UP b "));
    }

    /** Waits until {@code node} counted {@code n} records from {@code peer}, and checks they were right. */
    private static void assertReceived(ChildNode node, String peer, long n) throws InterruptedException {
        String[] got = new String[2];
        Waits.eventually(node.name + " got " + n + " records from " + peer, () -> {
            String[] r = node.count(peer);
            got[0] = r[0];
            got[1] = r[1];
            return Long.parseLong(r[0]) >= n || !r[1].equals("ok");
        });
        assertEquals("ok", got[1], node.name + " checking " + peer + "'s records");
        assertEquals(Long.toString(n), got[0]);
    }

    private void assertReceived(String peer, long n) throws InterruptedException {
        Waits.eventually("a got " + n + " records from " + peer,
                () -> ea.checkers.get(peer).received() >= n || ea.checkers.get(peer).error() != null);
        assertNull(ea.checkers.get(peer).error());
        assertEquals(n, ea.checkers.get(peer).received());
    }

    @Test
    void threeNodesShouldFormLinksAndCarryRecordsWholeAndInOrderBothWays() throws Exception {
        threeNodes();
        assertEquals(1, a.strToNd("b"));
        assertEquals(2, a.strToNd("c"));
        assertEquals("c", a.ndToStr(2));
        assertTrue(a.peers().stream().allMatch(PeerStatus::up), a.peers().toString());
        long n = 2_000; // every size from 0 to maxPayload, 3 IOVs each
        for (String to : new String[] {"a", "c"}) {
            b.command("SEND " + to + " " + n);
        }
        for (String to : new String[] {"a", "b"}) {
            c.command("SEND " + to + " " + n);
        }
        Thread tb = Thread.ofPlatform().start(() -> Traffic.send(a.link(1), "a", 0, n));
        Thread tc = Thread.ofPlatform().start(() -> Traffic.send(a.link(2), "a", 0, n));
        tb.join(60_000);
        tc.join(60_000);
        assertReceived("b", n);
        assertReceived("c", n);
        assertReceived(b, "a", n);
        assertReceived(b, "c", n);
        assertReceived(c, "a", n);
        assertReceived(c, "b", n);
        assertNull(ea.violation);
    }

    @Test
    void aNodeKilledWithKill9ShouldBeNoticedWithin2sAndComeBackWithANewIncarnation() throws Exception {
        threeNodes();
        String oldInc = b.await(l -> l.startsWith("READY ")).split(" ")[1];
        int ma = ea.mark();
        int mc = c.mark();
        long killed = System.nanoTime();
        b.kill9();
        Events.Event down = ea.await(ma, l -> l.startsWith("DOWN b"));
        long ms = TimeUnit.NANOSECONDS.toMillis(down.nanos() - killed);
        c.awaitFrom(mc, l -> l.startsWith("DOWN b"));
        long msC = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
        System.out.println("kill -9: a noticed in " + ms + " ms (" + down.line() + "), c within " + msC + " ms");
        assertTrue(ms <= 2_000, "a noticed b's death in " + ms + " ms");
        assertTrue(msC <= 2_500, "c noticed b's death in " + msC + " ms (a line through a pipe later)");
        assertNull(a.link(1));
        assertEquals(false, a.peers().get(0).up());

        // Restarted on the same port: up again, with a new incarnation, and records flow.
        b = child("b", pb, keyFile, at("a", pa), at("c", pc));
        String newInc = b.await(l -> l.startsWith("READY ")).split(" ")[1];
        assertNotEquals(oldInc, newInc);
        ea.await(ma, l -> l.equals("UP b " + newInc));
        c.awaitFrom(mc, l -> l.equals("UP b " + newInc));
        b.await(l -> l.startsWith("UP a " + a.incarnation()));
        b.await(l -> l.startsWith("UP c "));
        b.command("SEND a 500");
        b.command("SEND c 500");
        assertEquals(500, Traffic.send(a.link(1), "a", 0, 500));
        assertReceived("b", 500);
        assertReceived(b, "a", 500);
        assertReceived(c, "b", 500);
        // The dead b's record stream lingers at c until Aeron lets it go: it is b's old stream,
        // not a stranger's, and is not warned of (c looks at unbound streams every dead-after).
        Thread.sleep(DEAD_AFTER_MS + 1_000);
        assertEquals(0, c.logLines("ignoring a record stream"), c.logText());
        assertNull(ea.violation);
    }

    @Test
    void aNodeStoppedPastDeadAfterShouldComeBackOnFreshLinksWithNothingOfTheOldDelivered() throws Exception {
        threeNodes();
        String inc = b.await(l -> l.startsWith("READY ")).split(" ")[1];
        int ma = ea.mark();
        int mb = b.mark();
        // b streams to a while it is stopped and resumed: records of the old link that b still
        // puts in after a gave it up must never reach a's new link (its checker starts at 0).
        b.command("SEND a 1000000000");
        Waits.eventually("a got records from b", () -> ea.checkers.get("b").received() > 0);
        b.signal("-STOP");
        ea.await(ma, l -> l.startsWith("DOWN b heard nothing"));
        assertNull(a.link(1));
        b.signal("-CONT");
        // b hears a's reset (or its silence) and goes down too, then both come back up with
        // the same incarnation: the process did not restart.
        b.awaitFrom(mb, l -> l.startsWith("DOWN a"));
        b.awaitFrom(mb, l -> l.startsWith("SENT a "));
        ea.await(ma, l -> l.equals("UP b " + inc));
        b.awaitFrom(mb, l -> l.equals("UP a " + a.incarnation()));
        io.courier.node.Link fresh = a.link(1);
        assertNotNull(fresh);
        b.command("SEND a 300");
        assertReceived("b", 300);
        Thread.sleep(300);
        assertEquals(300, ea.checkers.get("b").received(), "only the new link's records");
        assertNull(ea.violation);
    }

}
