package io.courier.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** B3 (net): a configuration is checked whole, with messages that say what is wrong. */
class NetConfigTest {
    private static final byte[] KEY = NetConfig.keyFromString("0123456789abcdef");

    private static String refused(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void shouldTakeDefaultsAndListenOnLoopbackOnly() {
        NetConfig c = NetConfig.of("a", 4000, List.of(NetConfig.Peer.parse("b@10.0.0.2:4000")), KEY);
        assertEquals("127.0.0.1", c.bindHost());
        assertEquals(Duration.ofMillis(250), c.heartbeat());
        assertEquals(Duration.ofSeconds(2), c.deadAfter());
        assertEquals(new NetConfig.Peer("b", "10.0.0.2", 4000), c.peers().get(0));
        assertFalse(c.toString().contains("0123"), "the key is not shown: " + c);
        byte[] k = c.key();
        k[0] = 'X';
        assertArrayEquals(KEY, c.key(), "the key is copied");
    }

    @Test
    void shouldRefuseBadInputWithClearMessages() {
        List<NetConfig.Peer> none = List.of();
        assertTrue(refused(() -> NetConfig.of("a b", 4000, none, KEY)).contains("node's name"));
        assertTrue(refused(() -> NetConfig.of("", 4000, none, KEY)).contains("node's name"));
        assertTrue(refused(() -> NetConfig.of("a", 0, none, KEY)).contains("port is 1 to 65535"));
        assertTrue(refused(() -> NetConfig.of("a", 70000, none, KEY)).contains("port is 1 to 65535"));
        assertTrue(refused(() -> NetConfig.of("a", 4000, none, new byte[15])).contains("at least 16 bytes"));
        assertTrue(refused(() -> NetConfig.of("a", 4000, none, null)).contains("at least 16 bytes"));
        assertTrue(refused(() -> NetConfig.of("a", 4000, null, KEY)).contains("peers is null"));
        assertTrue(refused(() -> NetConfig.of("a", 4000, List.of(NetConfig.Peer.parse("a@h:1")), KEY)).contains("own name"));
        assertTrue(refused(() -> NetConfig.of("a", 4000,
                List.of(NetConfig.Peer.parse("b@h:1"), NetConfig.Peer.parse("b@h:2")), KEY)).contains("listed twice"));
        assertTrue(refused(() -> NetConfig.of("a", 4000,
                List.of(NetConfig.Peer.parse("b@h:1"), NetConfig.Peer.parse("c@h:1")), KEY)).contains("another node's"));
        assertTrue(refused(() -> NetConfig.of("a", 4000, List.of(NetConfig.Peer.parse("b@127.0.0.1:4000")), KEY))
                .contains("another node's"));
        assertTrue(refused(() -> NetConfig.Peer.parse("b:4000")).contains("name@host:port"));
        assertTrue(refused(() -> NetConfig.Peer.parse("b@h:x")).contains("the port a number"));
        assertTrue(refused(() -> NetConfig.Peer.parse("b@h|x=1:4")).contains("host"));
        NetConfig c = NetConfig.of("a", 4000, none, KEY);
        assertTrue(refused(() -> c.withTimings(Duration.ofMillis(5), Duration.ofSeconds(1))).contains("at least 10 ms"));
        assertTrue(refused(() -> c.withTimings(Duration.ofMillis(500), Duration.ofSeconds(1))).contains("more than twice"));
        assertTrue(refused(() -> c.withBindHost(" ")).contains("bind host"));
    }

    @Test
    void shouldReadTheKeyFromAFileLessItsLineEnd(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("key");
        Files.writeString(f, "00112233445566778899aabbccddeeff\n");
        assertArrayEquals(NetConfig.keyFromString("00112233445566778899aabbccddeeff"), NetConfig.keyFromFile(f));
    }
}
