package io.courier.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two rings between this JVM and a real second one: ping-pong with checksums, and a peer that writes garbage. */
@Timeout(180)
class RingCrossJvmTest extends NodeTestSupport {
    private static final long WAIT = TimeUnit.SECONDS.toNanos(20);

    @Test
    void pingPongAcrossJvmsLosesAndAltersNothing() throws Exception {
        int count = 20_000;
        try (Ring out = Ring.create(folder, "to-child", 1 << 16, "child");
                Ring in = Ring.create(folder, "from-child", 1 << 16, "child")) {
            Process child = NodeChild.start("echo", root.toString(), nodeName, "to-child", "from-child",
                    Integer.toString(count));
            try {
                BufferedReader lines = NodeChild.output(child);
                NodeChild.expectLine(child, lines, "ECHOING");
                SplittableRandom rnd = new SplittableRandom(2020);
                CRC32 sentCrc = new CRC32();
                byte[] body = new byte[4096];
                ByteBuffer back = ByteBuffer.allocate(4096);
                ByteBuffer[] backs = {back};
                for (int i = 0; i < count; i++) {
                    int len = i % 3 == 0 ? 64 : rnd.nextInt(0, body.length + 1);
                    rnd.nextBytes(body);
                    ByteBuffer msg = ByteBuffer.wrap(body, 0, len);
                    sentCrc.update(msg.duplicate());
                    int type = 1 + (i & 0xFF);
                    while (!out.offer(type, new ByteBuffer[] {msg})) {
                        Thread.onSpinWait();
                    }
                    if (i % 1000 == 999) {
                        LockSupport.parkNanos(2_000_000); // let the child fall asleep on its doorbell
                    }
                    assertTrue(in.await(WAIT), "no echo of message " + i);
                    back.clear();
                    assertEquals(len, in.read(backs), "length of echo " + i);
                    assertEquals(type, in.lastType());
                    assertArrayEquals(java.util.Arrays.copyOf(body, len), java.util.Arrays.copyOf(back.array(), len),
                            "bytes of echo " + i);
                }
                String crcLine = NodeChild.expectLine(child, lines, "CRC");
                assertEquals("CRC " + sentCrc.getValue(), crcLine, "the child's checksum of all it received");
                assertTrue(child.waitFor(20, TimeUnit.SECONDS));
                assertEquals(0, child.exitValue());
            } finally {
                NodeChild.stop(child);
            }
        }
    }

    @Test
    void aPeerJvmWritingGarbageIsReportedByName() throws Exception {
        try (Ring in = Ring.create(folder, "from-child", 4096, "jvm child")) {
            Process child = NodeChild.start("garbage", root.toString(), nodeName, "from-child");
            try {
                NodeChild.expectLine(child, NodeChild.output(child), "WROTE");
                CorruptRingException e = assertThrows(CorruptRingException.class, () -> in.await(WAIT));
                assertEquals("jvm child", e.peer());
                assertTrue(child.waitFor(20, TimeUnit.SECONDS));
            } finally {
                NodeChild.stop(child);
            }
        }
    }
}
