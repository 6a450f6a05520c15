package io.courier.resmgr;

/**
 * Actions and conditions of {@link Resmgr#ionotify}, with QNX's {@code _NOTIFY_*} values.
 */
public final class Notify {
    /** {@code _NOTIFY_ACTION_POLL}: report the conditions that hold now; arm nothing. */
    public static final int ACTION_POLL = 0;
    /**
     * {@code _NOTIFY_ACTION_POLLARM}: report the conditions that hold now; when none does, arm
     * the event for the first that comes to hold.
     */
    public static final int ACTION_POLLARM = 1;
    /** {@code _NOTIFY_ACTION_TRANARM}: arm the event for the next transition, whatever holds now. */
    public static final int ACTION_TRANARM = 2;
    /**
     * {@code _NOTIFY_ACTION_CONDARM}: when a condition holds now, deliver the event at once;
     * otherwise arm it.
     */
    public static final int ACTION_CONDARM = 3;
    /** The action bits. */
    public static final int ACTION_MASK = 3;
    /** {@code _NOTIFY_COND_INPUT}: data can be read. */
    public static final int COND_INPUT = 0x10000000;
    /** {@code _NOTIFY_COND_OUTPUT}: data can be written. */
    public static final int COND_OUTPUT = 0x20000000;
    /** {@code _NOTIFY_COND_OBAND}: out-of-band data can be read. */
    public static final int COND_OBAND = 0x40000000;
    /** The condition bits. */
    public static final int COND_MASK = COND_INPUT | COND_OUTPUT | COND_OBAND;

    private Notify() {
    }
}
