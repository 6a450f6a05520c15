package io.courier.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The byte form of a {@link SigEvent}: QNX's {@code struct sigevent} as QNX 7 lays it out for
 * 64-bit processes, in native byte order, so that a server or manager that receives an event in
 * a message ({@code MsgDeliverEvent()}'s "the server receives a struct sigevent in a message from
 * the client") decodes it with the kernel's API alone.
 *
 * <pre>
 *  0              4             8                        16               24     26         28     32
 *  +--------------+-------------+------------------------+----------------+------+----------+------+
 *  | sigev_notify | (pad)       | sigev_signo/coid  s32  | sigev_value    | code | priority | zero |
 *  | s32          | see HANDLE  | or sigev_handle   s64  | s64 (sival)    | s16  | s16      |      |
 *  +--------------+-------------+------------------------+----------------+------+----------+------+
 *  sigev_notify: bits 0-7 the type (SIGEV_PULSE = SIGEV_64BIT | 4 ...), then the flags:
 *                SIGEV_FLAG_UPDATEABLE 0x400, SIGEV_FLAG_SIVAL_INT 0x800, SIGEV_FLAG_HANDLE 0x2000
 * </pre>
 *
 * <ul>
 *   <li>The type is {@link SigEvent.Type}'s QNX number with {@link #SIGEV_64BIT} set, as QNX's
 *       64-bit {@code SIGEV_*} macros have it ({@code SIGEV_NONE} is 0). A 32-bit type code
 *       announces QNX's 32-bit layout, which this is not: EINVAL. {@code SIGEV_THREAD} holds a
 *       function and {@code SIGEV_MEMORY} an address of the sender's; neither crosses a
 *       message (EINVAL).
 *   <li>{@code sigev_signo} (signals) and {@code sigev_coid} (pulses) share offset 8.
 *   <li>{@code sigev_value}: all 64 bits, or with {@link #SIGEV_FLAG_SIVAL_INT} the
 *       {@code sival_int} in its first 4 bytes, sign-extended.
 *   <li>A registered event ({@link Kernel#msgRegisterEvent}) has {@link #SIGEV_FLAG_HANDLE} set
 *       and its handle at offset 8, as QNX's {@code sigev_handle}; Courier's handles take the
 *       union's 8 bytes, and the event's coid or signal moves to the 4 bytes at offset 4, which
 *       QNX leaves as padding, so that the byte form carries the whole event.
 *   <li>Flags other than those three are EINVAL: Courier does not silently drop a request.
 * </ul>
 *
 * <p>Bad input is a {@link KernelException}, never another exception: EFAULT for a null or
 * read-only buffer, or one without {@link #SIZE} bytes at the index; EINVAL for a type, flag or
 * field the layout cannot hold.
 */
public final class SigEventLayout {
    /** Offset of {@code sigev_notify}: the type and the flags. */
    public static final int NOTIFY = 0;
    /** Offset of the coid or signal of a registered event (padding in QNX's layout). */
    public static final int HANDLE_TARGET = 4;
    /** Offset of {@code sigev_signo}. */
    public static final int SIGNO = 8;
    /** Offset of {@code sigev_coid}. */
    public static final int COID = 8;
    /** Offset of {@code sigev_handle} (with {@link #SIGEV_FLAG_HANDLE}). */
    public static final int HANDLE = 8;
    /** Offset of {@code sigev_value}. */
    public static final int VALUE = 16;
    /** Offset of {@code sigev_code}. */
    public static final int CODE = 24;
    /** Offset of {@code sigev_priority}. */
    public static final int PRIORITY = 26;
    /** The size of the structure. */
    public static final int SIZE = 32;

    /** {@code SIGEV_TYPE_MASK}: the type's bits of {@code sigev_notify}. */
    public static final int SIGEV_TYPE_MASK = 0xFF;
    /** {@code SIGEV_64BIT}: the type bit that says the 64-bit layout. */
    public static final int SIGEV_64BIT = 0x80;
    /** {@code SIGEV_FLAG_UPDATEABLE}: the server may change the value ({@link SigEvent#updateable()}). */
    public static final int SIGEV_FLAG_UPDATEABLE = 0x400;
    /** {@code SIGEV_FLAG_SIVAL_INT}: the value is the 32-bit {@code sival_int}. */
    public static final int SIGEV_FLAG_SIVAL_INT = 0x800;
    /** {@code SIGEV_FLAG_HANDLE}: a registered event, named by its handle. */
    public static final int SIGEV_FLAG_HANDLE = 0x2000;

    private static final int FLAGS = SIGEV_FLAG_UPDATEABLE | SIGEV_FLAG_SIVAL_INT | SIGEV_FLAG_HANDLE;
    /** {@code SIGEV_MEMORY}: the highest type number QNX defines. */
    private static final int SIGEV_MEMORY = 8;
    private static final SigEvent.Type[] TYPES = SigEvent.Type.values();

    private SigEventLayout() {
    }

    /**
     * Writes {@code event} at index {@code at}; the buffer's position is left alone.
     *
     * @throws KernelException EFAULT for a null event, a null or read-only buffer, or one without
     *     {@link #SIZE} bytes at {@code at}; EINVAL for a {@code THREAD} event, or a code or
     *     priority that does not fit its 16 bits
     */
    public static void put(ByteBuffer buf, int at, SigEvent event) {
        ByteBuffer b = at(buf, at);
        if (buf.isReadOnly()) {
            throw new KernelException(Errno.EFAULT, "the buffer for a sigevent is read-only");
        }
        if (event == null) {
            throw new KernelException(Errno.EFAULT, "no event to write");
        }
        SigEvent.Type type = event.type();
        if (type == SigEvent.Type.THREAD) {
            throw new KernelException(Errno.EINVAL, "a SIGEV_THREAD event cannot be sent in a message");
        }
        if (event.code() != (short) event.code() || event.priority() != (short) event.priority()) {
            throw new KernelException(Errno.EINVAL, "code " + event.code() + " or priority " + event.priority()
                    + " does not fit sigev_code/sigev_priority (16 bits)");
        }
        for (int i = 0; i < SIZE; i += 8) {
            b.putLong(at + i, 0L);
        }
        int notify = type == SigEvent.Type.NONE ? 0 : SIGEV_64BIT | type.ordinal();
        if (event.isUpdateable()) {
            notify |= SIGEV_FLAG_UPDATEABLE;
        }
        int target = switch (type) {
            case PULSE -> event.coid();
            case SIGNAL, SIGNAL_CODE, SIGNAL_THREAD -> event.signo();
            default -> 0;
        };
        if (event.handle() != 0) {
            notify |= SIGEV_FLAG_HANDLE;
            b.putInt(at + HANDLE_TARGET, target);
            b.putLong(at + HANDLE, event.handle());
        } else {
            b.putInt(at + COID, target);
        }
        b.putInt(at + NOTIFY, notify);
        b.putLong(at + VALUE, event.value());
        b.putShort(at + CODE, (short) event.code());
        b.putShort(at + PRIORITY, (short) event.priority());
    }

    /**
     * Reads the event at index {@code at}.
     *
     * @throws KernelException EFAULT for a null buffer or one without {@link #SIZE} bytes at
     *     {@code at}; EINVAL for an unknown, 32-bit, {@code SIGEV_THREAD} or {@code SIGEV_MEMORY}
     *     type, an unknown flag, or a handle of 0
     */
    public static SigEvent get(ByteBuffer buf, int at) {
        ByteBuffer b = at(buf, at);
        int notify = b.getInt(at + NOTIFY);
        if ((notify & ~(SIGEV_TYPE_MASK | FLAGS)) != 0) {
            throw new KernelException(Errno.EINVAL, "unknown sigev_notify flags 0x"
                    + Integer.toHexString(notify & ~(SIGEV_TYPE_MASK | FLAGS)));
        }
        SigEvent.Type type = type(notify & SIGEV_TYPE_MASK);
        boolean registered = (notify & SIGEV_FLAG_HANDLE) != 0;
        int target = b.getInt(at + (registered ? HANDLE_TARGET : COID));
        long value = (notify & SIGEV_FLAG_SIVAL_INT) != 0 ? b.getInt(at + VALUE) : b.getLong(at + VALUE);
        int code = b.getShort(at + CODE);
        int priority = b.getShort(at + PRIORITY);
        SigEvent e = switch (type) {
            case SIGNAL -> SigEvent.signal(target, value);
            case SIGNAL_CODE -> SigEvent.signalCode(target, value, code);
            case SIGNAL_THREAD -> SigEvent.signalThread(target, value, code);
            case PULSE -> SigEvent.pulse(target, priority, code, value);
            case UNBLOCK -> SigEvent.unblock();
            case INTR -> SigEvent.intr();
            default -> SigEvent.none();
        };
        if ((notify & SIGEV_FLAG_UPDATEABLE) != 0) {
            e = e.updateable();
        }
        if (registered) {
            long handle = b.getLong(at + HANDLE);
            if (handle == 0) {
                throw new KernelException(Errno.EINVAL, "a registered sigevent with handle 0");
            }
            e = e.withHandle(handle);
        }
        return e;
    }

    /** The type a {@code sigev_notify} type code names. */
    private static SigEvent.Type type(int code) {
        if (code == 0 || code == SIGEV_64BIT) {
            return SigEvent.Type.NONE;
        }
        if ((code & SIGEV_64BIT) == 0) {
            throw new KernelException(Errno.EINVAL, "sigev_notify type " + code
                    + " is QNX's 32-bit layout; this is the 64-bit one (SIGEV_64BIT)");
        }
        int n = code & ~SIGEV_64BIT;
        if (n == SigEvent.Type.THREAD.ordinal() || n == SIGEV_MEMORY) {
            throw new KernelException(Errno.EINVAL, "a sigevent of type " + n
                    + " (SIGEV_THREAD or SIGEV_MEMORY) names the sender's memory and cannot cross a message");
        }
        if (n >= TYPES.length) {
            throw new KernelException(Errno.EINVAL, "unknown sigev_notify type " + code);
        }
        return TYPES[n];
    }

    /** A native-order view of {@code buf} once {@link #SIZE} bytes at {@code at} are checked to be there. */
    private static ByteBuffer at(ByteBuffer buf, int at) {
        if (buf == null) {
            throw new KernelException(Errno.EFAULT, "no buffer for a sigevent");
        }
        if (at < 0 || at > buf.limit() - SIZE) {
            throw new KernelException(Errno.EFAULT, "a sigevent at " + at + " does not fit the buffer's "
                    + buf.limit() + " bytes");
        }
        return buf.duplicate().order(ByteOrder.nativeOrder());
    }
}
