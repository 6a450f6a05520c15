package io.courier.kernel.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.node.Member;
import io.courier.node.MemberTable;
import io.courier.node.NodeFolder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's name space ({@code /dev/name/local} of every JVM of the node): the {@code names}
 * file of the node folder, a table of {@value #ENTRIES} entries of {@value #ENTRY_SIZE} bytes
 * after a 64-byte header.
 *
 * <p>An entry: a control long (its state, FREE or LIVE, in bits 0–7; the owning member's slot
 * in bits 8–15 and its generation in bits 16–39), the pid and the chid (ints), the name's length
 * in bytes (an int) and the name in UTF-8. Every change (attach, detach, removing a dead member's
 * names) and every read is made holding the file's lock ({@code fcntl}, which the OS lets go
 * when its JVM dies, even by {@code kill -9}), and, within a JVM, a lock of the file's path. So
 * one JVM's attach and another's can never both take a name. An entry counts only while the
 * member that wrote it is alive in the member table (its slot and generation), so the names of a
 * JVM that died are gone at once, and removed from the file when a member's watcher hears of the
 * death ({@link #removeMember}) or an attach comes upon them.
 *
 * <p>Everything read from the file is checked: the header when opening, each entry's state,
 * member slot, pid, chid and name length before use. An entry that holds anything else is freed
 * (under the lock) and logged, never trusted.
 */
final class NodeNames implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeNames.class);
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    static final String FILE = "names";
    static final long MAGIC = 0x434F555249455231L ^ 0x4E414D4553L; // "COURIER1" ^ "NAMES"
    static final int VERSION = 1;
    static final int HEADER = 64;
    static final int ENTRIES = 1024;
    static final int ENTRY_SIZE = 1024;
    static final long FILE_SIZE = HEADER + (long) ENTRIES * ENTRY_SIZE;
    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 8;
    static final int ENTRIES_OFFSET = 12;
    static final int ENTRY_SIZE_OFFSET = 16;
    /**
     * A change counter, bumped (under the file's lock) by every attach, detach and removal, so
     * that a JVM learns of the other JVMs' changes by reading one long ({@link #generation}).
     * Zero in a file made before it existed, which is still a valid table.
     */
    static final int GENERATION_OFFSET = 24;
    // Within an entry.
    static final int CONTROL = 0;
    static final int PID = 8;
    static final int CHID = 12;
    static final int LENGTH = 16;
    static final int NAME = 20;
    /** The most bytes of a name in UTF-8: {@link Names#NAME_MAX} characters of up to 3 bytes each fit. */
    static final int MAX_NAME_BYTES = ENTRY_SIZE - NAME;
    static final int FREE = 0;
    static final int LIVE = 2;

    /** One lock per names file within the JVM: the OS's file locks are per process. */
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    /** A name of the node: who attached it. */
    record Entry(String name, int pid, int chid, int memberSlot) {
    }

    private final MemorySegment table;
    private final Arena arena;
    private final FileChannel lockChannel;
    private final ReentrantLock jvmLock;
    /** Set once by {@link #close()}; under {@link #jvmLock}. */
    private boolean closed;
    private final MemberTable members;
    private final Member self;
    private final Path path;

    private NodeNames(NodeFolder folder, MemberTable members, Member self) {
        this.members = members;
        this.self = self;
        this.path = folder.path().resolve(FILE);
        folder.createFile(FILE, FILE_SIZE, seg -> {
            seg.set(ValueLayout.JAVA_LONG, MAGIC_OFFSET, MAGIC);
            seg.set(ValueLayout.JAVA_INT, VERSION_OFFSET, VERSION);
            seg.set(ValueLayout.JAVA_INT, ENTRIES_OFFSET, ENTRIES);
            seg.set(ValueLayout.JAVA_INT, ENTRY_SIZE_OFFSET, ENTRY_SIZE);
        });
        Arena a = Arena.ofShared();
        FileChannel ch = null;
        try {
            MemorySegment seg = folder.mapFile(FILE, FILE_SIZE, FILE_SIZE, a);
            if (seg.get(ValueLayout.JAVA_LONG, MAGIC_OFFSET) != MAGIC
                    || seg.get(ValueLayout.JAVA_INT, VERSION_OFFSET) != VERSION
                    || seg.get(ValueLayout.JAVA_INT, ENTRIES_OFFSET) != ENTRIES
                    || seg.get(ValueLayout.JAVA_INT, ENTRY_SIZE_OFFSET) != ENTRY_SIZE) {
                throw new IllegalStateException(path + " is not a name table of version " + VERSION);
            }
            ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            this.table = seg;
            this.arena = a;
            this.lockChannel = ch;
        } catch (IOException e) {
            a.close();
            throw new UncheckedIOException("cannot open " + path, e);
        } catch (RuntimeException e) {
            a.close();
            throw e;
        }
        this.jvmLock = JVM_LOCKS.computeIfAbsent(path.toAbsolutePath().normalize(), p -> new ReentrantLock());
    }

    /** The name table of {@code folder}'s node, created if missing, for the member {@code self}. */
    static NodeNames open(NodeFolder folder, MemberTable members, Member self) {
        return new NodeNames(folder, members, self);
    }

    /**
     * Runs {@code body} holding this JVM's lock and the file's lock, with the members alive just
     * before. They are read before the locks are taken: the member table's watcher calls
     * {@link #removeMember} holding the member table's lock, so reading the members under these
     * locks could deadlock with it.
     */
    private <T> T locked(java.util.function.Function<long[], T> body) {
        long[] owners = liveOwners();
        return lockedWithout(() -> body.apply(owners));
    }

    /** The control owner bits ({@code slot << 8 | generation << 16}) of each member alive now, by slot; -1 when none. */
    private long[] liveOwners() {
        long[] owners = new long[64];
        Arrays.fill(owners, -1);
        List<Member> live = NodeLink.living(members);
        if (members.isClosed()) {
            // The kernel's close left the node first and closes this table next: as lockedWithout says then.
            throw new KernelException(Errno.ESRCH, "the node's member table is closed: this kernel is closing");
        }
        for (Member m : live) {
            owners[m.slot()] = owner(m);
        }
        return owners;
    }

    private static long owner(Member m) {
        return ((long) m.slot() << 8) | ((long) (m.generation() & 0xFF_FFFF) << 16);
    }

    private static long entry(int i) {
        return HEADER + (long) i * ENTRY_SIZE;
    }

    /**
     * The entry at {@code i} when it is LIVE, well-formed and its owner is alive; null otherwise.
     * An entry that is not well-formed, or whose owner is gone, is freed.
     */
    private Entry read(int i, long[] owners, byte[] scratch) {
        long at = entry(i);
        long c = (long) LONG.getAcquire(table, at + CONTROL);
        if (c == 0L) {
            return null;
        }
        int state = (int) (c & 0xFF);
        int slot = (int) ((c >>> 8) & 0xFF);
        int pid = table.get(ValueLayout.JAVA_INT, at + PID);
        int chid = table.get(ValueLayout.JAVA_INT, at + CHID);
        int length = table.get(ValueLayout.JAVA_INT, at + LENGTH);
        if (state != LIVE || slot >= 64 || (c >>> 40) != 0 || pid <= 0 || chid < 0 || length <= 0
                || length > MAX_NAME_BYTES) {
            LOG.error("node name table {}: entry {} is malformed (control {}, pid {}, chid {}, length {}); freeing it",
                    path, i, Long.toHexString(c), pid, chid, length);
            free(i);
            return null;
        }
        if (owners[slot] != (c & ~0xFFL)) {
            free(i); // Its JVM is gone: the name went with it.
            return null;
        }
        MemorySegment.copy(table, ValueLayout.JAVA_BYTE, at + NAME, scratch, 0, length);
        String name;
        try {
            name = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(scratch, 0, length))
                    .toString();
        } catch (CharacterCodingException e) {
            LOG.error("node name table {}: entry {} holds a name that is not UTF-8; freeing it", path, i);
            free(i);
            return null;
        }
        return new Entry(name, pid, chid, slot);
    }

    private void free(int i) {
        LONG.setRelease(table, entry(i) + CONTROL, 0L);
        changed();
    }

    /** Bumps the change counter; called holding the locks. */
    private void changed() {
        LONG.getAndAddRelease(table, (long) GENERATION_OFFSET, 1L);
    }

    /**
     * The table's change counter: it differs from an earlier reading when any JVM of the node has
     * attached or detached a name, or freed a gone member's, since (a peer that writes garbage
     * into it only makes the readers look again).
     */
    long generation() {
        return (long) LONG.getAcquire(table, (long) GENERATION_OFFSET);
    }

    /**
     * Attaches {@code name} for the process {@code pid} of this JVM, channel {@code chid}.
     * Returns false when a living JVM of the node holds it, or when the table is full.
     */
    boolean attach(String name, int pid, int chid) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_NAME_BYTES) {
            return false;
        }
        return locked(owners -> {
            byte[] scratch = new byte[MAX_NAME_BYTES];
            int free = -1;
            for (int i = 0; i < ENTRIES; i++) {
                Entry e = read(i, owners, scratch);
                if (e == null) {
                    if (free < 0 && (long) LONG.getAcquire(table, entry(i) + CONTROL) == 0L) {
                        free = i;
                    }
                } else if (e.name().equals(name)) {
                    return false;
                }
            }
            if (free < 0) {
                LOG.warn("node name table {} is full ({} names): '{}' not attached", path, ENTRIES, name);
                return false;
            }
            long at = entry(free);
            table.set(ValueLayout.JAVA_INT, at + PID, pid);
            table.set(ValueLayout.JAVA_INT, at + CHID, chid);
            table.set(ValueLayout.JAVA_INT, at + LENGTH, bytes.length);
            MemorySegment.copy(bytes, 0, table, ValueLayout.JAVA_BYTE, at + NAME, bytes.length);
            LONG.setRelease(table, at + CONTROL, owner(self) | LIVE);
            changed();
            return true;
        });
    }

    /** Detaches {@code name} if this JVM's process {@code pid} holds it on {@code chid}. */
    void detach(String name, int pid, int chid) {
        locked(owners -> {
            byte[] scratch = new byte[MAX_NAME_BYTES];
            for (int i = 0; i < ENTRIES; i++) {
                Entry e = read(i, owners, scratch);
                if (e != null && e.memberSlot() == self.slot() && e.pid() == pid && e.chid() == chid
                        && e.name().equals(name)) {
                    free(i);
                }
            }
            return null;
        });
    }

    /** The living entry named {@code name}, or null. */
    Entry lookup(String name) {
        return locked(owners -> {
            byte[] scratch = new byte[MAX_NAME_BYTES];
            for (int i = 0; i < ENTRIES; i++) {
                Entry e = read(i, owners, scratch);
                if (e != null && e.name().equals(name)) {
                    return e;
                }
            }
            return null;
        });
    }

    /** Every living name of the node. */
    List<Entry> list() {
        return locked(owners -> {
            byte[] scratch = new byte[MAX_NAME_BYTES];
            List<Entry> out = new ArrayList<>();
            for (int i = 0; i < ENTRIES; i++) {
                Entry e = read(i, owners, scratch);
                if (e != null) {
                    out.add(e);
                }
            }
            return out;
        });
    }

    /** Frees every entry the member {@code gone} wrote: it left or died. Called on the member watcher. */
    void removeMember(Member gone) {
        long owner = owner(gone);
        int removed;
        try {
            removed = lockedWithout(() -> {
                int n = 0;
                for (int i = 0; i < ENTRIES; i++) {
                    long c = (long) LONG.getAcquire(table, entry(i) + CONTROL);
                    if (c != 0 && (c & ~0xFFL) == owner) {
                        free(i);
                        n++;
                    }
                }
                return n;
            });
        } catch (KernelException e) {
            if (e.errno() != Errno.ESRCH) {
                throw e;
            }
            return; // closed here: the other JVMs read gone's entries as a dead member's and skip them
        }
        if (removed > 0) {
            LOG.info("node member {} is gone: its {} name(s) removed", gone, removed);
        }
    }

    /** Runs {@code body} holding this JVM's lock and the file's lock, reading no member. */
    private <T> T lockedWithout(java.util.function.Supplier<T> body) {
        jvmLock.lock();
        try {
            if (closed) {
                // A call that met the kernel's close: what it gets a moment later from the kernel.
                throw new KernelException(Errno.ESRCH, "the node's name table " + path + " is closed: this kernel is closing");
            }
            FileLock fileLock = io.courier.node.FileLocks.lock(lockChannel);
            try {
                return body.get();
            } finally {
                fileLock.release();
            }
        } catch (IOException e) {
            throw new KernelException(Errno.EIO, "cannot lock the node's name table " + path + ": " + e);
        } finally {
            jvmLock.unlock();
        }
    }

    /** Closes the table once; a call under way ends first (it holds this JVM's lock), later calls fail with ESRCH. */
    @Override
    public void close() {
        jvmLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            lockChannel.close();
        } catch (IOException e) {
            LOG.warn("closing {}", path, e);
        } finally {
            jvmLock.unlock();
        }
        arena.close();
    }
}
