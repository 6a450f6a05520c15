package io.courier.net.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The control frames nodes exchange on the control stream: HELLO (handshake and heartbeat) and
 * GOODBYE (leaving), one layout, little-endian, sent whole in one Aeron message.
 *
 * <pre>
 *  0               4       5       6       7       8       9               12
 *  +---------------+-------+-------+-------+-------+-------+---------------+
 *  | magic "CRN1"  |version| kind  | flags |fromLen| toLen |   (zero)      |
 *  +---------------+-------+-------+-------+-------+-------+---------------+
 * 12  recordSession: the sender's record stream (Aeron session id)          16
 * 16  fromIncarnation (long)                                                24
 * 24  toIncarnation: the receiver's, as the sender last heard it (0: none)   32
 * 32  fromNonce (16 bytes): the sender's challenge to the receiver           48
 * 48  toNonce (16 bytes): the receiver's challenge, as heard (0: none)       64
 * 64  mac (32 bytes): HMAC-SHA256(key, "courier-net/1" | bytes 0..64 | names)
 * 96  fromName (fromLen bytes, ASCII), toName (toLen bytes)
 * </pre>
 *
 * <p>flags: {@link #HAS_MAC} (the sender heard the receiver's nonce and signed it; without it
 * the mac is zero and the frame proves nothing), {@link #ACCEPTED} (the sender took the
 * receiver's proof for this nonce and incarnation and bound its record stream).
 */
public final class HelloLayout {
    public static final int MAGIC = 0x314e5243; // "CRN1" little-endian
    public static final int VERSION = 1;
    public static final int HELLO = 1;
    public static final int GOODBYE = 2;
    public static final int HAS_MAC = 1;
    public static final int ACCEPTED = 2;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int KIND_OFFSET = 5;
    public static final int FLAGS_OFFSET = 6;
    public static final int FROM_LEN_OFFSET = 7;
    public static final int TO_LEN_OFFSET = 8;
    public static final int RECORD_SESSION_OFFSET = 12;
    public static final int FROM_INC_OFFSET = 16;
    public static final int TO_INC_OFFSET = 24;
    public static final int FROM_NONCE_OFFSET = 32;
    public static final int TO_NONCE_OFFSET = 48;
    public static final int NONCE_LENGTH = 16;
    /** The signed fixed part ends here; the mac follows. */
    public static final int SIGNED_HEADER = 64;
    public static final int MAC_OFFSET = 64;
    public static final int MAC_LENGTH = 32;
    public static final int NAMES_OFFSET = 96;
    public static final int MAX_NAME = 64;
    public static final int MAX_FRAME = NAMES_OFFSET + 2 * MAX_NAME;

    private HelloLayout() {
    }

    /**
     * Why {@code frame} (position 0, limit its length) is not a well-formed frame, or null when
     * it is: every length and field is checked here, before anything reads past it.
     */
    public static String malformed(ByteBuffer frame) {
        int len = frame.limit();
        if (len < NAMES_OFFSET || len > MAX_FRAME) {
            return "a control frame of " + len + " bytes";
        }
        ByteBuffer f = frame.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (f.getInt(MAGIC_OFFSET) != MAGIC) {
            return "no magic";
        }
        if (f.get(VERSION_OFFSET) != VERSION) {
            return "version " + f.get(VERSION_OFFSET);
        }
        int kind = f.get(KIND_OFFSET);
        if (kind != HELLO && kind != GOODBYE) {
            return "kind " + kind;
        }
        if ((f.get(FLAGS_OFFSET) & ~(HAS_MAC | ACCEPTED)) != 0) {
            return "flags " + f.get(FLAGS_OFFSET);
        }
        int fromLen = f.get(FROM_LEN_OFFSET) & 0xff;
        int toLen = f.get(TO_LEN_OFFSET) & 0xff;
        if (fromLen < 1 || fromLen > MAX_NAME || toLen < 1 || toLen > MAX_NAME || NAMES_OFFSET + fromLen + toLen != len) {
            return "names of " + fromLen + " and " + toLen + " bytes in a frame of " + len;
        }
        for (int i = NAMES_OFFSET; i < len; i++) {
            byte b = f.get(i);
            if (!(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '.' || b == '_' || b == '-')) {
                return "a name with byte " + (b & 0xff);
            }
        }
        return null;
    }

    public static String fromName(ByteBuffer f) {
        int fromLen = f.get(FROM_LEN_OFFSET) & 0xff;
        return ascii(f, NAMES_OFFSET, fromLen);
    }

    public static String toName(ByteBuffer f) {
        int fromLen = f.get(FROM_LEN_OFFSET) & 0xff;
        int toLen = f.get(TO_LEN_OFFSET) & 0xff;
        return ascii(f, NAMES_OFFSET + fromLen, toLen);
    }

    private static String ascii(ByteBuffer f, int at, int n) {
        byte[] b = new byte[n];
        f.get(at, b);
        return new String(b, StandardCharsets.US_ASCII);
    }
}
