package io.courier.resmgr;

import io.courier.kernel.IoMsg;
import java.nio.ByteBuffer;

/**
 * The byte layout of an {@code _IO_DEVCTL} message and its reply, QNX's {@code struct
 * _io_devctl} and {@code struct _io_devctl_reply} in native byte order, each followed by data.
 *
 * <pre>
 *  message: 0      2             4      8        12     16
 *           +------+-------------+------+--------+------+-------------+
 *           | type | combine_len | dcmd | nbytes | zero | data ...    |
 *           | u16  | u16         | s32  | s32    | s32  | nbytes      |
 *           +------+-------------+------+--------+------+-------------+
 *  reply:   0      4         8        12      16
 *           +------+---------+--------+-------+-------------+
 *           | zero | ret_val | nbytes | zero2 | data ...    |
 *           | u32  | s32     | s32    | s32   | nbytes      |
 *           +------+---------+--------+-------+-------------+
 * </pre>
 */
public final class IoDevctlLayout {
    /** Offset of {@code type} ({@link IoMsg#IO_DEVCTL}). */
    public static final int TYPE = 0;
    /** Offset of {@code combine_len}. */
    public static final int COMBINE_LEN = 2;
    /** Offset of {@code dcmd} ({@link Dcmd}). */
    public static final int DCMD = 4;
    /** Offset of {@code nbytes}: the bytes of data that follow. */
    public static final int NBYTES = 8;
    /** The size of the message header; the data starts here. */
    public static final int SIZE = 16;
    /** Offset of the reply's {@code ret_val} (the {@code dev_info} of {@code devctl()}). */
    public static final int REPLY_RET_VAL = 4;
    /** Offset of the reply's {@code nbytes}. */
    public static final int REPLY_NBYTES = 8;
    /** The size of the reply header; the reply data starts here. */
    public static final int REPLY_SIZE = 16;

    private IoDevctlLayout() {
    }

    /** Writes the message header at index {@code at}; the buffer's position is left alone. */
    public static void put(ByteBuffer buf, int at, int dcmd, int nbytes) {
        NativeBytes.putI16(buf, at + TYPE, IoMsg.IO_DEVCTL);
        NativeBytes.putI16(buf, at + COMBINE_LEN, SIZE);
        NativeBytes.putI32(buf, at + DCMD, dcmd);
        NativeBytes.putI32(buf, at + NBYTES, nbytes);
        NativeBytes.putI32(buf, at + 12, 0);
    }

    /** The {@code dcmd} of the message at index {@code at}. */
    public static int dcmd(ByteBuffer buf, int at) {
        return NativeBytes.i32(buf, at + DCMD);
    }

    /** The {@code nbytes} of the message at index {@code at}. */
    public static int nbytes(ByteBuffer buf, int at) {
        return NativeBytes.i32(buf, at + NBYTES);
    }

    /** Writes the reply header at index {@code at}. */
    public static void putReply(ByteBuffer buf, int at, int retVal, int nbytes) {
        NativeBytes.putI32(buf, at, 0);
        NativeBytes.putI32(buf, at + REPLY_RET_VAL, retVal);
        NativeBytes.putI32(buf, at + REPLY_NBYTES, nbytes);
        NativeBytes.putI32(buf, at + 12, 0);
    }

    /** The {@code ret_val} of the reply at index {@code at}. */
    public static int replyRetVal(ByteBuffer buf, int at) {
        return NativeBytes.i32(buf, at + REPLY_RET_VAL);
    }

    /** The {@code nbytes} of the reply at index {@code at}. */
    public static int replyNbytes(ByteBuffer buf, int at) {
        return NativeBytes.i32(buf, at + REPLY_NBYTES);
    }
}
