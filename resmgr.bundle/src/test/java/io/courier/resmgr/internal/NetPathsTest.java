package io.courier.resmgr.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.resmgr.ResmgrFlags;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 (B3), {@code /net/<node>/<path>}: the question a node asks another node's pathname
 * manager and its answer. An answer decodes to the managers encoded, in order, with the asking
 * side's nd; a question gives its canonical path; bytes from elsewhere (truncations, random flips,
 * garbage) are refused (EBADMSG for an answer, null for a question), never anything else.
 */
class NetPathsTest {
    private static List<PathSpace.Candidate> sample(int n) {
        List<PathSpace.Candidate> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new PathSpace.Candidate(new NetPaths.Remote(0, 100 + i, 1 + i, i, i % 2 == 0 ? ResmgrFlags.DIR : 0),
                    i == 0 ? "" : "dir-" + i + "/fïle"));
        }
        return out;
    }

    private static ByteBuffer encoded(List<PathSpace.Candidate> cs) {
        ByteBuffer b = ByteBuffer.allocate(NetPaths.ANSWER_MAX).order(ByteOrder.LITTLE_ENDIAN);
        NetPaths.encode(cs, b);
        return b.flip();
    }

    @Test
    void anAnswerDecodesToTheManagersInOrderWithTheAskersNd() {
        List<PathSpace.Candidate> cs = sample(5);
        List<PathSpace.Candidate> back = NetPaths.decode(3, encoded(cs));
        assertEquals(5, back.size());
        for (int i = 0; i < 5; i++) {
            Target t = back.get(i).target();
            assertEquals(3, t.nd());
            assertEquals(cs.get(i).target().pid(), t.pid());
            assertEquals(cs.get(i).target().chid(), t.chid());
            assertEquals(cs.get(i).target().handle(), t.handle());
            assertEquals(cs.get(i).target().flags(), t.flags());
            assertEquals(cs.get(i).rel(), back.get(i).rel());
        }
        assertEquals(NetPaths.MAX_CANDIDATES, NetPaths.decode(1, encoded(sample(NetPaths.MAX_CANDIDATES + 10))).size(),
                "at most MAX_CANDIDATES named");
    }

    @Test
    void aQuestionGivesItsCanonicalPathAndAMalformedOneNothing() {
        ByteBuffer q = NetPaths.question("/dev//greeting/");
        assertEquals("/dev/greeting", NetPaths.asked(q.duplicate(), q.remaining()));
        assertNull(NetPaths.asked(q.duplicate(), q.remaining() + 1), "msglen other than what arrived");
        assertNull(NetPaths.asked(NetPaths.question("relative").duplicate(), NetPaths.question("relative").remaining()));
        ByteBuffer net = NetPaths.question("/net/alpha/x");
        assertNull(NetPaths.asked(net.duplicate(), net.remaining()), "never on to a third node");
        ByteBuffer lying = NetPaths.question("/dev/x");
        lying.putInt(4, 1000);
        assertNull(NetPaths.asked(lying.duplicate(), lying.remaining()));
    }

    @Test
    void bytesFromElsewhereAreRefusedNeverAnythingElse() {
        ByteBuffer good = encoded(sample(6));
        byte[] bytes = new byte[good.remaining()];
        good.get(bytes);
        for (int n = 0; n < bytes.length; n++) {
            byte[] cut = java.util.Arrays.copyOf(bytes, n);
            KernelException e = assertThrows(KernelException.class, () -> NetPaths.decode(1, ByteBuffer.wrap(cut)));
            assertEquals(Errno.EBADMSG, e.errno());
        }
        Random r = new Random(2121);
        byte[] q = new byte[NetPaths.question("/dev/some/path").remaining()];
        NetPaths.question("/dev/some/path").get(q);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = bytes.clone();
            byte[] qq = q.clone();
            for (int k = 1 + r.nextInt(4); k > 0; k--) {
                b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                qq[r.nextInt(qq.length)] = (byte) r.nextInt(256);
            }
            byte[] junk = new byte[r.nextInt(300)];
            r.nextBytes(junk);
            answer(b);
            answer(junk);
            NetPaths.asked(ByteBuffer.wrap(qq), qq.length);
            NetPaths.asked(ByteBuffer.wrap(junk), junk.length);
        }
    }

    private static void answer(byte[] b) {
        try {
            NetPaths.decode(1, ByteBuffer.wrap(b));
        } catch (KernelException e) {
            assertEquals(Errno.EBADMSG, e.errno());
        } catch (RuntimeException e) {
            fail("decoding " + b.length + " bytes threw " + e, e);
        }
    }
}
