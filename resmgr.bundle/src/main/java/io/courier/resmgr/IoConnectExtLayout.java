package io.courier.resmgr;

import io.courier.kernel.IoConnectLayout;
import java.nio.ByteBuffer;

/**
 * The parts of QNX's {@code struct _io_connect} that the kernel's {@link IoConnectLayout} does
 * not name, and what a resource manager's {@code _IO_CONNECT} carries beyond a name's: the
 * {@code handle} of the attachment the path resolved to (so one channel can serve several
 * attachments), the subtypes for {@code unlink} and {@code mkdir}, and a combined message
 * (an {@link IoStatLayout}) after the path, at the next multiple of 8.
 *
 * <pre>
 *  0            16       20                 37           38          40
 *  +-- ... -----+--------+--- ... ---------+------------+-----------+---------------+-----+----------+
 *  | see        | handle | see             | extra_type | extra_len | path ... NUL  | pad | combined |
 *  | IoConnect- | u32    | IoConnectLayout | u8         | u16       |               | to 8| message  |
 *  +-- ... -----+--------+--- ... ---------+------------+-----------+---------------+-----+----------+
 * </pre>
 */
public final class IoConnectExtLayout {
    /** Offset of {@code handle}: the attachment's id. */
    public static final int HANDLE = 16;
    /** Offset of {@code extra_type}. */
    public static final int EXTRA_TYPE = 37;
    /** Offset of {@code extra_len}. */
    public static final int EXTRA_LEN = 38;
    /** {@code _IO_CONNECT_UNLINK}. */
    public static final int SUBTYPE_UNLINK = 3;
    /** {@code _IO_CONNECT_MKNOD}: what {@code mkdir()} sends. */
    public static final int SUBTYPE_MKNOD = 5;

    private IoConnectExtLayout() {
    }

    /** Where the combined message of a connect message with a path of {@code pathLen} bytes (with NUL) starts. */
    public static int combinedOffset(int pathLen) {
        return (IoConnectLayout.PATH + pathLen + 7) & ~7;
    }

    /** The {@code handle} of the connect message at index {@code at}. */
    public static int handle(ByteBuffer buf, int at) {
        return NativeBytes.i32(buf, at + HANDLE);
    }

    /** Sets the {@code handle} of the connect message at index {@code at}. */
    public static void putHandle(ByteBuffer buf, int at, int handle) {
        NativeBytes.putI32(buf, at + HANDLE, handle);
    }

    /** The {@code subtype} of the connect message at index {@code at}. */
    public static int subtype(ByteBuffer buf, int at) {
        return NativeBytes.u16(buf, at + IoConnectLayout.SUBTYPE);
    }

    /** The {@code ioflag} of the connect message at index {@code at}. */
    public static int ioflag(ByteBuffer buf, int at) {
        return NativeBytes.i32(buf, at + IoConnectLayout.IOFLAG);
    }

    /** The {@code mode} of the connect message at index {@code at}. */
    public static int mode(ByteBuffer buf, int at) {
        return NativeBytes.i32(buf, at + IoConnectLayout.MODE);
    }

    /** The {@code path_len} of the connect message at index {@code at}. */
    public static int pathLen(ByteBuffer buf, int at) {
        return NativeBytes.u16(buf, at + IoConnectLayout.PATH_LEN);
    }

    /** The {@code extra_type} of the connect message at index {@code at}. */
    public static int extraType(ByteBuffer buf, int at) {
        return Byte.toUnsignedInt(buf.get(at + EXTRA_TYPE));
    }

    /** The {@code extra_len} of the connect message at index {@code at}: the bytes of the combined message. */
    public static int extraLen(ByteBuffer buf, int at) {
        return NativeBytes.u16(buf, at + EXTRA_LEN);
    }

    /** Sets {@code extra_type} and {@code extra_len} of the connect message at index {@code at}. */
    public static void putExtra(ByteBuffer buf, int at, int type, int len) {
        buf.put(at + EXTRA_TYPE, (byte) type);
        NativeBytes.putI16(buf, at + EXTRA_LEN, len);
    }
}
