package io.courier.resmgr;

import io.courier.kernel.IoMsg;
import java.nio.ByteBuffer;

/**
 * The byte layout of an {@code _IO_STAT} message, QNX's {@code struct _io_stat} in native byte
 * order. The reply is a {@link StatLayout}. It also follows the path of an {@code _IO_CONNECT}
 * with subtype {@code COMBINE_CLOSE}, which is how {@link Resmgr#stat(String)} asks in one
 * message.
 *
 * <pre>
 *  0      2             4      8
 *  +------+-------------+------+
 *  | type | combine_len | zero |
 *  | u16  | u16         | u32  |
 *  +------+-------------+------+
 * </pre>
 */
public final class IoStatLayout {
    /** Offset of {@code type} ({@link IoMsg#IO_STAT}). */
    public static final int TYPE = 0;
    /** Offset of {@code combine_len}. */
    public static final int COMBINE_LEN = 2;
    /** The size of the message. */
    public static final int SIZE = 8;

    private IoStatLayout() {
    }

    /** Writes the message at index {@code at}; the buffer's position is left alone. */
    public static void put(ByteBuffer buf, int at) {
        NativeBytes.putI16(buf, at + TYPE, IoMsg.IO_STAT);
        NativeBytes.putI16(buf, at + COMBINE_LEN, SIZE);
        NativeBytes.putI32(buf, at + 4, 0);
    }
}
