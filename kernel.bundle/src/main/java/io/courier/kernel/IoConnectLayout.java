package io.courier.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The byte layout of an {@code _IO_CONNECT} message, QNX's {@code struct _io_connect} in native
 * byte order, followed by the NUL-terminated path:
 *
 * <pre>
 *  0      2         4           8          10         12    16       20       24     28
 *  +------+---------+-----------+----------+----------+-----+--------+--------+------+
 *  | type | subtype | file_type | reply_max| entry_max| key | handle | ioflag | mode |
 *  | u16  | u16     | u32       | u16      | u16      | u32 | u32    | u32    | u32  |
 *  +------+---------+-----------+----------+----------+-----+--------+--------+------+
 *  28      30       32     34         36     37          38          40
 *  +-------+--------+------+----------+------+-----------+-----------+---------------+
 *  | sflag | access | zero | path_len | eflag| extra_type| extra_len | path ... NUL  |
 *  | u16   | u16    | u16  | u16      | u8   | u8        | u16       |               |
 *  +-------+--------+------+----------+------+-----------+-----------+---------------+
 * </pre>
 */
public final class IoConnectLayout {
    /** Offset of {@code type} ({@link IoMsg#IO_CONNECT}). */
    public static final int TYPE = 0;
    /** Offset of {@code subtype} ({@link #SUBTYPE_OPEN} and others). */
    public static final int SUBTYPE = 2;
    /** Offset of {@code file_type}. */
    public static final int FILE_TYPE = 4;
    /** Offset of {@code reply_max}. */
    public static final int REPLY_MAX = 8;
    /** Offset of {@code ioflag} (the open flags). */
    public static final int IOFLAG = 20;
    /** Offset of {@code mode}. */
    public static final int MODE = 24;
    /** Offset of {@code path_len} (the path's bytes with the NUL). */
    public static final int PATH_LEN = 34;
    /** Offset of the path. */
    public static final int PATH = 40;
    /** The size of the fixed header. */
    public static final int HEADER_SIZE = PATH;

    /** {@code _IO_CONNECT_COMBINE}. */
    public static final int SUBTYPE_COMBINE = 0;
    /** {@code _IO_CONNECT_COMBINE_CLOSE}. */
    public static final int SUBTYPE_COMBINE_CLOSE = 1;
    /** {@code _IO_CONNECT_OPEN}. */
    public static final int SUBTYPE_OPEN = 2;
    /** {@code _FTYPE_ANY}. */
    public static final int FTYPE_ANY = 0;
    /** {@code _FTYPE_NAME}: what {@code name_open()} asks for. */
    public static final int FTYPE_NAME = 6;

    private IoConnectLayout() {
    }

    /** The bytes an {@code _IO_CONNECT} message with {@code path} takes. */
    public static int size(String path) {
        return HEADER_SIZE + path.getBytes(StandardCharsets.UTF_8).length + 1;
    }

    /**
     * Writes an {@code _IO_CONNECT} message at the buffer's position and advances it.
     */
    public static void write(ByteBuffer buf, int subtype, int fileType, int ioflag, int mode, String path) {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = buf.duplicate().order(ByteOrder.nativeOrder());
        int at = b.position();
        for (int i = 0; i < HEADER_SIZE; i++) {
            b.put(at + i, (byte) 0);
        }
        b.putShort(at + TYPE, (short) IoMsg.IO_CONNECT);
        b.putShort(at + SUBTYPE, (short) subtype);
        b.putInt(at + FILE_TYPE, fileType);
        b.putInt(at + IOFLAG, ioflag);
        b.putInt(at + MODE, mode);
        b.putShort(at + PATH_LEN, (short) (p.length + 1));
        b.put(at + PATH, p);
        b.put(at + PATH + p.length, (byte) 0);
        buf.position(at + PATH + p.length + 1);
    }

    /** The message type at the buffer's position (the first 16 bits of every system message). */
    public static int type(ByteBuffer buf) {
        return Short.toUnsignedInt(buf.duplicate().order(ByteOrder.nativeOrder()).getShort(buf.position()));
    }

    /** The path of an {@code _IO_CONNECT} message at the buffer's position. */
    public static String path(ByteBuffer buf) {
        ByteBuffer b = buf.duplicate().order(ByteOrder.nativeOrder());
        int at = b.position();
        int len = Short.toUnsignedInt(b.getShort(at + PATH_LEN));
        int n = Math.max(0, Math.min(len - 1, b.limit() - at - PATH));
        byte[] p = new byte[n];
        b.get(at + PATH, p);
        return new String(p, StandardCharsets.UTF_8);
    }
}
