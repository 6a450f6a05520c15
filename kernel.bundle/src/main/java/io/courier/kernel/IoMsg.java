package io.courier.kernel;

/**
 * System message types ({@code _IO_*}). Types 0 to {@link #IO_MAX} belong to the system;
 * applications use types above it.
 */
public final class IoMsg {
    /** {@code _IO_BASE}. */
    public static final int IO_BASE = 0x100;
    /** {@code _IO_CONNECT}: the first message of {@code name_open()} and {@code open()}. */
    public static final int IO_CONNECT = IO_BASE;
    /** {@code _IO_READ}. */
    public static final int IO_READ = IO_BASE + 1;
    /** {@code _IO_WRITE}. */
    public static final int IO_WRITE = IO_BASE + 2;
    /** {@code _IO_RSVD_CLOSE_OCB}. */
    public static final int IO_CLOSE_OCB = IO_BASE + 3;
    /** {@code _IO_STAT}. */
    public static final int IO_STAT = IO_BASE + 4;
    /** {@code _IO_NOTIFY}. */
    public static final int IO_NOTIFY = IO_BASE + 5;
    /** {@code _IO_DEVCTL}. */
    public static final int IO_DEVCTL = IO_BASE + 6;
    /** {@code _IO_LSEEK}. */
    public static final int IO_LSEEK = IO_BASE + 9;
    /** {@code _IO_CLOSE}. */
    public static final int IO_CLOSE = IO_BASE + 0x1F;
    /** {@code _IO_MAX}: the highest system message type (511). */
    public static final int IO_MAX = 0x1FF;

    private IoMsg() {
    }
}
