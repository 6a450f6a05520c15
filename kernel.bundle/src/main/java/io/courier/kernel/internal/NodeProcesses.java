package io.courier.kernel.internal;

import io.courier.node.Member;
import io.courier.node.MemberTable;
import io.courier.node.NodeFolder;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's process table ({@code pidin} of the whole node, issue 20): the {@code procs} file of
 * the node folder, a 64-byte header then one region of {@value #PER_MEMBER} entries of
 * {@value #ENTRY_SIZE} bytes per member slot. Each JVM writes only its own region, so writing
 * takes no lock between JVMs: a process is written when it is made, its thread summary when the
 * reaper sees it change (at most every reaper interval), and it is cleared when the process dies.
 * Nothing here is on the message path.
 *
 * <p>An entry: a control long (state FREE, WRITING or LIVE in bits 0–7, the owner's member slot in
 * bits 8–15 and generation in bits 16–39, a change count in bits 40–62), the pid, the thread
 * count, the name's and the summary's lengths (ints), then the process name (UTF-8, at most
 * {@value #MAX_NAME} bytes, cut at a character) and the thread states' summary (at most
 * {@value #MAX_SUMMARY} bytes). The owner marks the entry WRITING, writes, then makes it LIVE
 * with the next change count; a reader reads the control, the fields, then the control again,
 * and takes the entry only when both readings are the same LIVE word (a sequence lock).
 *
 * <p>An entry counts only while its owner is alive in the member table (slot and generation), so
 * a dead JVM's processes are gone from every listing at once; a JVM that sees a member go clears
 * the entries it left. Everything read is checked (state, slot, that the pid names the region's
 * member, counts and lengths within bounds, valid UTF-8): an entry that is not well-formed is
 * skipped and logged, never trusted.
 */
final class NodeProcesses implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeProcesses.class);
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    static final String FILE = "procs";
    static final long MAGIC = 0x434F555249455231L ^ 0x50524F4353L; // "COURIER1" ^ "PROCS"
    static final int VERSION = 1;
    static final int HEADER = 64;
    static final int MEMBERS = 64;
    static final int PER_MEMBER = 512;
    static final int ENTRY_SIZE = 256;
    static final long FILE_SIZE = HEADER + (long) MEMBERS * PER_MEMBER * ENTRY_SIZE;
    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 8;
    static final int MEMBERS_OFFSET = 12;
    static final int PER_MEMBER_OFFSET = 16;
    static final int ENTRY_SIZE_OFFSET = 20;
    // Within an entry.
    static final int CONTROL = 0;
    static final int PID = 8;
    static final int THREADS = 12;
    static final int NAME_LENGTH = 16;
    static final int SUMMARY_LENGTH = 20;
    static final int NAME = 24;
    static final int MAX_NAME = 128;
    static final int SUMMARY = NAME + MAX_NAME;
    static final int MAX_SUMMARY = ENTRY_SIZE - SUMMARY;
    /** The most threads an entry may claim; more means garbage. */
    static final int MAX_THREADS = 1 << 24;
    static final int FREE = 0;
    static final int WRITING = 1;
    static final int LIVE = 2;
    private static final long OWNER_MASK = 0xFF_FFFF_FF00L;
    private static final int SEQ_SHIFT = 40;
    private static final long SEQ_MASK = (1L << 23) - 1;
    /** How long one listing waits in all for entries being written. */
    private static final long PATIENCE_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(20);

    /** A process of the node, as its JVM wrote it. */
    record Entry(int pid, String name, int threads, String summary, int memberSlot) {
    }

    private final MemorySegment table;
    private final Arena arena;
    private final MemberTable members;
    private final Member self;
    private final Path path;
    /** Guards this JVM's writes to its region. */
    private final ReentrantLock lock = new ReentrantLock();
    /** This JVM's processes: pid to entry index in its region; guarded by {@link #lock}. */
    private final Map<Integer, Integer> mine = new HashMap<>();
    /** The thread summary last written, by pid; guarded by {@link #lock}. */
    private final Map<Integer, String> written = new HashMap<>();
    /** Which entries of this JVM's region hold a process; guarded by {@link #lock}. */
    private final boolean[] used = new boolean[PER_MEMBER];
    /**
     * Each entry's change count, kept here so that it never repeats while the entry is freed and
     * reused (a reader must never see the same LIVE word before and after a write); guarded by
     * {@link #lock}.
     */
    private final long[] seqs = new long[PER_MEMBER];
    /** Set by {@link #close} (under {@link #lock}): a process that dies after it is not written. */
    private volatile boolean closed;
    /** Whether a full region was logged; guarded by {@link #lock}. */
    private boolean fullLogged;
    /** The malformed control words logged already, by entry, so a bad entry is logged once, not at every listing. */
    private final Map<Integer, Long> reported = new ConcurrentHashMap<>();

    private NodeProcesses(NodeFolder folder, MemberTable members, Member self) {
        this.members = members;
        this.self = self;
        this.path = folder.path().resolve(FILE);
        folder.createFile(FILE, FILE_SIZE, seg -> {
            seg.set(ValueLayout.JAVA_LONG, MAGIC_OFFSET, MAGIC);
            seg.set(ValueLayout.JAVA_INT, VERSION_OFFSET, VERSION);
            seg.set(ValueLayout.JAVA_INT, MEMBERS_OFFSET, MEMBERS);
            seg.set(ValueLayout.JAVA_INT, PER_MEMBER_OFFSET, PER_MEMBER);
            seg.set(ValueLayout.JAVA_INT, ENTRY_SIZE_OFFSET, ENTRY_SIZE);
        });
        Arena a = Arena.ofShared();
        try {
            MemorySegment seg = folder.mapFile(FILE, FILE_SIZE, FILE_SIZE, a);
            if (seg.get(ValueLayout.JAVA_LONG, MAGIC_OFFSET) != MAGIC
                    || seg.get(ValueLayout.JAVA_INT, VERSION_OFFSET) != VERSION
                    || seg.get(ValueLayout.JAVA_INT, MEMBERS_OFFSET) != MEMBERS
                    || seg.get(ValueLayout.JAVA_INT, PER_MEMBER_OFFSET) != PER_MEMBER
                    || seg.get(ValueLayout.JAVA_INT, ENTRY_SIZE_OFFSET) != ENTRY_SIZE) {
                throw new IllegalStateException(path + " is not a process table of version " + VERSION);
            }
            this.table = seg;
            this.arena = a;
        } catch (RuntimeException e) {
            a.close();
            throw e;
        }
        // Whatever an earlier owner of this member slot left is not ours.
        clearRegion(self.slot(), -1L);
    }

    /** The process table of {@code folder}'s node, created if missing, for the member {@code self}. */
    static NodeProcesses open(NodeFolder folder, MemberTable members, Member self) {
        return new NodeProcesses(folder, members, self);
    }

    private static long owner(Member m) {
        return ((long) m.slot() << 8) | ((long) (m.generation() & 0xFF_FFFF) << 16);
    }

    private static long entry(int memberSlot, int i) {
        return HEADER + ((long) memberSlot * PER_MEMBER + i) * ENTRY_SIZE;
    }

    // ------------------------------------------------------------------ this JVM's writes

    /** Lists the new process {@code pid} of this JVM, named {@code name}, with no thread yet. */
    void add(int pid, String name) {
        lock.lock();
        try {
            if (closed || mine.containsKey(pid)) {
                return;
            }
            int i = 0;
            while (i < PER_MEMBER && used[i]) {
                i++;
            }
            if (i == PER_MEMBER) {
                if (!fullLogged) {
                    fullLogged = true;
                    LOG.warn("node process table {}: this JVM has {} processes listed; process {} ({}) and later "
                            + "ones are not shown to the other JVMs", path, PER_MEMBER, pid, name);
                }
                return;
            }
            used[i] = true;
            mine.put(pid, i);
            written.put(pid, key(0, ""));
            write(i, pid, name, 0, "");
        } finally {
            lock.unlock();
        }
    }

    /** Updates the thread count and state summary of this JVM's process {@code pid}, if it changed. */
    void update(int pid, String name, int threads, String summary) {
        lock.lock();
        try {
            Integer i = mine.get(pid);
            String key = key(threads, summary);
            if (closed || i == null || key.equals(written.get(pid))) {
                return;
            }
            written.put(pid, key);
            write(i, pid, name, threads, summary);
        } finally {
            lock.unlock();
        }
    }

    private static String key(int threads, String summary) {
        return threads + " " + summary;
    }

    /** The process {@code pid} of this JVM died: it leaves the table. */
    void remove(int pid) {
        lock.lock();
        try {
            Integer i = mine.remove(pid);
            written.remove(pid);
            if (closed || i == null) {
                return;
            }
            used[i] = false;
            long at = entry(self.slot(), i);
            long c = (long) LONG.getAcquire(table, at + CONTROL);
            if ((c & OWNER_MASK) == owner(self)) {
                LONG.compareAndSet(table, at + CONTROL, c, 0L);
            }
        } finally {
            lock.unlock();
        }
    }

    /** The pids of this JVM listed now (for the reaper's updates and the tests). */
    List<Integer> listedHere() {
        lock.lock();
        try {
            return new ArrayList<>(mine.keySet());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes entry {@code i} of this JVM's region under the sequence lock: WRITING (one compare
     * and set from the word there), the fields, then LIVE with the next change count. Called
     * holding {@link #lock}.
     */
    private void write(int i, int pid, String name, int threads, String summary) {
        long at = entry(self.slot(), i);
        long c = (long) LONG.getAcquire(table, at + CONTROL);
        long own = owner(self);
        long seq = seqs[i];
        seqs[i] = (seq + 1) & SEQ_MASK;
        if (!LONG.compareAndSet(table, at + CONTROL, c, own | WRITING | (seq << SEQ_SHIFT))) {
            LOG.warn("node process table {}: entry {} of this JVM changed under it; process {} not listed", path, i,
                    pid);
            return;
        }
        byte[] n = utf8(name, MAX_NAME);
        byte[] s = utf8(summary, MAX_SUMMARY);
        table.set(ValueLayout.JAVA_INT, at + PID, pid);
        table.set(ValueLayout.JAVA_INT, at + THREADS, Math.max(0, Math.min(threads, MAX_THREADS)));
        table.set(ValueLayout.JAVA_INT, at + NAME_LENGTH, n.length);
        table.set(ValueLayout.JAVA_INT, at + SUMMARY_LENGTH, s.length);
        MemorySegment.copy(n, 0, table, ValueLayout.JAVA_BYTE, at + NAME, n.length);
        MemorySegment.copy(s, 0, table, ValueLayout.JAVA_BYTE, at + SUMMARY, s.length);
        LONG.setRelease(table, at + CONTROL, own | LIVE | (((seq + 1) & SEQ_MASK) << SEQ_SHIFT));
    }

    /** {@code text} in UTF-8, cut to at most {@code max} bytes at a character's boundary. */
    static byte[] utf8(String text, int max) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        if (b.length <= max) {
            return b;
        }
        int end = max;
        while (end > 0 && (b[end] & 0xC0) == 0x80) {
            end--; // b[end] continues a character: cut before the character it belongs to.
        }
        return java.util.Arrays.copyOf(b, end);
    }

    // ------------------------------------------------------------------ reading

    /**
     * Every process of the node's living members, by member slot, each checked; none once this
     * table or the member table is closed (the kernel left the node), even when the close comes
     * in the middle of the listing.
     */
    List<Entry> list() {
        if (closed) {
            return List.of();
        }
        try {
            return listOpen();
        } catch (IllegalStateException e) {
            if (closed) {
                return List.of(); // The table was unmapped under the listing.
            }
            throw e;
        }
    }

    private List<Entry> listOpen() {
        long[] owners = new long[MEMBERS];
        java.util.Arrays.fill(owners, -1L);
        for (Member m : NodeLink.living(members)) {
            owners[m.slot()] = owner(m);
        }
        List<Entry> out = new ArrayList<>();
        byte[] scratch = new byte[MAX_NAME + MAX_SUMMARY];
        long[] patience = {System.nanoTime() + PATIENCE_NANOS};
        for (int slot = 0; slot < MEMBERS; slot++) {
            if (owners[slot] < 0) {
                continue;
            }
            for (int i = 0; i < PER_MEMBER; i++) {
                Entry e = read(slot, i, owners[slot], scratch, patience);
                if (e != null) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    /**
     * Entry {@code i} of member {@code slot}'s region when it is LIVE, well-formed and its owner's;
     * null otherwise. An entry being written is looked at again, yielding the processor, until the
     * listing's {@code patience} (a deadline, shared by all its entries) runs out: a writer that
     * lost its processor mid-write gets time to finish, and entries a broken peer leaves WRITING
     * cost a listing at most that much in all.
     */
    private Entry read(int slot, int i, long owner, byte[] scratch, long[] patience) {
        long at = entry(slot, i);
        for (int attempt = 0;; attempt++) {
            if (attempt > 0) {
                if (System.nanoTime() - patience[0] > 0) {
                    // The listing's patience is spent: an entry being written now is shown next
                    // time (a yield per look would cost a loaded machine a time slice each).
                    return null;
                }
                Thread.yield();
            }
            long c = (long) LONG.getAcquire(table, at + CONTROL);
            if (c == 0L || (c & OWNER_MASK) != owner) {
                return null; // Free, or left by an earlier owner of the slot.
            }
            if ((c & 0xFF) == WRITING) {
                continue;
            }
            int pid = table.get(ValueLayout.JAVA_INT, at + PID);
            int threads = table.get(ValueLayout.JAVA_INT, at + THREADS);
            int nameLength = table.get(ValueLayout.JAVA_INT, at + NAME_LENGTH);
            int summaryLength = table.get(ValueLayout.JAVA_INT, at + SUMMARY_LENGTH);
            boolean sane = (c & 0xFF) == LIVE && c > 0 && pid > 0 && NodeLink.memberSlot(pid) == slot
                    && threads >= 0 && threads <= MAX_THREADS && nameLength > 0 && nameLength <= MAX_NAME
                    && summaryLength >= 0 && summaryLength <= MAX_SUMMARY;
            if (sane) {
                MemorySegment.copy(table, ValueLayout.JAVA_BYTE, at + NAME, scratch, 0, nameLength);
                MemorySegment.copy(table, ValueLayout.JAVA_BYTE, at + SUMMARY, scratch, MAX_NAME, summaryLength);
            }
            VarHandle.loadLoadFence();
            if ((long) LONG.getAcquire(table, at + CONTROL) != c) {
                continue; // Written meanwhile: read it again.
            }
            if (!sane) {
                malformed(slot, i, c, "control " + Long.toHexString(c) + ", pid " + pid + ", threads " + threads
                        + ", name length " + nameLength + ", summary length " + summaryLength);
                return null;
            }
            String name = decode(scratch, 0, nameLength);
            String summary = decode(scratch, MAX_NAME, summaryLength);
            if (name == null || summary == null) {
                malformed(slot, i, c, "text that is not UTF-8");
                return null;
            }
            return new Entry(pid, name, threads, summary, slot);
        }
    }

    private void malformed(int slot, int i, long c, String what) {
        Long before = reported.put(slot * PER_MEMBER + i, c);
        if (before == null || before != c) {
            LOG.error("node process table {}: entry {} of member {} is malformed ({}); skipped", path, i, slot, what);
        }
    }

    private static String decode(byte[] b, int from, int length) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, from, length))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------ members leaving

    /** Clears the entries the member {@code gone} wrote: it left or died. Called on the member watcher. */
    void removeMember(Member gone) {
        if (closed) {
            return;
        }
        int n;
        try {
            n = clearRegion(gone.slot(), owner(gone));
        } catch (IllegalStateException e) {
            if (closed) {
                return; // Unmapped under the clearing: this JVM left the node, and the others clear it.
            }
            throw e;
        }
        if (n > 0 && gone.slot() != self.slot()) {
            LOG.info("node member {} is gone: its {} process(es) removed from the node's process table", gone, n);
        }
    }

    /** Clears the entries of member {@code slot}'s region whose owner is {@code owner} (-1: any owner but this JVM). */
    private int clearRegion(int slot, long owner) {
        long own = owner(self);
        int n = 0;
        for (int i = 0; i < PER_MEMBER; i++) {
            long at = entry(slot, i);
            long c = (long) LONG.getAcquire(table, at + CONTROL);
            if (c != 0 && (owner < 0 ? (c & OWNER_MASK) != own : (c & OWNER_MASK) == owner)
                    && LONG.compareAndSet(table, at + CONTROL, c, 0L)) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            clearRegion(self.slot(), owner(self));
            closed = true;
            mine.clear();
            written.clear();
            java.util.Arrays.fill(used, false);
            arena.close();
        } finally {
            lock.unlock();
        }
    }
}
