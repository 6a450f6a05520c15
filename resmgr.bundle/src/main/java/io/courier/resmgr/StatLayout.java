package io.courier.resmgr;

import java.nio.ByteBuffer;

/**
 * The byte layout of a file's status, the reply to {@code _IO_STAT}: Courier's {@code struct
 * stat}, in native byte order. Times are milliseconds since the epoch.
 *
 * <pre>
 *  0        8        16     20    24    28      32      40      48      56
 *  +--------+--------+------+-----+-----+-------+-------+-------+-------+
 *  | ino    | size   | mode | uid | gid | nlink | atime | mtime | ctime |
 *  | u64    | s64    | u32  | u32 | u32 | u32   | s64   | s64   | s64   |
 *  +--------+--------+------+-----+-----+-------+-------+-------+-------+
 * </pre>
 */
public final class StatLayout {
    /** Offset of {@code st_ino}. */
    public static final int INO = 0;
    /** Offset of {@code st_size}. */
    public static final int SIZE_FIELD = 8;
    /** Offset of {@code st_mode}. */
    public static final int MODE = 16;
    /** Offset of {@code st_uid}. */
    public static final int UID = 20;
    /** Offset of {@code st_gid}. */
    public static final int GID = 24;
    /** Offset of {@code st_nlink}. */
    public static final int NLINK = 28;
    /** Offset of {@code st_atime}. */
    public static final int ATIME = 32;
    /** Offset of {@code st_mtime}. */
    public static final int MTIME = 40;
    /** Offset of {@code st_ctime}. */
    public static final int CTIME = 48;
    /** The size of the structure. */
    public static final int SIZE = 56;

    private StatLayout() {
    }

    /** Writes {@code st} at index {@code at}; the buffer's position is left alone. */
    public static void put(ByteBuffer buf, int at, Stat st) {
        NativeBytes.putI64(buf, at + INO, st.ino());
        NativeBytes.putI64(buf, at + SIZE_FIELD, st.size());
        NativeBytes.putI32(buf, at + MODE, st.mode());
        NativeBytes.putI32(buf, at + UID, st.uid());
        NativeBytes.putI32(buf, at + GID, st.gid());
        NativeBytes.putI32(buf, at + NLINK, st.nlink());
        NativeBytes.putI64(buf, at + ATIME, st.atime());
        NativeBytes.putI64(buf, at + MTIME, st.mtime());
        NativeBytes.putI64(buf, at + CTIME, st.ctime());
    }

    /** Reads the structure at index {@code at}. */
    public static Stat get(ByteBuffer buf, int at) {
        return new Stat(NativeBytes.i64(buf, at + INO), NativeBytes.i64(buf, at + SIZE_FIELD),
                NativeBytes.i32(buf, at + MODE), NativeBytes.i32(buf, at + UID), NativeBytes.i32(buf, at + GID),
                NativeBytes.i32(buf, at + NLINK), NativeBytes.i64(buf, at + ATIME), NativeBytes.i64(buf, at + MTIME),
                NativeBytes.i64(buf, at + CTIME));
    }
}
