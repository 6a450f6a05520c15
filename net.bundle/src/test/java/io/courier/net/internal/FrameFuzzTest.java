package io.courier.net.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aeron.logbuffer.ControlledFragmentHandler.Action;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.logbuffer.Header;
import io.aeron.protocol.DataHeaderFlyweight;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * B3 (net) trust: what comes from the network is checked before use. Random and mutated control
 * frames are refused by {@link HelloLayout#malformed} without an exception; random fragment
 * sequences fail a link with a corrupt-link error, never an out-of-bounds access, and whatever
 * is delivered fits the largest payload.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FrameFuzzTest {
    private static final Random RANDOM = new Random(21);

    private static byte[] validHello() {
        byte[] f = new byte[HelloLayout.NAMES_OFFSET + 2];
        ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(HelloLayout.MAGIC_OFFSET, HelloLayout.MAGIC).put(HelloLayout.VERSION_OFFSET, (byte) 1)
                .put(HelloLayout.KIND_OFFSET, (byte) HelloLayout.HELLO).put(HelloLayout.FROM_LEN_OFFSET, (byte) 1)
                .put(HelloLayout.TO_LEN_OFFSET, (byte) 1).put(HelloLayout.NAMES_OFFSET, (byte) 'a')
                .put(HelloLayout.NAMES_OFFSET + 1, (byte) 'b');
        return f;
    }

    @Test
    void randomAndMutatedControlFramesShouldBeRefusedWithoutAnException() {
        assertNull(HelloLayout.malformed(ByteBuffer.wrap(validHello())));
        int refused = 0;
        int randomRefused = 0;
        for (int i = 0; i < 200_000; i++) {
            byte[] f;
            if (i % 2 == 0) {
                f = new byte[RANDOM.nextInt(HelloLayout.MAX_FRAME + 64)];
                RANDOM.nextBytes(f);
            } else {
                byte[] v = validHello();
                f = java.util.Arrays.copyOf(v, RANDOM.nextInt(4) == 0 ? RANDOM.nextInt(HelloLayout.MAX_FRAME + 8) : v.length);
                for (int k = f.length == 0 ? 0 : RANDOM.nextInt(3) + 1; k > 0; k--) {
                    f[RANDOM.nextInt(f.length)] = (byte) RANDOM.nextInt();
                }
            }
            ByteBuffer b = ByteBuffer.wrap(f);
            String why = HelloLayout.malformed(b);
            if (why != null) {
                refused++;
                randomRefused += i % 2 == 0 ? 1 : 0;
            } else {
                // Well-formed: the names are in bounds.
                assertTrue(HelloLayout.fromName(b).length() >= 1);
                assertTrue(HelloLayout.toName(b).length() >= 1);
            }
        }
        assertEquals(100_000, randomRefused, "every random frame refused");
        assertTrue(refused > 120_000, "refused " + refused);
    }

    @Test
    void randomFragmentsShouldFailTheLinkCleanlyAndNeverDeliverMoreThanTheLargestPayload() {
        UnsafeBuffer term = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
        Header header = new Header(0, 16);
        header.buffer(term);
        int corrupt = 0;
        long records = 0;
        for (int run = 0; run < 2_000; run++) {
            NetLinkImpl link = new NetLinkImpl("fuzz", null, null, null, NetLinkImpl.MAX_PARK_NANOS);
            long[] delivered = {0};
            link.begin((type, seg, offset, length) -> {
                assertTrue(type > 0);
                assertTrue(length >= 0 && length <= NetLinkImpl.MAX_PAYLOAD && offset + length <= seg.byteSize());
                delivered[0]++;
            }, Integer.MAX_VALUE);
            for (int i = 0; i < 200 && link.corrupt() == null; i++) {
                int length = RANDOM.nextInt(8) == 0 ? RANDOM.nextInt(8) : RANDOM.nextInt(32 * 1024);
                byte flags = switch (RANDOM.nextInt(4)) {
                    case 0 -> FrameDescriptor.UNFRAGMENTED;
                    case 1 -> FrameDescriptor.BEGIN_FRAG_FLAG;
                    case 2 -> FrameDescriptor.END_FRAG_FLAG;
                    default -> 0;
                };
                term.putByte(DataHeaderFlyweight.FLAGS_FIELD_OFFSET, flags);
                header.offset(0);
                int at = DataHeaderFlyweight.HEADER_LENGTH;
                term.putInt(at, RANDOM.nextInt(4) == 0 ? RANDOM.nextInt() : RANDOM.nextInt(1000) + 1, ByteOrder.LITTLE_ENDIAN);
                Action a = link.onFragment(term, at, length, header);
                if (link.corrupt() != null) {
                    assertEquals(Action.ABORT, a);
                    assertNotNull(link.corrupt().getMessage());
                }
            }
            if (link.corrupt() != null) {
                corrupt++;
            }
            records += delivered[0];
        }
        assertTrue(corrupt > 1_000, "corrupt links " + corrupt);
        assertTrue(records > 0, "some records were well-formed");
    }
}
