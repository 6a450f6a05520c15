package io.courier.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The byte layout of a pulse as {@link Kernel#msgReceive} writes it, QNX's {@code struct _pulse}
 * in native byte order:
 *
 * <pre>
 *  0      2         4      5        8                 16        20       24
 *  +------+---------+------+--------+-----------------+---------+--------+
 *  | type | subtype | code | zero[3]| value (sigval)  | scoid   | pad    |
 *  | u16  | u16     | s8   |        | 64 bits         | s32     |        |
 *  +------+---------+------+--------+-----------------+---------+--------+
 * </pre>
 */
public final class PulseLayout {
    /** Offset of {@code type} (0 for a pulse). */
    public static final int TYPE = 0;
    /** Offset of {@code subtype}. */
    public static final int SUBTYPE = 2;
    /** Offset of the 8-bit signed {@code code}. */
    public static final int CODE = 4;
    /** Offset of the 64-bit {@code value}. */
    public static final int VALUE = 8;
    /** Offset of {@code scoid}. */
    public static final int SCOID = 16;
    /** The size of a pulse, padded to 8 bytes. */
    public static final int SIZE = 24;

    private PulseLayout() {
    }

    /** Writes a pulse at the buffer's position without moving it. */
    public static void write(ByteBuffer buf, int code, long value, int scoid) {
        ByteBuffer b = buf.duplicate().order(ByteOrder.nativeOrder());
        int p = b.position();
        b.putShort(p + TYPE, (short) 0);
        b.putShort(p + SUBTYPE, (short) 0);
        b.put(p + CODE, (byte) code);
        b.put(p + CODE + 1, (byte) 0);
        b.put(p + CODE + 2, (byte) 0);
        b.put(p + CODE + 3, (byte) 0);
        b.putLong(p + VALUE, value);
        b.putInt(p + SCOID, scoid);
        b.putInt(p + SCOID + 4, 0);
    }
}
