package io.courier.resmgr.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.node.Member;
import io.courier.node.NodeFolder;
import io.courier.resmgr.IoAttr;
import io.courier.resmgr.MountInfo;
import io.courier.resmgr.Resmgr;
import io.courier.resmgr.ResmgrFlags;
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
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's pathname space (issue 20, B2): the {@code paths} file of the node folder, where
 * every JVM of the node publishes the paths its managers attach, so that a path attached in one
 * JVM resolves in all of them. A table of {@value #ENTRIES} entries of {@value #ENTRY_SIZE} bytes
 * after a 64-byte header (magic, version, entry count and size, the node's attach sequence and a
 * change counter).
 *
 * <p>An entry: a control long (its state, FREE or LIVE, in bits 0–7; the writing member's slot
 * in bits 8–15 and its generation in bits 16–39), the manager's pid and chid, the attachment's
 * handle (the id its dispatch knows it by), its {@link ResmgrFlags}, its attach sequence (a long:
 * resolution's tie rule, newest first, is node-wide), its attributes' mode, uid and gid, the
 * path's length and the path in UTF-8. A JVM writes only its own entries: when a manager attaches
 * and frees it when the attachment goes (detached, or its process died). An entry counts only
 * while the member that wrote it is alive in the member table (slot and generation), so the paths
 * of a JVM that died are gone as soon as the member watcher declares it dead; they are freed from
 * the file by the next JVM that reads it.
 *
 * <p>Changes and full reads are made holding the file's lock ({@code fcntl}, which the OS lets go
 * when its JVM dies, even by {@code kill -9}) and, within a JVM, a lock of the file's path.
 * Resolution reads none: it uses a parsed snapshot while the change counter stands still, and
 * checks the liveness of a remote entry's member when it uses it. Every field read is checked
 * before use; an entry that holds anything out of bounds is freed and logged (once per entry),
 * never trusted.
 */
final class NodePaths implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodePaths.class);
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    static final String FILE = "paths";
    static final long MAGIC = 0x434F555249455231L ^ 0x5041544853L; // "COURIER1" ^ "PATHS"
    static final int VERSION = 1;
    static final int HEADER = 64;
    static final int ENTRIES = 1024;
    static final int ENTRY_SIZE = 1088;
    static final long FILE_SIZE = HEADER + (long) ENTRIES * ENTRY_SIZE;
    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 8;
    static final int ENTRIES_OFFSET = 12;
    static final int ENTRY_SIZE_OFFSET = 16;
    static final int SEQ_OFFSET = 24;
    static final int CHANGES_OFFSET = 32;
    // Within an entry.
    static final int CONTROL = 0;
    static final int PID = 8;
    static final int CHID = 12;
    static final int HANDLE = 16;
    static final int FLAGS = 20;
    static final int SEQ = 24;
    static final int MODE = 32;
    static final int UID = 36;
    static final int GID = 40;
    static final int LENGTH = 44;
    static final int PATH = 48;
    static final int MAX_PATH_BYTES = Resmgr.PATH_MAX;
    static final int FREE = 0;
    static final int LIVE = 2;
    private static final int MEMBER_SLOTS = 64;

    /** One lock per paths file within the JVM: the OS's file locks are per process. */
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    /** A path another JVM of the node attached: what resolution needs to reach its manager. */
    static final class Entry implements Target {
        final NodePaths table;
        final int index;
        final String path;
        final int pid;
        final int chid;
        final int handle;
        final int flags;
        final long seq;
        final int mode;
        final int uid;
        final int gid;
        final int slot;
        final int generation;

        Entry(NodePaths table, int index, String path, int pid, int chid, int handle, int flags, long seq, int mode,
                int uid, int gid, int slot, int generation) {
            this.table = table;
            this.index = index;
            this.path = path;
            this.pid = pid;
            this.chid = chid;
            this.handle = handle;
            this.flags = flags;
            this.seq = seq;
            this.mode = mode;
            this.uid = uid;
            this.gid = gid;
            this.slot = slot;
            this.generation = generation;
        }

        @Override
        public int pid() {
            return pid;
        }

        @Override
        public int chid() {
            return chid;
        }

        @Override
        public int handle() {
            return handle;
        }

        @Override
        public int flags() {
            return flags;
        }

        @Override
        public long seq() {
            return seq;
        }

        /** Whether the member that wrote it is still the one alive in its slot. */
        @Override
        public boolean alive() {
            return table.alive(this);
        }

        MountInfo info() {
            return new MountInfo(path, pid, chid, flags, mode, uid, gid);
        }

        @Override
        public String toString() {
            return "NodePath[" + path + " pid " + pid + " chid " + chid + " member " + slot + "]";
        }
    }

    /** The parsed table as of a change count: the other members' entries by path. */
    private record Snapshot(long changes, Map<String, Entry[]> byPath) {
    }

    private final Microkernel mk;
    private final Member self;
    private final Path path;
    private final MemorySegment table;
    private final FileChannel lockChannel;
    private final ReentrantLock jvmLock;
    /** Entries found malformed (logged once each); guarded by the locks. */
    private final BitSet logged = new BitSet(ENTRIES);
    private volatile Snapshot snapshot = new Snapshot(Long.MIN_VALUE, Map.of());
    private volatile boolean closed;

    private NodePaths(Microkernel mk, NodeFolder folder, Member self) {
        this.mk = mk;
        this.self = self;
        this.path = folder.path().resolve(FILE);
        folder.createFile(FILE, FILE_SIZE, seg -> {
            seg.set(ValueLayout.JAVA_LONG, MAGIC_OFFSET, MAGIC);
            seg.set(ValueLayout.JAVA_INT, VERSION_OFFSET, VERSION);
            seg.set(ValueLayout.JAVA_INT, ENTRIES_OFFSET, ENTRIES);
            seg.set(ValueLayout.JAVA_INT, ENTRY_SIZE_OFFSET, ENTRY_SIZE);
        });
        // Unmapped by the collector once unreachable: a resolution under way never meets a closed mapping.
        MemorySegment seg = folder.mapFile(FILE, FILE_SIZE, FILE_SIZE, Arena.ofAuto());
        if (seg.get(ValueLayout.JAVA_LONG, MAGIC_OFFSET) != MAGIC || seg.get(ValueLayout.JAVA_INT, VERSION_OFFSET) != VERSION
                || seg.get(ValueLayout.JAVA_INT, ENTRIES_OFFSET) != ENTRIES
                || seg.get(ValueLayout.JAVA_INT, ENTRY_SIZE_OFFSET) != ENTRY_SIZE) {
            throw new IllegalStateException(path + " is not a path table of version " + VERSION);
        }
        try {
            this.lockChannel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + path, e);
        }
        this.table = seg;
        this.jvmLock = JVM_LOCKS.computeIfAbsent(path.toAbsolutePath().normalize(), p -> new ReentrantLock());
    }

    /**
     * The node's path table for {@code mk}, created if missing; null when {@code mk} joined no
     * node, or (logged) when the table cannot be opened: then its paths stay its own.
     */
    static NodePaths open(Microkernel mk) {
        NodeFolder folder = mk.nodeFolder();
        Member self = mk.nodeSelf();
        if (folder == null || self == null) {
            return null;
        }
        try {
            return new NodePaths(mk, folder, self);
        } catch (RuntimeException e) {
            LOG.error("node {}: cannot open the path table; this JVM's paths stay its own", folder.name(), e);
            return null;
        }
    }

    private static long owner(int slot, int generation) {
        return ((long) slot << 8) | ((long) (generation & 0xFF_FFFF) << 16);
    }

    private long selfOwner() {
        return owner(self.slot(), self.generation());
    }

    private static long entry(int i) {
        return HEADER + (long) i * ENTRY_SIZE;
    }

    // ------------------------------------------------------------------ writing this JVM's entries

    /** The next number of the node's attach order. */
    long nextSeq() {
        return locked(this::takeSeq);
    }

    private long takeSeq() {
        long s = table.get(ValueLayout.JAVA_LONG, SEQ_OFFSET);
        long next = s <= 0 || s == Long.MAX_VALUE ? 1 : s + 1;
        table.set(ValueLayout.JAVA_LONG, SEQ_OFFSET, next);
        return next;
    }

    /**
     * Publishes an attachment of this JVM's process {@code pid}: {@code path} served on
     * {@code chid}, known to its dispatch as {@code handle}, {@code seq}th in the node's attach
     * order ({@link #nextSeq}). Returns its index; -1 (logged) when the table is full: then only
     * this JVM resolves it.
     */
    int publish(String path, int pid, int chid, int handle, int flags, IoAttr attr, long seq) {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_PATH_BYTES) {
            return -1;
        }
        return locked(() -> {
            for (int i = 0; i < ENTRIES; i++) {
                long at = entry(i);
                if ((long) LONG.getAcquire(table, at + CONTROL) != 0L) {
                    continue;
                }
                table.set(ValueLayout.JAVA_INT, at + PID, pid);
                table.set(ValueLayout.JAVA_INT, at + CHID, chid);
                table.set(ValueLayout.JAVA_INT, at + HANDLE, handle);
                table.set(ValueLayout.JAVA_INT, at + FLAGS, flags);
                table.set(ValueLayout.JAVA_LONG, at + SEQ, seq);
                table.set(ValueLayout.JAVA_INT, at + MODE, attr.mode());
                table.set(ValueLayout.JAVA_INT, at + UID, attr.uid());
                table.set(ValueLayout.JAVA_INT, at + GID, attr.gid());
                table.set(ValueLayout.JAVA_INT, at + LENGTH, bytes.length);
                MemorySegment.copy(bytes, 0, table, ValueLayout.JAVA_BYTE, at + PATH, bytes.length);
                LONG.setRelease(table, at + CONTROL, selfOwner() | LIVE);
                changed();
                return i;
            }
            LOG.warn("node path table {} is full ({} paths): '{}' resolves in its own JVM only", this.path, ENTRIES, path);
            return -1;
        });
    }

    /** Frees the entry at {@code index} if it is still this JVM's for {@code pid}, {@code chid} and {@code handle}. */
    void withdraw(int index, int pid, int chid, int handle) {
        if (index < 0 || index >= ENTRIES) {
            return;
        }
        try {
            locked(() -> {
                long at = entry(index);
                if ((long) LONG.getAcquire(table, at + CONTROL) == (selfOwner() | LIVE)
                        && table.get(ValueLayout.JAVA_INT, at + PID) == pid
                        && table.get(ValueLayout.JAVA_INT, at + CHID) == chid
                        && table.get(ValueLayout.JAVA_INT, at + HANDLE) == handle) {
                    free(index);
                    changed();
                }
                return null;
            });
        } catch (KernelException e) {
            if (!closed) {
                throw e;
            }
            // Closed: the other JVMs read this JVM's entries as a dead member's and skip them.
        }
    }

    private void free(int i) {
        LONG.setRelease(table, entry(i) + CONTROL, 0L);
    }

    private void changed() {
        long c = table.get(ValueLayout.JAVA_LONG, CHANGES_OFFSET);
        LONG.setRelease(table, (long) CHANGES_OFFSET, c + 1);
    }

    // ------------------------------------------------------------------ reading the others' entries

    /**
     * The other members' attachments by path, as of the last change to the table; their
     * liveness is checked on use ({@link Entry#alive}).
     */
    Map<String, Entry[]> byPath() {
        if (closed) {
            return Map.of();
        }
        Snapshot s = snapshot;
        long changes = (long) LONG.getAcquire(table, (long) CHANGES_OFFSET);
        if (s.changes() == changes) {
            return s.byPath();
        }
        try {
            s = locked(this::parse);
        } catch (RuntimeException e) {
            if (closed) {
                return Map.of();
            }
            throw e;
        }
        snapshot = s;
        return s.byPath();
    }

    /** Reads every entry, under the locks; frees the malformed ones and those of members gone. */
    private Snapshot parse() {
        long changes = (long) LONG.getAcquire(table, (long) CHANGES_OFFSET);
        Map<String, List<Entry>> found = new HashMap<>();
        byte[] scratch = new byte[MAX_PATH_BYTES];
        boolean freed = false;
        for (int i = 0; i < ENTRIES; i++) {
            long at = entry(i);
            long c = (long) LONG.getAcquire(table, at + CONTROL);
            if (c == 0L) {
                continue;
            }
            Entry e = read(i, c, scratch);
            if (e == null) {
                free(i);
                freed = true;
                continue;
            }
            if (e.slot == self.slot()) {
                if ((c & ~0xFFL) != selfOwner()) {
                    free(i); // Left by an earlier JVM in this slot.
                    freed = true;
                }
                continue; // This JVM's own: its local table has them.
            }
            Member m = mk.nodeMember(e.pid);
            if (m == null || m.slot() != e.slot || (m.generation() & 0xFF_FFFF) != e.generation) {
                free(i); // Its JVM is gone: the path went with it.
                freed = true;
                continue;
            }
            found.computeIfAbsent(e.path, p -> new ArrayList<>(1)).add(e);
        }
        if (freed) {
            changed();
            changes = (long) LONG.getAcquire(table, (long) CHANGES_OFFSET);
        }
        Map<String, Entry[]> byPath = new HashMap<>();
        for (Map.Entry<String, List<Entry>> f : found.entrySet()) {
            byPath.put(f.getKey(), f.getValue().toArray(Entry[]::new));
        }
        return new Snapshot(changes, Map.copyOf(byPath));
    }

    /** The entry at {@code i} with control {@code c} when every field is in bounds; null (logged once) otherwise. */
    private Entry read(int i, long c, byte[] scratch) {
        long at = entry(i);
        int state = (int) (c & 0xFF);
        int slot = (int) ((c >>> 8) & 0xFF);
        int generation = (int) ((c >>> 16) & 0xFF_FFFF);
        int pid = table.get(ValueLayout.JAVA_INT, at + PID);
        int chid = table.get(ValueLayout.JAVA_INT, at + CHID);
        int handle = table.get(ValueLayout.JAVA_INT, at + HANDLE);
        int flags = table.get(ValueLayout.JAVA_INT, at + FLAGS);
        long seq = table.get(ValueLayout.JAVA_LONG, at + SEQ);
        int mode = table.get(ValueLayout.JAVA_INT, at + MODE);
        int uid = table.get(ValueLayout.JAVA_INT, at + UID);
        int gid = table.get(ValueLayout.JAVA_INT, at + GID);
        int length = table.get(ValueLayout.JAVA_INT, at + LENGTH);
        String bad = null;
        if (state != LIVE || slot >= MEMBER_SLOTS || (c >>> 40) != 0) {
            bad = "control " + Long.toHexString(c);
        } else if (pid <= 0 || chid < 0 || handle <= 0) {
            bad = "pid " + pid + ", chid " + chid + ", handle " + handle;
        } else if ((flags & ~ResmgrFlags.ALL) != 0
                || (flags & ResmgrFlags.BEFORE) != 0 && (flags & ResmgrFlags.AFTER) != 0) {
            bad = "flags 0x" + Integer.toHexString(flags);
        } else if (seq <= 0) {
            bad = "sequence " + seq;
        } else if ((mode & ~0xFFFF) != 0 || uid < 0 || gid < 0) {
            bad = "mode 0" + Integer.toOctalString(mode) + ", uid " + uid + ", gid " + gid;
        } else if (length <= 0 || length > MAX_PATH_BYTES) {
            bad = "path length " + length;
        }
        String p = null;
        if (bad == null) {
            MemorySegment.copy(table, ValueLayout.JAVA_BYTE, at + PATH, scratch, 0, length);
            try {
                p = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(scratch, 0, length))
                        .toString();
                PathNames.checkAttachPath(p);
            } catch (CharacterCodingException e) {
                bad = "a path that is not UTF-8";
            } catch (RuntimeException e) {
                bad = "a path that is not canonical";
            }
        }
        if (bad != null) {
            if (!logged.get(i)) {
                logged.set(i);
                LOG.error("node path table {}: entry {} is malformed ({}); skipping and freeing it", path, i, bad);
            }
            return null;
        }
        return new Entry(this, i, p, pid, chid, handle, flags, seq, mode, uid, gid, slot, generation);
    }

    /** Whether {@code e}'s member is still the one alive in its slot; a dead one has the table read again. */
    boolean alive(Entry e) {
        Member m = closed ? null : mk.nodeMember(e.pid);
        if (m != null && m.slot() == e.slot && (m.generation() & 0xFF_FFFF) == e.generation) {
            return true;
        }
        Snapshot s = snapshot;
        if (s.byPath().containsKey(e.path)) {
            // The next reader parses again, freeing the dead member's entries.
            snapshot = new Snapshot(Long.MIN_VALUE, s.byPath());
        }
        return false;
    }

    /** Runs {@code body} holding this JVM's lock and the file's lock. */
    private <T> T locked(Supplier<T> body) {
        jvmLock.lock();
        try {
            if (closed) {
                // A call that met the kernel's close: what it gets a moment later from the kernel.
                throw new KernelException(Errno.ESRCH, "the node's path table " + path + " is closed: this kernel is closing");
            }
            FileLock fileLock = io.courier.node.FileLocks.lock(lockChannel);
            try {
                return body.get();
            } finally {
                fileLock.release();
            }
        } catch (IOException e) {
            throw new KernelException(Errno.EIO, "cannot lock the node's path table " + path + ": " + e);
        } finally {
            jvmLock.unlock();
        }
    }

    @Override
    public void close() {
        jvmLock.lock();
        try {
            closed = true;
            lockChannel.close();
        } catch (IOException e) {
            LOG.warn("closing {}", path, e);
        } finally {
            jvmLock.unlock();
        }
    }

    @Override
    public String toString() {
        return "NodePaths[" + path + ", member " + self.slot() + "]";
    }
}
