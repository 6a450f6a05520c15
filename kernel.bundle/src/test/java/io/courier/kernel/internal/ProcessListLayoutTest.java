package io.courier.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.courier.kernel.Credentials;
import io.courier.kernel.NodeProcessInfo;
import io.courier.kernel.ProcessInfo;
import io.courier.kernel.ThreadInfo;
import io.courier.kernel.ThreadState;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The process list that crosses the network for {@code pidin -n} (issue 21): what is encoded
 * decodes to the same list; a list too big for one record is cut at a whole process and says so;
 * bytes from elsewhere (every truncation, random flips, random garbage) decode or are refused
 * with {@link IllegalArgumentException}, never another exception.
 */
class ProcessListLayoutTest {
    private static List<ProcessInfo> sample(int n) {
        List<ProcessInfo> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            List<ThreadInfo> threads = new ArrayList<>();
            for (int t = 1; t <= 1 + i % 3; t++) {
                threads.add(new ThreadInfo(t, "thread-" + t + "-ü", 10 + t, ThreadState.values()[(i + t) % ThreadState.values().length],
                        t % 2 == 0 ? -1 : i));
            }
            out.add(new ProcessInfo(100 + i, "proc-" + i, new Credentials(1000 + i, 50 + i), threads,
                    List.of(1, 1 + i), List.of(3, 1 << 30)));
        }
        return out;
    }

    @Test
    void aListDecodesToWhatWasEncoded() {
        List<ProcessInfo> processes = sample(20);
        List<NodeProcessInfo> others = List.of(new NodeProcessInfo(77, "far", 2, "2 RECEIVE", 4242));
        ProcessListLayout.Decoded d = ProcessListLayout.decode(ProcessListLayout.encode(processes, others, 1 << 16));
        assertFalse(d.truncated());
        assertEquals(21, d.processes().size());
        assertEquals(processes, d.processes().subList(0, 20));
        ProcessInfo far = d.processes().get(20);
        assertEquals(77, far.pid());
        assertTrue(far.name().startsWith("far") && far.name().contains("4242"), far.name());
        assertTrue(far.threads().isEmpty());
    }

    @Test
    void aListTooBigForOneRecordIsCutAtAWholeProcessAndSaysSo() {
        List<ProcessInfo> processes = sample(200);
        ByteBuffer b = ProcessListLayout.encode(processes, List.of(), 2048);
        assertTrue(b.remaining() <= 2048);
        ProcessListLayout.Decoded d = ProcessListLayout.decode(b);
        assertTrue(d.truncated());
        assertFalse(d.processes().isEmpty());
        assertEquals(processes.subList(0, d.processes().size()), d.processes());
    }

    @Test
    void bytesFromElsewhereAreDecodedOrRefusedNeverAnythingElse() {
        ByteBuffer good = ProcessListLayout.encode(sample(6), List.of(), 4096);
        byte[] bytes = new byte[good.remaining()];
        good.get(bytes);
        int refused = 0;
        for (int n = 0; n < bytes.length; n++) {
            refused += tryDecode(java.util.Arrays.copyOf(bytes, n));
        }
        assertEquals(bytes.length, refused, "every truncated list is refused");
        Random r = new Random(21);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = bytes.clone();
            for (int k = 1 + r.nextInt(4); k > 0; k--) {
                b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            }
            tryDecode(b);
            byte[] junk = new byte[r.nextInt(256)];
            r.nextBytes(junk);
            tryDecode(junk);
        }
        assertThrows(IllegalArgumentException.class, () -> ProcessListLayout.decode(ByteBuffer.wrap(new byte[3])));
    }

    /** 1 when refused, 0 when decoded; fails on any other exception. */
    private static int tryDecode(byte[] b) {
        try {
            ProcessListLayout.decode(ByteBuffer.wrap(b));
            return 0;
        } catch (IllegalArgumentException e) {
            return 1;
        } catch (RuntimeException e) {
            fail("decoding " + b.length + " bytes threw " + e, e);
            return 0;
        }
    }
}
