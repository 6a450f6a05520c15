package io.courier.examples.shm.posix;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * {@code shmem_posix.h}: the structure overlaid on the shared memory object, and its name. A
 * bundle of its own: the user imports it, never the creator.
 *
 * <pre>
 *  0             32         48          56             64                 164
 *  +-------------+----------+-----------+--------------+------------------+
 *  | mutex       | condvar  | init_flag | data_version | text[100]        |
 *  | (SyncLayout)|          | s32       | u64          | NUL-terminated   |
 *  +-------------+----------+-----------+--------------+------------------+
 * </pre>
 */
public final class ShmemPosix {
    /** The object's name, as the seed's {@code shmem_posix_creator /wally}. */
    public static final String NAME = "/wally";
    /** The robust process-shared mutex. */
    public static final long MUTEX = 0;
    /** The condvar broadcast on every update. */
    public static final long COND = 32;
    /** Set (release) once the object is set up. */
    public static final long INIT_FLAG = 48;
    /** Moves on every update; the condvar alone would lose updates made while nobody waits. */
    public static final long DATA_VERSION = 56;
    /** The configuration text. */
    public static final long TEXT = 64;
    /** Room for the text and its NUL. */
    public static final int MAX_TEXT_LEN = 100;
    /** The object's size. */
    public static final long SIZE = TEXT + MAX_TEXT_LEN;

    private ShmemPosix() {
    }

    /** Writes {@code text} (cut to fit) and its NUL at {@link #TEXT}. */
    public static void writeText(MemorySegment seg, String text) {
        byte[] b = (text + "\0").getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(MemorySegment.ofArray(b), 0, seg, TEXT, Math.min(b.length, MAX_TEXT_LEN));
    }

    /** The text at {@link #TEXT}, up to its NUL or {@link #MAX_TEXT_LEN} bytes. */
    public static String readText(MemorySegment seg) {
        return seg.asSlice(TEXT, MAX_TEXT_LEN).getString(0, StandardCharsets.US_ASCII);
    }
}
