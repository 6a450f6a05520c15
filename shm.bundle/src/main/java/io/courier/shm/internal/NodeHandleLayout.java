package io.courier.shm.internal;

/**
 * The layout of the node's shared-memory handle table, the file {@value #FILE} of the node
 * folder: a header and {@value #ENTRIES} fixed entries, one per handle made in one JVM of the
 * node for a process of another (SPEC S4 across JVMs).
 *
 * <pre>
 *   0 +-------------------------------------------------------------------+
 *     | magic (8) | version (4) | entries (4) | entry size (4) | reserved  | 64 bytes
 *  64 +-------------------------------------------------------------------+
 *     | entry 0:  state (8) | handle (8) | target pid (4) | perms (4)       |
 *     |           creator pid (4) | creator slot (4) | creator gen (4)     |
 *     |           target slot (4) | target gen (4) | name length (4)      |
 *     |           ino (8) | reserved (8) | name (256, UTF-8)              |
 *     | entry 1 ...                                   (320 bytes each)     |
 *     +-------------------------------------------------------------------+
 * </pre>
 *
 * <p>The state word is {@code seq << 40 | generation << 16 | slot << 8 | kind}: the kind
 * ({@link #FREE}, {@link #WRITING}, {@link #READY}, {@link #TAKEN}) and the member (slot and
 * generation of the member table) that wrote it, with a per-JVM sequence number. A JVM takes an
 * entry with one compare-and-set on the state word: free to WRITING to fill it in, READY to
 * TAKEN to use, delete or drop it. Because the member and the sequence are in the word, an entry
 * that was freed and filled in again never matches a stale view of it. An entry WRITING or TAKEN
 * by a member that died is dropped by any other member.
 *
 * <p>The handle's object is the file {@link #linkName linkName(handle)} of the node folder, a
 * hard link to the creator's backing file: the name is computed from the handle, never read from
 * the table, and the file's serial number must match {@code ino}.
 */
final class NodeHandleLayout {
    static final String FILE = "shm-handles";
    static final long MAGIC = 0x43_52_53_48_4D_48_44_31L; // "CRSHMHD1"
    static final int VERSION = 1;
    static final int ENTRIES = 1024;
    static final int ENTRY_SIZE = 320;

    static final long MAGIC_OFFSET = 0;
    static final long VERSION_OFFSET = 8;
    static final long ENTRIES_OFFSET = 12;
    static final long ENTRY_SIZE_OFFSET = 16;
    static final long HEADER_SIZE = 64;
    static final long FILE_SIZE = HEADER_SIZE + (long) ENTRIES * ENTRY_SIZE;

    static final long STATE = 0;
    static final long HANDLE = 8;
    static final long TARGET_PID = 16;
    static final long PERMS = 20;
    static final long CREATOR_PID = 24;
    static final long CREATOR_SLOT = 28;
    static final long CREATOR_GEN = 32;
    static final long TARGET_SLOT = 36;
    static final long TARGET_GEN = 40;
    static final long NAME_LENGTH = 44;
    static final long INO = 48;
    static final long NAME = 64;
    static final int NAME_BYTES = ENTRY_SIZE - (int) NAME;

    static final int FREE = 0;
    static final int WRITING = 1;
    static final int READY = 2;
    static final int TAKEN = 3;

    /** Member slots of the node: 0 to 63. */
    static final int MEMBER_SLOTS = 64;
    /** Member generations: 24 bits. */
    static final int GENERATION_MASK = 0xFF_FFFF;

    /** The prefix of the link files, followed by the handle in 16 hex digits. */
    static final String LINK_PREFIX = "shm-h-";

    private NodeHandleLayout() {
    }

    static long entry(int i) {
        return HEADER_SIZE + (long) i * ENTRY_SIZE;
    }

    static long state(int kind, int slot, int generation, long seq) {
        return (seq & 0xFF_FFFFL) << 40 | (long) (generation & GENERATION_MASK) << 16 | (long) (slot & 0xFF) << 8
                | (kind & 0xFF);
    }

    static int kind(long state) {
        return (int) (state & 0xFF);
    }

    static int slot(long state) {
        return (int) (state >>> 8) & 0xFF;
    }

    static int generation(long state) {
        return (int) (state >>> 16) & GENERATION_MASK;
    }

    /** The node-folder file that holds the object of {@code handle}. */
    static String linkName(long handle) {
        return LINK_PREFIX + String.format("%016x", handle);
    }
}
