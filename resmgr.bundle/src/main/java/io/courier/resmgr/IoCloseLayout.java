package io.courier.resmgr;

import io.courier.kernel.IoMsg;
import java.nio.ByteBuffer;

/**
 * The byte layout of an {@code _IO_CLOSE} message, QNX's {@code struct _io_close} in native byte
 * order. No reply data.
 *
 * <pre>
 *  0      2             4
 *  +------+-------------+
 *  | type | combine_len |
 *  | u16  | u16         |
 *  +------+-------------+
 * </pre>
 */
public final class IoCloseLayout {
    /** Offset of {@code type} ({@link IoMsg#IO_CLOSE}). */
    public static final int TYPE = 0;
    /** Offset of {@code combine_len}. */
    public static final int COMBINE_LEN = 2;
    /** The size of the message. */
    public static final int SIZE = 4;

    private IoCloseLayout() {
    }

    /** Writes the message at index {@code at}; the buffer's position is left alone. */
    public static void put(ByteBuffer buf, int at) {
        NativeBytes.putI16(buf, at + TYPE, IoMsg.IO_CLOSE);
        NativeBytes.putI16(buf, at + COMBINE_LEN, SIZE);
    }
}
