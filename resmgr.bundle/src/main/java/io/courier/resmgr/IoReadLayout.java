package io.courier.resmgr;

import io.courier.kernel.IoMsg;
import java.nio.ByteBuffer;

/**
 * The byte layout of an {@code _IO_READ} message, QNX's {@code struct _io_read} in native byte
 * order. The reply is the data itself; the reply status is the number of bytes.
 *
 * <pre>
 *  0      2             4        8       12       16
 *  +------+-------------+--------+-------+--------+
 *  | type | combine_len | nbytes | xtype | zero   |
 *  | u16  | u16         | s32    | u32   | u32    |
 *  +------+-------------+--------+-------+--------+
 * </pre>
 */
public final class IoReadLayout {
    /** Offset of {@code type} ({@link IoMsg#IO_READ}). */
    public static final int TYPE = 0;
    /** Offset of {@code combine_len}. */
    public static final int COMBINE_LEN = 2;
    /** Offset of {@code nbytes}: the most bytes the client wants. */
    public static final int NBYTES = 4;
    /** Offset of {@code xtype}. */
    public static final int XTYPE = 8;
    /** The size of the message. */
    public static final int SIZE = 16;

    private IoReadLayout() {
    }

    /** Writes the message at index {@code at}; the buffer's position is left alone. */
    public static void put(ByteBuffer buf, int at, int nbytes) {
        NativeBytes.putI16(buf, at + TYPE, IoMsg.IO_READ);
        NativeBytes.putI16(buf, at + COMBINE_LEN, SIZE);
        NativeBytes.putI32(buf, at + NBYTES, nbytes);
        NativeBytes.putI32(buf, at + XTYPE, 0);
        NativeBytes.putI32(buf, at + 12, 0);
    }

    /** The {@code nbytes} of the message at index {@code at}. */
    public static int nbytes(ByteBuffer buf, int at) {
        return NativeBytes.i32(buf, at + NBYTES);
    }
}
