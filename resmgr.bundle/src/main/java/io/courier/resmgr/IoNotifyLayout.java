package io.courier.resmgr;

import io.courier.kernel.IoMsg;
import io.courier.kernel.SigEvent;
import io.courier.kernel.SigEventLayout;
import java.nio.ByteBuffer;

/**
 * The byte layout of an {@code _IO_NOTIFY} message and its reply, QNX's {@code struct
 * _io_notify} and {@code struct _io_notify_reply} in native byte order. The event is the
 * kernel's {@link SigEventLayout}, QNX's 64-bit {@code struct sigevent}.
 *
 * <pre>
 *  message: 0      2             4        8       12     16
 *           +------+-------------+--------+-------+------+---------------------------+
 *           | type | combine_len | action | flags | zero | event (SigEventLayout, 32)|
 *           | u16  | u16         | s32    | s32   | u32  |                           |
 *           +------+-------------+--------+-------+------+---------------------------+
 *  reply:   0      4
 *           +------+-------+
 *           | zero | flags |   the conditions that hold
 *           | u32  | s32   |
 *           +------+-------+
 * </pre>
 */
public final class IoNotifyLayout {
    /** Offset of {@code type} ({@link IoMsg#IO_NOTIFY}). */
    public static final int TYPE = 0;
    /** Offset of {@code combine_len}. */
    public static final int COMBINE_LEN = 2;
    /** Offset of {@code action} ({@link Notify}{@code .ACTION_*}). */
    public static final int ACTION = 4;
    /** Offset of {@code flags} ({@link Notify}{@code .COND_*}). */
    public static final int FLAGS = 8;
    /** Offset of {@code event}. */
    public static final int EVENT = 16;
    /** The size of the message. */
    public static final int SIZE = EVENT + SigEventLayout.SIZE;
    /** Offset of the reply's {@code flags}. */
    public static final int REPLY_FLAGS = 4;
    /** The size of the reply. */
    public static final int REPLY_SIZE = 8;

    private IoNotifyLayout() {
    }

    /**
     * Writes the message at index {@code at}; the buffer's position is left alone.
     *
     * @throws io.courier.kernel.KernelException EINVAL or EFAULT as {@link SigEventLayout#put} says
     */
    public static void put(ByteBuffer buf, int at, int action, int flags, SigEvent event) {
        NativeBytes.putI16(buf, at + TYPE, IoMsg.IO_NOTIFY);
        NativeBytes.putI16(buf, at + COMBINE_LEN, SIZE);
        NativeBytes.putI32(buf, at + ACTION, action);
        NativeBytes.putI32(buf, at + FLAGS, flags);
        NativeBytes.putI32(buf, at + 12, 0);
        SigEventLayout.put(buf, at + EVENT, event);
    }

    /** The {@code action} of the message at index {@code at}. */
    public static int action(ByteBuffer buf, int at) {
        return NativeBytes.i32(buf, at + ACTION);
    }

    /** The {@code flags} of the message at index {@code at}. */
    public static int flags(ByteBuffer buf, int at) {
        return NativeBytes.i32(buf, at + FLAGS);
    }

    /**
     * The event of the message at index {@code at}.
     *
     * @throws io.courier.kernel.KernelException EINVAL or EFAULT as {@link SigEventLayout#get} says
     */
    public static SigEvent event(ByteBuffer buf, int at) {
        return SigEventLayout.get(buf, at + EVENT);
    }

    /** Writes the reply at index {@code at}. */
    public static void putReply(ByteBuffer buf, int at, int flags) {
        NativeBytes.putI32(buf, at, 0);
        NativeBytes.putI32(buf, at + REPLY_FLAGS, flags);
    }

    /** The {@code flags} of the reply at index {@code at}. */
    public static int replyFlags(ByteBuffer buf, int at) {
        return NativeBytes.i32(buf, at + REPLY_FLAGS);
    }
}
