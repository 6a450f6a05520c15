package io.courier.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.courier.testing.Waits;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * B3 (net) trust: random datagrams and random or forged Aeron messages sent at a node's endpoint
 * (control stream, record stream, other streams) leave it up, logged once per kind and source,
 * with its good peer still up and records still crossing.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NetFuzzTest extends NetTestSupport {
    private static final Random RANDOM = new Random(2121);

    @Test
    void aNodeUnderRandomAndForgedTrafficShouldStayUpLogOnceAndKeepItsGoodPeer() throws Exception {
        int pa = ChildNode.freePort();
        int pb = ChildNode.freePort();
        Events eb = new Events();
        ChildNode a = child("a", pa, keyFile, at("b", pb));
        NetNode b = node("b", pb, eb, at("a", pa));
        eb.await(0, l -> l.startsWith("UP a "));
        a.await(l -> l.startsWith("UP b "));
        InetAddress lo = InetAddress.getLoopbackAddress();

        // 1. Raw UDP: random bytes, and random bytes behind an Aeron-like header of each frame type.
        try (DatagramSocket s = new DatagramSocket(0, lo)) {
            byte[] buf = new byte[1500];
            for (int i = 0; i < 20_000; i++) {
                int len = RANDOM.nextInt(buf.length);
                RANDOM.nextBytes(buf);
                if (i % 2 == 0 && len >= 32) {
                    ByteBuffer h = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
                    h.putInt(0, RANDOM.nextInt(4) == 0 ? len : RANDOM.nextInt()).put(4, (byte) 0)
                            .putShort(6, (short) RANDOM.nextInt(8));
                    if (RANDOM.nextBoolean()) {
                        h.putInt(20, RANDOM.nextBoolean() ? 1001 : 1002); // our streams
                    }
                }
                s.send(new DatagramPacket(buf, len, lo, pa));
                if (i % 500 == 0) {
                    Thread.sleep(1); // do not just fill the socket buffer
                }
            }
        }

        // 2. Real Aeron publications to a's endpoint, from a driver that knows no key.
        java.nio.file.Path aeronDir = Files.createTempDirectory(dir, "fuzz-aeron-");
        try (MediaDriver driver = MediaDriver.launch(new MediaDriver.Context().aeronDirectoryName(aeronDir.resolve("d").toString())
                .threadingMode(ThreadingMode.SHARED).dirDeleteOnStart(true).dirDeleteOnShutdown(true));
                Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName())
                        .errorHandler(t -> System.err.println("fuzzer's Aeron: " + t)))) {
            String channel = "aeron:udp?endpoint=127.0.0.1:" + pa;
            List<Publication> pubs = new ArrayList<>();
            Publication control = aeron.addPublication(channel, 1002);
            Publication records = aeron.addPublication(channel, 1001);
            Publication other = aeron.addPublication(channel, 7);
            pubs.add(control);
            pubs.add(records);
            pubs.add(other);
            Waits.eventually("the fuzzer's publications connected", () -> control.isConnected() && records.isConnected());
            UnsafeBuffer msg = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
            for (int i = 0; i < 6_000; i++) {
                Publication p = pubs.get(i % 3);
                int len;
                if (i % 3 == 0 && i % 2 == 0) {
                    len = forgedHello(msg, i);
                } else {
                    len = RANDOM.nextInt(i % 3 == 1 ? 4096 : 300);
                    for (int k = 0; k < len; k++) {
                        msg.putByte(k, (byte) RANDOM.nextInt());
                    }
                }
                // a never reads a stranger's record stream, so that one fills up, and has no
                // stream 7 at all: only the control stream is waited on.
                long deadline = System.nanoTime() + (p == control ? 20_000_000L : 0);
                while (p.offer(msg, 0, len) < 0 && System.nanoTime() < deadline) {
                    java.util.concurrent.locks.LockSupport.parkNanos(100_000);
                }
            }
            // Long enough for a to look at the stranger's record stream (dead-after) a few times.
            Thread.sleep(DEAD_AFTER_MS + 1_000);
            assertTrue(a.process.isAlive(), "a survived");
            assertFalse(a.logText().contains("DOWN"), "nothing was taken down");

            // The good peer still works, both ways.
            assertTrue(eb.lines().stream().noneMatch(l -> l.startsWith("DOWN")), eb.lines().toString());
            a.command("SEND b 400");
            assertEquals(400, Traffic.send(b.link(1), "b", 0, 400));
            Waits.eventually("b got a's records", () -> eb.checkers.get("a").received() >= 400);
            assertNull(eb.checkers.get("a").error());
            String[] got;
            long end = System.currentTimeMillis() + ChildNode.WAIT_MS;
            do {
                got = a.count("b");
            } while (!got[0].equals("400") && System.currentTimeMillis() < end);
            assertEquals("400", got[0]);
            assertEquals("ok", got[1]);
        }
        String log = a.logText();
        // Thousands of bad frames from one source: one line per kind.
        assertEquals(1, a.logLines("refused a control frame from"), log);
        assertEquals(1, a.logLines("refused node mallory"), log);
        assertEquals(1, a.logLines("ignoring a record stream from"), log);
        assertFalse(log.contains("Exception"), log);
        assertNull(eb.violation);
    }

    /** A HELLO of the right shape from "mallory" or "b" with random incarnations, nonces, flags and proof. */
    private static int forgedHello(UnsafeBuffer msg, int i) {
        byte[] from = (i % 4 == 0 ? "mallory" : "b").getBytes();
        byte[] to = "a".getBytes();
        msg.putInt(0, 0x314e5243, ByteOrder.LITTLE_ENDIAN);
        msg.putByte(4, (byte) 1);
        msg.putByte(5, (byte) (1 + RANDOM.nextInt(2)));
        msg.putByte(6, (byte) RANDOM.nextInt(4));
        msg.putByte(7, (byte) from.length);
        msg.putByte(8, (byte) to.length);
        for (int k = 9; k < 96; k++) {
            msg.putByte(k, (byte) RANDOM.nextInt());
        }
        msg.putBytes(96, from);
        msg.putBytes(96 + from.length, to);
        return 96 + from.length + to.length;
    }
}
