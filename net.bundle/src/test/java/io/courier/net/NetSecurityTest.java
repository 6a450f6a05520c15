package io.courier.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * B3 (net) security: a node takes only the peers in its configuration that prove the shared key;
 * a wrong key or an unknown node is refused and logged once, and a good peer beside it works.
 */
class NetSecurityTest extends NetTestSupport {
    @Test
    void aPeerWithAWrongKeyShouldBeRefusedAndLoggedOnceWhileAGoodPeerWorks() throws Exception {
        int pa = ChildNode.freePort();
        int pb = ChildNode.freePort();
        int pc = ChildNode.freePort();
        Path wrong = key("wrong", "correct horse battery stapler\n");
        ChildNode a = child("a", pa, keyFile, at("b", pb), at("c", pc));
        ChildNode b = child("b", pb, wrong, at("a", pa));
        ChildNode c = child("c", pc, keyFile, at("a", pa));
        a.await(l -> l.startsWith("UP c "));
        c.await(l -> l.startsWith("UP a "));
        Thread.sleep(3 * HEARTBEAT_MS * 4); // a dozen heartbeats' worth of refused proofs
        c.command("SEND a 200");
        String[] got;
        long end = System.currentTimeMillis() + ChildNode.WAIT_MS;
        do {
            got = a.count("c");
        } while (!got[0].equals("200") && System.currentTimeMillis() < end);
        assertEquals("200", got[0]);
        assertEquals("ok", got[1]);
        assertFalse(a.logText().contains("node b (nd 1) up"), a.logText());
        assertFalse(b.logText().contains("node a (nd 1) up"), b.logText());
        assertEquals(1, a.logLines("refused node b at"), a.logText());
        assertTrue(a.logText().contains("its proof does not match the shared key"), a.logText());
        assertEquals(1, b.logLines("refused node a at"), b.logText());
        assertTrue(a.process.isAlive() && b.process.isAlive() && c.process.isAlive());
    }

    @Test
    void aNodeNotInTheConfigurationShouldBeRefusedAndLoggedOnce() throws Exception {
        int pa = ChildNode.freePort();
        int px = ChildNode.freePort();
        int pc = ChildNode.freePort();
        ChildNode a = child("a", pa, keyFile, at("c", pc));
        // x knows a and the key, but a does not know x.
        ChildNode x = child("x", px, keyFile, at("a", pa));
        ChildNode c = child("c", pc, keyFile, at("a", pa));
        a.await(l -> l.startsWith("UP c "));
        Thread.sleep(3_000);
        assertEquals(1, a.logLines("refused node x at"), a.logText());
        assertTrue(a.logText().contains("not a configured peer"));
        assertFalse(x.logText().contains("up (incarnation"), x.logText());
        assertTrue(a.process.isAlive() && x.process.isAlive() && c.process.isAlive());
    }
}
