package io.courier.kernel;

/** Flags of {@link Kernel#connectAttach}, with QNX's {@code _NTO_COF_*} values. */
public final class ConnectFlags {
    /** {@code _NTO_COF_CLOEXEC}: close the connection on exec (kept for source compatibility). */
    public static final int CLOEXEC = 0x0001;
    /** {@code _NTO_COF_NOSHARE}: do not share the connection. */
    public static final int NOSHARE = 0x0040;
    /** {@code _NTO_COF_NONBLOCK}: non-blocking connection (asynchronous messaging). */
    public static final int NONBLOCK = 0x0100;
    /** {@code _NTO_COF_ASYNC}: an asynchronous-messaging connection. */
    public static final int ASYNC = 0x0200;
    /** {@code _NTO_COF_NOEVENT}: the server may not deliver events through this connection. */
    public static final int NOEVENT = 0x0800;
    /** {@code _NTO_COF_REG_EVENTS}: events delivered through this connection must be registered. */
    public static final int REG_EVENTS = 0x2000;

    /** Every flag {@link Kernel#connectAttach} accepts. */
    public static final int ALL = CLOEXEC | NOSHARE | NONBLOCK | ASYNC | NOEVENT | REG_EVENTS;

    private ConnectFlags() {
    }
}
