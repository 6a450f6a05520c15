package io.courier.resmgr;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.kernel.SigEvent;
import java.nio.ByteBuffer;

/**
 * The byte layout of a {@link SigEvent} inside a message ({@code struct sigevent}), in native
 * byte order, as {@code _IO_NOTIFY} carries it. {@code notify} is the ordinal of
 * {@link SigEvent.Type}; a {@code THREAD} event holds a function and cannot cross a message
 * (EINVAL).
 *
 * <pre>
 *  0        1       2      4      8          12     16      20     24      32       40
 *  +--------+-------+------+------+----------+------+-------+------+-------+--------+
 *  | notify | flags | zero | coid | priority | code | signo | zero | value | handle |
 *  | u8     | u8    | u16  | s32  | s32      | s32  | s32   | u32  | s64   | s64    |
 *  +--------+-------+------+------+----------+------+-------+------+-------+--------+
 *  flags: bit 0 = UPDATEABLE
 * </pre>
 */
public final class SigEventLayout {
    /** Offset of {@code sigev_notify}. */
    public static final int NOTIFY = 0;
    /** Offset of the flags. */
    public static final int FLAGS = 1;
    /** Offset of the pulse's connection. */
    public static final int COID = 4;
    /** Offset of the pulse's priority. */
    public static final int PRIORITY = 8;
    /** Offset of the pulse or signal code. */
    public static final int CODE = 12;
    /** Offset of the signal number. */
    public static final int SIGNO = 16;
    /** Offset of {@code sigev_value}. */
    public static final int VALUE = 24;
    /** Offset of the registration handle. */
    public static final int HANDLE = 32;
    /** The size of the structure. */
    public static final int SIZE = 40;
    /** The UPDATEABLE bit of the flags. */
    public static final int FLAG_UPDATEABLE = 1;

    private SigEventLayout() {
    }

    /**
     * Writes {@code event} at index {@code at}.
     *
     * @throws KernelException EINVAL for a {@code THREAD} event
     */
    public static void put(ByteBuffer buf, int at, SigEvent event) {
        if (event.type() == SigEvent.Type.THREAD) {
            throw new KernelException(Errno.EINVAL, "a SIGEV_THREAD event cannot be sent in a message");
        }
        NativeBytes.zero(buf, at, SIZE);
        buf.put(at + NOTIFY, (byte) event.type().ordinal());
        buf.put(at + FLAGS, (byte) (event.isUpdateable() ? FLAG_UPDATEABLE : 0));
        NativeBytes.putI32(buf, at + COID, event.coid());
        NativeBytes.putI32(buf, at + PRIORITY, event.priority());
        NativeBytes.putI32(buf, at + CODE, event.code());
        NativeBytes.putI32(buf, at + SIGNO, event.signo());
        NativeBytes.putI64(buf, at + VALUE, event.value());
        NativeBytes.putI64(buf, at + HANDLE, event.handle());
    }

    /**
     * Reads the event at index {@code at}.
     *
     * @throws KernelException EINVAL for an unknown or {@code THREAD} notify type
     */
    public static SigEvent get(ByteBuffer buf, int at) {
        int notify = Byte.toUnsignedInt(buf.get(at + NOTIFY));
        SigEvent.Type[] types = SigEvent.Type.values();
        if (notify >= types.length) {
            throw new KernelException(Errno.EINVAL, "unknown sigev_notify " + notify);
        }
        int coid = NativeBytes.i32(buf, at + COID);
        int priority = NativeBytes.i32(buf, at + PRIORITY);
        int code = NativeBytes.i32(buf, at + CODE);
        int signo = NativeBytes.i32(buf, at + SIGNO);
        long value = NativeBytes.i64(buf, at + VALUE);
        SigEvent e = switch (types[notify]) {
            case NONE -> SigEvent.none();
            case SIGNAL -> SigEvent.signal(signo, value);
            case SIGNAL_CODE -> SigEvent.signalCode(signo, value, code);
            case SIGNAL_THREAD -> SigEvent.signalThread(signo, value, code);
            case PULSE -> SigEvent.pulse(coid, priority, code, value);
            case UNBLOCK -> SigEvent.unblock();
            case INTR -> SigEvent.intr();
            case THREAD -> throw new KernelException(Errno.EINVAL, "a SIGEV_THREAD event cannot cross a message");
        };
        if ((buf.get(at + FLAGS) & FLAG_UPDATEABLE) != 0) {
            e = e.updateable();
        }
        long handle = NativeBytes.i64(buf, at + HANDLE);
        return handle != 0 ? e.withHandle(handle) : e;
    }
}
