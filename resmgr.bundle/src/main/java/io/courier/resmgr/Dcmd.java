package io.courier.resmgr;

/**
 * {@code devctl()} commands, encoded as QNX's {@code <devctl.h>} does:
 *
 * <pre>
 *  31 30 29           16 15        8 7         0
 *  +--+--+--------------+-----------+-----------+
 *  |to|fr| size (14)    | class (8) | cmd (8)   |
 *  +--+--+--------------+-----------+-----------+
 * </pre>
 *
 * {@code to}: data goes to the manager; {@code from}: data comes back; {@code size}: the
 * bytes of the data.
 */
public final class Dcmd {
    /** {@code DEVDIR_NONE}. */
    public static final int DEVDIR_NONE = 0;
    /** {@code DEVDIR_TO}: data to the manager. */
    public static final int DEVDIR_TO = 0x80000000;
    /** {@code DEVDIR_FROM}: data from the manager. */
    public static final int DEVDIR_FROM = 0x40000000;
    /** {@code DEVDIR_TOFROM}. */
    public static final int DEVDIR_TOFROM = DEVDIR_TO | DEVDIR_FROM;
    /** {@code _DCMD_ALL}: the class of commands every manager understands. */
    public static final int DCMD_ALL = 0x01;
    /** {@code _DCMD_MISC}: the class for manager-specific commands. */
    public static final int DCMD_MISC = 0x05;
    /** {@code DCMD_ALL_GETFLAGS}: the open flags of the fd (an int from the manager). */
    public static final int DCMD_ALL_GETFLAGS = from(DCMD_ALL, 0x01, 4);
    /** {@code DCMD_ALL_SETFLAGS}: sets {@code O_APPEND} and {@code O_NONBLOCK} (an int to the manager). */
    public static final int DCMD_ALL_SETFLAGS = to(DCMD_ALL, 0x02, 4);

    private Dcmd() {
    }

    /** {@code __DION(class, cmd)}: no data. */
    public static int none(int dclass, int cmd) {
        return code(DEVDIR_NONE, dclass, cmd, 0);
    }

    /** {@code __DIOT(class, cmd, size)}: {@code size} bytes to the manager. */
    public static int to(int dclass, int cmd, int size) {
        return code(DEVDIR_TO, dclass, cmd, size);
    }

    /** {@code __DIOF(class, cmd, size)}: {@code size} bytes from the manager. */
    public static int from(int dclass, int cmd, int size) {
        return code(DEVDIR_FROM, dclass, cmd, size);
    }

    /** {@code __DIOTF(class, cmd, size)}: {@code size} bytes each way. */
    public static int toFrom(int dclass, int cmd, int size) {
        return code(DEVDIR_TOFROM, dclass, cmd, size);
    }

    /** The data size a command declares. */
    public static int size(int dcmd) {
        return (dcmd >>> 16) & 0x3FFF;
    }

    private static int code(int dir, int dclass, int cmd, int size) {
        return dir | ((size & 0x3FFF) << 16) | ((dclass & 0xFF) << 8) | (cmd & 0xFF);
    }
}
