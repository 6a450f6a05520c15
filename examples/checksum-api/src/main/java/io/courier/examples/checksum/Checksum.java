package io.courier.examples.checksum;

import io.courier.kernel.IoMsg;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The checksum protocol shared by the server and its clients (the course's {@code msg_def.h}):
 * a request is a 16-bit type, 16 bits of padding and the NUL-terminated text; the reply's status
 * is EOK and its 4 bytes the checksum, the sum of the text's bytes.
 */
public final class Checksum {
    /** The name the server attaches. */
    public static final String NAME = "checksum";
    /** {@code CKSUM_MSG_TYPE}: a user type, above the system's {@code _IO_MAX}. */
    public static final short TYPE = (short) (IoMsg.IO_MAX + 1);
    /** The bytes before the text. */
    public static final int HEADER = 4;

    private Checksum() {
    }

    /** The checksum of {@code text}. */
    public static int of(String text) {
        int sum = 0;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            sum += b & 0xFF;
        }
        return sum;
    }

    /** A request for the checksum of {@code text}, ready to send. */
    public static ByteBuffer request(String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(HEADER + t.length + 1).order(ByteOrder.nativeOrder());
        b.putShort(TYPE).putShort((short) 0).put(t).put((byte) 0);
        return b.flip();
    }

    /** The type of a received message (buffer filled from 0). */
    public static int type(ByteBuffer received) {
        return received.position() < 2 ? -1
                : Short.toUnsignedInt(received.duplicate().order(ByteOrder.nativeOrder()).getShort(0));
    }

    /** The text of a received request, up to its NUL. */
    public static String text(ByteBuffer received) {
        ByteBuffer b = received.duplicate().flip();
        int end = HEADER;
        while (end < b.limit() && b.get(end) != 0) {
            end++;
        }
        byte[] t = new byte[Math.max(0, end - HEADER)];
        b.get(HEADER, t);
        return new String(t, StandardCharsets.UTF_8);
    }
}
