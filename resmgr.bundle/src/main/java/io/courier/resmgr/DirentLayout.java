package io.courier.resmgr;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The byte layout of one directory entry as a {@code read()} of a directory returns them,
 * QNX's {@code struct dirent} in native byte order; records follow each other, each padded to
 * 8 bytes. {@code d_offset} is the index of the entry, where a later read continues.
 *
 * <pre>
 *  0        8          16       18         20
 *  +--------+----------+--------+----------+-----------------+-----+
 *  | d_ino  | d_offset | reclen | namelen  | d_name ... NUL  | pad |
 *  | u64    | s64      | u16    | u16      | namelen + 1     | to 8|
 *  +--------+----------+--------+----------+-----------------+-----+
 * </pre>
 */
public final class DirentLayout {
    /** Offset of {@code d_ino}. */
    public static final int INO = 0;
    /** Offset of {@code d_offset}. */
    public static final int OFFSET = 8;
    /** Offset of {@code d_reclen}: the record's size with padding. */
    public static final int RECLEN = 16;
    /** Offset of {@code d_namelen}: the name's bytes without the NUL. */
    public static final int NAMELEN = 18;
    /** Offset of {@code d_name}. */
    public static final int NAME = 20;

    private DirentLayout() {
    }

    /** The bytes the record of a name of {@code nameBytes} UTF-8 bytes takes. */
    public static int recordSize(int nameBytes) {
        return (NAME + nameBytes + 1 + 7) & ~7;
    }

    /**
     * Writes the record of {@code entry} at index {@code at}.
     *
     * @return the record's size
     */
    public static int put(ByteBuffer buf, int at, DirEntry entry, long offset) {
        byte[] name = entry.name().getBytes(StandardCharsets.UTF_8);
        int reclen = recordSize(name.length);
        NativeBytes.zero(buf, at, reclen);
        NativeBytes.putI64(buf, at + INO, entry.ino());
        NativeBytes.putI64(buf, at + OFFSET, offset);
        NativeBytes.putI16(buf, at + RECLEN, reclen);
        NativeBytes.putI16(buf, at + NAMELEN, name.length);
        buf.put(at + NAME, name);
        return reclen;
    }

    /** The {@code d_reclen} of the record at index {@code at}. */
    public static int reclen(ByteBuffer buf, int at) {
        return NativeBytes.u16(buf, at + RECLEN);
    }

    /** The {@code d_offset} of the record at index {@code at}. */
    public static long offset(ByteBuffer buf, int at) {
        return NativeBytes.i64(buf, at + OFFSET);
    }

    /** Reads the record at index {@code at}. */
    public static DirEntry get(ByteBuffer buf, int at) {
        int n = NativeBytes.u16(buf, at + NAMELEN);
        byte[] name = new byte[n];
        buf.get(at + NAME, name);
        return new DirEntry(NativeBytes.i64(buf, at + INO), new String(name, StandardCharsets.UTF_8));
    }
}
