package io.courier.kernel;

/** Flags of {@link Kernel#channelCreate(int)}, with QNX's {@code _NTO_CHF_*} values. */
public final class ChannelFlags {
    /** {@code _NTO_CHF_FIXED_PRIORITY}: receiving threads do not take the sender's priority. */
    public static final int FIXED_PRIORITY = 0x0001;
    /** {@code _NTO_CHF_UNBLOCK}: a REPLY-blocked client that wants out sends an UNBLOCK pulse and waits. */
    public static final int UNBLOCK = 0x0002;
    /** {@code _NTO_CHF_THREAD_DEATH}: a THREADDEATH pulse when a thread of the owner ends. */
    public static final int THREAD_DEATH = 0x0004;
    /** {@code _NTO_CHF_DISCONNECT}: a DISCONNECT pulse when all of a client's connections are gone. */
    public static final int DISCONNECT = 0x0008;
    /** {@code _NTO_CHF_COID_DISCONNECT}: COIDDEATH pulses when a server this process is connected to goes away. */
    public static final int COID_DISCONNECT = 0x0040;
    /** {@code _NTO_CHF_ASYNC_NONBLOCK}: asynchronous get returns nothing instead of blocking. */
    public static final int ASYNC_NONBLOCK = 0x0200;
    /** {@code _NTO_CHF_ASYNC}: an asynchronous-messaging channel. */
    public static final int ASYNC = 0x0400;
    /** {@code _NTO_CHF_PRIVATE}: only the owning process may connect. */
    public static final int PRIVATE = 0x1000;

    /** Every flag {@link Kernel#channelCreate(int)} accepts. */
    public static final int ALL = FIXED_PRIORITY | UNBLOCK | THREAD_DEATH | DISCONNECT | COID_DISCONNECT
            | ASYNC_NONBLOCK | ASYNC | PRIVATE;

    private ChannelFlags() {
    }
}
