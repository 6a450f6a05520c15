package io.courier.resmgr;

import io.courier.kernel.IoMsg;
import java.nio.ByteBuffer;

/**
 * The byte layout of an {@code _IO_LSEEK} message, QNX's {@code struct _io_lseek} in native
 * byte order. The reply is {@link #REPLY_SIZE} bytes: the new offset.
 *
 * <pre>
 *  0      2             4        6      8                16
 *  +------+-------------+--------+------+----------------+
 *  | type | combine_len | whence | zero | offset         |
 *  | u16  | u16         | s16    | u16  | s64            |
 *  +------+-------------+--------+------+----------------+
 *  reply:  0                8
 *          +----------------+
 *          | offset  s64    |
 *          +----------------+
 * </pre>
 */
public final class IoLseekLayout {
    /** Offset of {@code type} ({@link IoMsg#IO_LSEEK}). */
    public static final int TYPE = 0;
    /** Offset of {@code combine_len}. */
    public static final int COMBINE_LEN = 2;
    /** Offset of {@code whence} ({@link Resmgr#SEEK_SET} and the others). */
    public static final int WHENCE = 4;
    /** Offset of {@code offset}. */
    public static final int OFFSET = 8;
    /** The size of the message. */
    public static final int SIZE = 16;
    /** The size of the reply. */
    public static final int REPLY_SIZE = 8;

    private IoLseekLayout() {
    }

    /** Writes the message at index {@code at}; the buffer's position is left alone. */
    public static void put(ByteBuffer buf, int at, long offset, int whence) {
        NativeBytes.putI16(buf, at + TYPE, IoMsg.IO_LSEEK);
        NativeBytes.putI16(buf, at + COMBINE_LEN, SIZE);
        NativeBytes.putI16(buf, at + WHENCE, whence);
        NativeBytes.putI16(buf, at + 6, 0);
        NativeBytes.putI64(buf, at + OFFSET, offset);
    }

    /** The {@code whence} of the message at index {@code at}. */
    public static int whence(ByteBuffer buf, int at) {
        return NativeBytes.i16(buf, at + WHENCE);
    }

    /** The {@code offset} of the message at index {@code at}. */
    public static long offset(ByteBuffer buf, int at) {
        return NativeBytes.i64(buf, at + OFFSET);
    }

    /** Writes the reply at index {@code at}. */
    public static void putReply(ByteBuffer buf, int at, long offset) {
        NativeBytes.putI64(buf, at, offset);
    }

    /** The offset of the reply at index {@code at}. */
    public static long replyOffset(ByteBuffer buf, int at) {
        return NativeBytes.i64(buf, at);
    }
}
