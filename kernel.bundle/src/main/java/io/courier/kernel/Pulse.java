package io.courier.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A pulse: a fixed, non-blocking notification ({@code struct _pulse}). Received by
 * {@link Kernel#msgReceivePulse} as an object, or by {@link Kernel#msgReceive} as
 * {@link #SIZE} bytes that {@link #from(ByteBuffer)} decodes.
 *
 * @param code the 8-bit signed code ({@link PulseCode})
 * @param value the 64-bit value
 * @param scoid the server connection id of the sender (0 for pulses the kernel makes for a
 *     thread or event without a connection)
 * @param priority the priority it was sent at
 * @param pointer the in-process pointer of {@link Kernel#msgSendPulsePtr}, else null
 */
public record Pulse(int code, long value, int scoid, int priority, Object pointer) {
    /** The bytes a pulse takes in a receive buffer. */
    public static final int SIZE = PulseLayout.SIZE;

    /** A pulse with no pointer. */
    public Pulse(int code, long value, int scoid, int priority) {
        this(code, value, scoid, priority, null);
    }

    /**
     * Decodes a pulse from the buffer's position (call {@code buf.flip()} after the receive);
     * the position advances by {@link #SIZE}. The priority and pointer are not in the bytes.
     *
     * @throws KernelException EFAULT when fewer than {@link #SIZE} bytes remain
     */
    public static Pulse from(ByteBuffer buf) {
        if (buf == null || buf.remaining() < SIZE) {
            throw new KernelException(Errno.EFAULT, "a pulse needs " + SIZE + " bytes");
        }
        ByteBuffer b = buf.duplicate().order(ByteOrder.nativeOrder());
        int p = b.position();
        Pulse pulse = new Pulse(b.get(p + PulseLayout.CODE), b.getLong(p + PulseLayout.VALUE),
                b.getInt(p + PulseLayout.SCOID), 0);
        buf.position(p + SIZE);
        return pulse;
    }

    /** The value's low 32 bits ({@code sival_int}). */
    public int intValue() {
        return (int) value;
    }
}
