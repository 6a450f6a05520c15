package io.courier.kernel;

/** Pulse codes, with QNX's {@code _PULSE_CODE_*} values. Codes are 8-bit and signed. */
public final class PulseCode {
    /** {@code _PULSE_CODE_UNBLOCK}: a REPLY-blocked client wants out; value is its rcvid. */
    public static final int UNBLOCK = -32;
    /** {@code _PULSE_CODE_DISCONNECT}: all of a client's connections are gone; value is the scoid. */
    public static final int DISCONNECT = -33;
    /** {@code _PULSE_CODE_THREADDEATH}: a thread ended; value is its tid. */
    public static final int THREADDEATH = -34;
    /** {@code _PULSE_CODE_COIDDEATH}: the server behind a connection went away; value is the coid. */
    public static final int COIDDEATH = -35;
    /** {@code _PULSE_CODE_MINAVAIL}: the lowest code for applications. */
    public static final int MINAVAIL = 0;
    /** {@code _PULSE_CODE_MAXAVAIL}: the highest code for applications. */
    public static final int MAXAVAIL = 127;
    /** The lowest code a pulse can carry (the system's range starts here). */
    public static final int MIN = -128;

    private PulseCode() {
    }
}
