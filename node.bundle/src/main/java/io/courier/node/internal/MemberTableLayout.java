package io.courier.node.internal;

/**
 * The layout of the node's member table, the file {@value #FILE} of the node folder: a header and
 * {@value #SLOTS} fixed slots, one per JVM of the node.
 *
 * <pre>
 *  0 +--------------------------------------------------+
 *    | magic (8)  | version (4) | slots (4) | slot size (4) | reserved ... | 64 bytes
 * 64 +--------------------------------------------------+
 *    | slot 0: control (8) | start time (8) | heartbeat (8) | joined at (8) | reserved (32)
 *    | slot 1 ...                                         (64 bytes each: one cache line)
 *    +--------------------------------------------------+
 * </pre>
 *
 * <p>The control word is {@code pid << 32 | generation << 8 | state}: claiming a slot writes the
 * claimant's pid and a new generation in the same compare-and-set that takes it, so a slot is
 * never claimed by two JVMs and a stale view of it never matches its next owner. The start time
 * is {@code /proc/<pid>/stat} field 22; the heartbeat is a counter the owner bumps every round
 * (its lease); joined-at is wall-clock milliseconds, for display.
 */
public final class MemberTableLayout {
    public static final String FILE = "members";
    public static final long MAGIC = 0x43_52_4E_4F_44_45_4D_31L; // "CRNODEM1"
    public static final int VERSION = 1;
    public static final int SLOTS = 64;
    public static final int SLOT_SIZE = 64;

    public static final long MAGIC_OFFSET = 0;
    public static final long VERSION_OFFSET = 8;
    public static final long SLOTS_OFFSET = 12;
    public static final long SLOT_SIZE_OFFSET = 16;
    public static final long HEADER_SIZE = 64;
    public static final long FILE_SIZE = HEADER_SIZE + (long) SLOTS * SLOT_SIZE;

    public static final long CONTROL = 0;
    public static final long START_TIME = 8;
    public static final long HEARTBEAT = 16;
    public static final long JOINED_AT = 24;

    public static final int FREE = 0;
    public static final int JOINING = 1;
    public static final int ALIVE = 2;
    public static final int DEAD = 3;

    /** The largest pid Linux hands out ({@code PID_MAX_LIMIT} on 64-bit). */
    public static final long PID_MAX = 1L << 22;

    private MemberTableLayout() {
    }

    public static long slot(int i) {
        return HEADER_SIZE + (long) i * SLOT_SIZE;
    }

    public static long control(long pid, int generation, int state) {
        return pid << 32 | (long) (generation & 0xFF_FFFF) << 8 | (state & 0xFF);
    }

    public static int state(long control) {
        return (int) (control & 0xFF);
    }

    public static int generation(long control) {
        return (int) (control >>> 8) & 0xFF_FFFF;
    }

    public static long pid(long control) {
        return control >>> 32;
    }
}
