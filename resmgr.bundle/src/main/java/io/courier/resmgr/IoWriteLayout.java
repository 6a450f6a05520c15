package io.courier.resmgr;

import io.courier.kernel.IoMsg;
import java.nio.ByteBuffer;

/**
 * The byte layout of an {@code _IO_WRITE} message, QNX's {@code struct _io_write} in native
 * byte order, followed by the data. Clients send it as a two-part IOV (header, data); the
 * manager reads the data with {@code msgRead} at offset {@link #SIZE}. The reply status is the
 * number of bytes written.
 *
 * <pre>
 *  0      2             4        8       12       16
 *  +------+-------------+--------+-------+--------+----------------+
 *  | type | combine_len | nbytes | xtype | zero   | data ...       |
 *  | u16  | u16         | s32    | u32   | u32    | nbytes bytes   |
 *  +------+-------------+--------+-------+--------+----------------+
 * </pre>
 */
public final class IoWriteLayout {
    /** Offset of {@code type} ({@link IoMsg#IO_WRITE}). */
    public static final int TYPE = 0;
    /** Offset of {@code combine_len}. */
    public static final int COMBINE_LEN = 2;
    /** Offset of {@code nbytes}: the bytes of data that follow. */
    public static final int NBYTES = 4;
    /** Offset of {@code xtype}. */
    public static final int XTYPE = 8;
    /** The size of the header; the data starts here. */
    public static final int SIZE = 16;

    private IoWriteLayout() {
    }

    /** Writes the header at index {@code at}; the buffer's position is left alone. */
    public static void put(ByteBuffer buf, int at, int nbytes) {
        NativeBytes.putI16(buf, at + TYPE, IoMsg.IO_WRITE);
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
