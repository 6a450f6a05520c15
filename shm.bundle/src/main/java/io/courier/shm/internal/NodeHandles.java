package io.courier.shm.internal;

import static io.courier.shm.internal.NodeHandleLayout.CREATOR_GEN;
import static io.courier.shm.internal.NodeHandleLayout.CREATOR_PID;
import static io.courier.shm.internal.NodeHandleLayout.CREATOR_SLOT;
import static io.courier.shm.internal.NodeHandleLayout.ENTRIES;
import static io.courier.shm.internal.NodeHandleLayout.ENTRY_SIZE;
import static io.courier.shm.internal.NodeHandleLayout.FREE;
import static io.courier.shm.internal.NodeHandleLayout.GENERATION_MASK;
import static io.courier.shm.internal.NodeHandleLayout.HANDLE;
import static io.courier.shm.internal.NodeHandleLayout.INO;
import static io.courier.shm.internal.NodeHandleLayout.MEMBER_SLOTS;
import static io.courier.shm.internal.NodeHandleLayout.NAME;
import static io.courier.shm.internal.NodeHandleLayout.NAME_BYTES;
import static io.courier.shm.internal.NodeHandleLayout.NAME_LENGTH;
import static io.courier.shm.internal.NodeHandleLayout.PERMS;
import static io.courier.shm.internal.NodeHandleLayout.READY;
import static io.courier.shm.internal.NodeHandleLayout.STATE;
import static io.courier.shm.internal.NodeHandleLayout.TAKEN;
import static io.courier.shm.internal.NodeHandleLayout.TARGET_GEN;
import static io.courier.shm.internal.NodeHandleLayout.TARGET_PID;
import static io.courier.shm.internal.NodeHandleLayout.TARGET_SLOT;
import static io.courier.shm.internal.NodeHandleLayout.WRITING;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.node.Member;
import io.courier.node.NodeFolder;
import io.courier.shm.SharedMemory;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handles of a node's shared memory that cross JVMs (SPEC S4, issue 20): the node folder's
 * handle table ({@link NodeHandleLayout}), mapped by every JVM of the node that uses shared
 * memory, and the link files that keep the handed objects' bytes. One per registry in a node.
 *
 * <p>Trust: every field of an entry is checked before use (state kind, slots, generations,
 * pids, perms, name length and name, serial number); an entry that fails is refused with EINVAL
 * where it was asked for, logged once, and dropped. A peer that writes garbage into the table
 * can drop handles, never crash this JVM or make it open a file other than the link named by
 * the handle asked for.
 *
 * <p>Ordering: an entry's fields are written before its state word is set READY with release,
 * and read after the state word is read with acquire; a reader checks the state word again
 * after reading them, and uses the entry only through a compare-and-set of that same word.
 */
final class NodeHandles implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeHandles.class);
    /** How often the sweeper drops the handles of dead members and dead target processes. */
    static final long SWEEP_MILLIS = 200;
    /** Every how many sweeps the node folder is searched for link files no entry holds. */
    static final long ORPHAN_ROUNDS = 10;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    /** A checked snapshot of a READY entry. */
    record Entry(int index, long state, long handle, int targetPid, int perms, int creatorPid, int creatorSlot,
            int creatorGen, int targetSlot, int targetGen, long ino, String name) {
    }

    private final Microkernel microkernel;
    private final NodeFolder folder;
    private final Arena arena;
    private final MemorySegment table;
    private final AtomicLong seq = new AtomicLong();
    /** How many corrupt entries this JVM found and dropped. */
    private final AtomicLong corrupt = new AtomicLong();
    private final Thread sweeper;
    private volatile boolean closed;

    private NodeHandles(Microkernel microkernel, NodeFolder folder, IntPredicate localAlive,
            Runnable memberDied) {
        this.microkernel = microkernel;
        this.folder = folder;
        this.arena = Arena.ofShared();
        try {
            folder.createFile(NodeHandleLayout.FILE, NodeHandleLayout.FILE_SIZE, seg -> {
                seg.set(ValueLayout.JAVA_LONG, NodeHandleLayout.MAGIC_OFFSET, NodeHandleLayout.MAGIC);
                seg.set(ValueLayout.JAVA_INT, NodeHandleLayout.VERSION_OFFSET, NodeHandleLayout.VERSION);
                seg.set(ValueLayout.JAVA_INT, NodeHandleLayout.ENTRIES_OFFSET, ENTRIES);
                seg.set(ValueLayout.JAVA_INT, NodeHandleLayout.ENTRY_SIZE_OFFSET, ENTRY_SIZE);
            });
            table = folder.mapFile(NodeHandleLayout.FILE, NodeHandleLayout.FILE_SIZE, NodeHandleLayout.FILE_SIZE,
                    arena);
            if (table.get(ValueLayout.JAVA_LONG, NodeHandleLayout.MAGIC_OFFSET) != NodeHandleLayout.MAGIC
                    || table.get(ValueLayout.JAVA_INT, NodeHandleLayout.VERSION_OFFSET) != NodeHandleLayout.VERSION
                    || table.get(ValueLayout.JAVA_INT, NodeHandleLayout.ENTRIES_OFFSET) != ENTRIES
                    || table.get(ValueLayout.JAVA_INT, NodeHandleLayout.ENTRY_SIZE_OFFSET) != ENTRY_SIZE) {
                throw new IllegalStateException(folder.path().resolve(NodeHandleLayout.FILE)
                        + " is not a handle table of version " + NodeHandleLayout.VERSION);
            }
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        this.sweeper = Thread.ofPlatform().daemon().name("courier-shm-handles").start(() -> {
            for (long round = 0; !closed; round++) {
                try {
                    // A first round at once: handles of JVMs that died while this one had no table go now.
                    if (sweep(localAlive) > 0) {
                        memberDied.run();
                    }
                    if (round % ORPHAN_ROUNDS == 0) {
                        removeOrphans();
                    }
                    Thread.sleep(SWEEP_MILLIS);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    if (!closed) {
                        LOG.warn("node {}: sweeping the shared-memory handle table failed", folder.name(), e);
                    }
                }
            }
        });
    }

    /**
     * The handle table of {@code microkernel}'s node, or null when it joined none or the table
     * cannot be used (logged; handles then stay within the JVM).
     *
     * @param localAlive whether a pid of this JVM names a live process
     * @param memberDied run after a sweep dropped handles of a member that died
     */
    static NodeHandles open(Microkernel microkernel, IntPredicate localAlive, Runnable memberDied) {
        NodeFolder folder = microkernel.nodeFolder();
        if (folder == null) {
            return null;
        }
        try {
            return new NodeHandles(microkernel, folder, localAlive, memberDied);
        } catch (RuntimeException e) {
            LOG.error("node {}: cannot use the shared-memory handle table; handles stay within this JVM",
                    folder.name(), e);
            return null;
        }
    }

    /** The node folder. */
    Path folder() {
        return folder.path();
    }

    /** The link file of {@code handle}. */
    Path link(long handle) {
        return folder.path().resolve(NodeHandleLayout.linkName(handle));
    }

    // ------------------------------------------------------------------ making a handle

    /**
     * Records {@code handle}: links {@code backing} into the node folder and fills in a free
     * entry for process {@code targetPid} of member {@code target}.
     *
     * @throws KernelException EAGAIN when the table is full, ENOTSUP when the file cannot be linked
     *     into the node folder (another file system), EIO for other file failures
     */
    void create(long handle, Path backing, Object fileKey, long ino, String name, int creatorPid, int targetPid,
            Member target, int perms) {
        Member self = self();
        long writing = NodeHandleLayout.state(WRITING, self.slot(), self.generation(), seq.incrementAndGet());
        int i = claimFree(writing);
        long e = NodeHandleLayout.entry(i);
        // The handle first: a member that finds this entry WRITING by a dead JVM removes its link.
        LONG.setRelease(table, e + HANDLE, handle);
        Path link = link(handle);
        try {
            Files.createLink(link, backing);
            Object key = Files.readAttributes(link, java.nio.file.attribute.BasicFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey();
            if (!fileKey.equals(key)) {
                deleteQuietly(link);
                throw new KernelException(Errno.EINVAL, "the object's file was replaced meanwhile");
            }
        } catch (IOException | UnsupportedOperationException e2) {
            clear(i);
            if (e2 instanceof java.nio.file.FileSystemException f && f.getReason() != null
                    && f.getReason().contains("cross-device") || e2 instanceof UnsupportedOperationException) {
                throw new KernelException(Errno.ENOTSUP, "the object's file and the node folder "
                        + folder.path() + " are on different file systems: no handle for another JVM");
            }
            throw Faults.io("link of a handle's object into " + folder.path(), (IOException) e2);
        } catch (RuntimeException e2) {
            clear(i);
            throw e2;
        }
        table.set(ValueLayout.JAVA_INT, e + TARGET_PID, targetPid);
        table.set(ValueLayout.JAVA_INT, e + PERMS, perms);
        table.set(ValueLayout.JAVA_INT, e + CREATOR_PID, creatorPid);
        table.set(ValueLayout.JAVA_INT, e + CREATOR_SLOT, self.slot());
        table.set(ValueLayout.JAVA_INT, e + CREATOR_GEN, self.generation());
        table.set(ValueLayout.JAVA_INT, e + TARGET_SLOT, target.slot());
        table.set(ValueLayout.JAVA_INT, e + TARGET_GEN, target.generation());
        table.set(ValueLayout.JAVA_LONG, e + INO, ino);
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > NAME_BYTES) {
            bytes = new byte[0];
        }
        table.set(ValueLayout.JAVA_INT, e + NAME_LENGTH, bytes.length);
        MemorySegment.copy(bytes, 0, table, ValueLayout.JAVA_BYTE, e + NAME, bytes.length);
        // Release: the fields above are whole before anyone sees READY.
        LONG.setRelease(table, e + STATE, NodeHandleLayout.state(READY, self.slot(), self.generation(),
                seq.incrementAndGet()));
    }

    private int claimFree(long writing) {
        for (int i = 0; i < ENTRIES; i++) {
            long e = NodeHandleLayout.entry(i);
            if ((long) LONG.getAcquire(table, e + STATE) == FREE && LONG.compareAndSet(table, e + STATE, (long) FREE,
                    writing)) {
                return i;
            }
        }
        throw new KernelException(Errno.EAGAIN, "the node's handle table is full (" + ENTRIES + " unused handles)");
    }

    /** Whether any entry, in whatever state, holds {@code handle}. */
    boolean holds(long handle) {
        for (int i = 0; i < ENTRIES; i++) {
            long e = NodeHandleLayout.entry(i);
            if ((long) LONG.getAcquire(table, e + STATE) != FREE && (long) LONG.getAcquire(table, e + HANDLE) == handle) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ finding, taking

    /**
     * The READY entry of {@code handle}, checked; null when there is none, or when its creator's
     * or target's JVM is gone (then it is dropped at once, as the sweeper would).
     *
     * @throws KernelException EINVAL when its entry is corrupt (logged, and the entry dropped)
     */
    Entry find(long handle) {
        if (handle == 0) {
            return null;
        }
        for (int i = 0; i < ENTRIES; i++) {
            long e = NodeHandleLayout.entry(i);
            long state = (long) LONG.getAcquire(table, e + STATE);
            if (NodeHandleLayout.kind(state) != READY || (long) LONG.getAcquire(table, e + HANDLE) != handle) {
                continue;
            }
            Entry entry = read(i, state);
            if (entry == null) {
                throw new KernelException(Errno.EINVAL, "the handle's entry in the node's handle table is corrupt");
            }
            List<Member> members = microkernel.nodeMembers();
            if (!alive(members, entry.creatorSlot(), entry.creatorGen())
                    || !alive(members, entry.targetSlot(), entry.targetGen())) {
                drop(entry);
                return null;
            }
            return entry;
        }
        return null;
    }

    /**
     * Reads entry {@code i} seen READY in {@code state}, checking every field; null when a field
     * is out of bounds (then logged and the entry dropped) or the entry changed meanwhile.
     */
    private Entry read(int i, long state) {
        long e = NodeHandleLayout.entry(i);
        long handle = table.get(ValueLayout.JAVA_LONG, e + HANDLE);
        int targetPid = table.get(ValueLayout.JAVA_INT, e + TARGET_PID);
        int perms = table.get(ValueLayout.JAVA_INT, e + PERMS);
        int creatorPid = table.get(ValueLayout.JAVA_INT, e + CREATOR_PID);
        int creatorSlot = table.get(ValueLayout.JAVA_INT, e + CREATOR_SLOT);
        int creatorGen = table.get(ValueLayout.JAVA_INT, e + CREATOR_GEN);
        int targetSlot = table.get(ValueLayout.JAVA_INT, e + TARGET_SLOT);
        int targetGen = table.get(ValueLayout.JAVA_INT, e + TARGET_GEN);
        long ino = table.get(ValueLayout.JAVA_LONG, e + INO);
        int nameLength = table.get(ValueLayout.JAVA_INT, e + NAME_LENGTH);
        String problem = null;
        String name = "";
        if (handle == 0) {
            problem = "handle 0";
        } else if (targetPid <= 0 || creatorPid <= 0) {
            problem = "pid " + targetPid + " or " + creatorPid + " below 1";
        } else if (perms != SharedMemory.O_RDONLY && perms != SharedMemory.O_RDWR) {
            problem = "perms 0x" + Integer.toHexString(perms);
        } else if (!slotOk(creatorSlot) || !slotOk(targetSlot)) {
            problem = "member slot " + creatorSlot + " or " + targetSlot + " out of 0.." + (MEMBER_SLOTS - 1);
        } else if ((creatorGen & ~GENERATION_MASK) != 0 || (targetGen & ~GENERATION_MASK) != 0) {
            problem = "member generation " + creatorGen + " or " + targetGen + " out of 24 bits";
        } else if (NodeHandleLayout.slot(state) != creatorSlot || NodeHandleLayout.generation(state) != creatorGen) {
            problem = "state word of member " + NodeHandleLayout.slot(state) + " for a handle of member " + creatorSlot;
        } else if (!ofSlot(targetPid, targetSlot) || !ofSlot(creatorPid, creatorSlot)) {
            problem = "pid " + targetPid + " or " + creatorPid + " is not of member " + targetSlot + " or "
                    + creatorSlot;
        } else if (ino <= 0) {
            problem = "serial number " + ino;
        } else if (nameLength < 0 || nameLength > NAME_BYTES) {
            problem = "name length " + nameLength + " out of 0.." + NAME_BYTES;
        } else if (nameLength > 0) {
            byte[] bytes = new byte[nameLength];
            MemorySegment.copy(table, ValueLayout.JAVA_BYTE, e + NAME, bytes, 0, nameLength);
            name = new String(bytes, StandardCharsets.UTF_8);
            try {
                ShmRegistry.checkName(name);
            } catch (KernelException bad) {
                problem = "name: " + bad.getMessage();
            }
        }
        if ((long) LONG.getAcquire(table, e + STATE) != state) {
            // Taken, deleted or dropped while we read: what we read means nothing.
            return null;
        }
        if (problem != null) {
            // Counted and logged by the one thread of the node that drops it (another member's
            // sweeper may read the same entry at the same time).
            if (drop(i, state)) {
                corrupt.incrementAndGet();
                LOG.warn("node {}: entry {} of the shared-memory handle table is corrupt ({}): dropped",
                        folder.name(), i, problem);
            }
            return null;
        }
        return new Entry(i, state, handle, targetPid, perms, creatorPid, creatorSlot, creatorGen, targetSlot,
                targetGen, ino, name);
    }

    /** Whether {@code pid}, when a living member holds it, is of member {@code slot}. */
    private boolean ofSlot(int pid, int slot) {
        Member m = microkernel.nodeMember(pid);
        return m == null || m.slot() == slot;
    }

    private static boolean slotOk(int slot) {
        return slot >= 0 && slot < MEMBER_SLOTS;
    }

    /** Takes {@code entry} for this JVM (to open or delete it); false when someone else took it first. */
    boolean take(Entry entry) {
        Member self = self();
        return LONG.compareAndSet(table, NodeHandleLayout.entry(entry.index()) + STATE, entry.state(),
                NodeHandleLayout.state(TAKEN, self.slot(), self.generation(), seq.incrementAndGet()));
    }

    /** Frees entry {@code i}, which this JVM took. */
    void clear(int i) {
        long e = NodeHandleLayout.entry(i);
        table.asSlice(e + HANDLE, ENTRY_SIZE - HANDLE).fill((byte) 0);
        // Release: the cleared fields are whole before the entry can be claimed again.
        LONG.setRelease(table, e + STATE, (long) FREE);
    }

    /** Takes entry {@code i} from {@code state}, removes its link file and frees it; false when it changed meanwhile. */
    private boolean drop(int i, long state) {
        Member self = self();
        long e = NodeHandleLayout.entry(i);
        if (!LONG.compareAndSet(table, e + STATE, state, NodeHandleLayout.state(TAKEN, self.slot(),
                self.generation(), seq.incrementAndGet()))) {
            return false;
        }
        long handle = (long) LONG.getAcquire(table, e + HANDLE);
        if (handle != 0) {
            deleteQuietly(link(handle));
        }
        clear(i);
        return true;
    }

    /** Takes {@code entry}, removes its link file and frees it; false when someone took it first. */
    boolean drop(Entry entry) {
        return drop(entry.index(), entry.state());
    }

    // ------------------------------------------------------------------ the sweeper

    /**
     * Drops the entries whose creator or target member is gone, whose target process (of this
     * JVM) died, whose writer or taker died midway, or that are corrupt.
     *
     * @return how many entries were dropped because a member died
     */
    int sweep(IntPredicate localAlive) {
        Member self = self();
        if (self == null) {
            return 0;
        }
        List<Member> members = microkernel.nodeMembers();
        if (!alive(members, self.slot(), self.generation())) {
            // This JVM is not among them: its kernel left the node (the list is then empty) or was
            // declared dead. Such a view would make every entry look dead; the others sweep instead.
            return 0;
        }
        int died = 0;
        for (int i = 0; i < ENTRIES; i++) {
            long state = (long) LONG.getAcquire(table, NodeHandleLayout.entry(i) + STATE);
            switch (NodeHandleLayout.kind(state)) {
                case FREE -> {
                }
                case WRITING, TAKEN -> {
                    if (!alive(members, NodeHandleLayout.slot(state), NodeHandleLayout.generation(state))
                            && drop(i, state)) {
                        died++;
                    }
                }
                case READY -> {
                    Entry e = read(i, state);
                    if (e == null) {
                        continue;
                    }
                    if (!alive(members, e.creatorSlot(), e.creatorGen()) || !alive(members, e.targetSlot(),
                            e.targetGen())) {
                        if (drop(e)) {
                            died++;
                        }
                    } else if (e.targetSlot() == self.slot() && e.targetGen() == self.generation()
                            && !localAlive.test(e.targetPid())) {
                        drop(e);
                    }
                }
                default -> {
                    if (drop(i, state)) {
                        corrupt.incrementAndGet();
                        LOG.warn("node {}: entry {} of the shared-memory handle table has an unknown state {}: dropped",
                                folder.name(), i, Long.toHexString(state));
                    }
                }
            }
        }
        return died;
    }

    /**
     * Removes the link files of the node folder that no entry holds: a link is made only after its
     * entry holds its handle and goes before the entry is freed, so one that no entry holds was left
     * by an entry whose handle field a peer overwrote.
     *
     * @return how many were removed
     */
    int removeOrphans() {
        List<Path> links;
        try (java.util.stream.Stream<Path> files = Files.list(folder.path())) {
            links = files.filter(p -> p.getFileName().toString().startsWith(NodeHandleLayout.LINK_PREFIX)).toList();
        } catch (IOException e) {
            LOG.debug("cannot list {}", folder.path(), e);
            return 0;
        }
        int removed = 0;
        for (Path link : links) {
            String hex = link.getFileName().toString().substring(NodeHandleLayout.LINK_PREFIX.length());
            long handle;
            try {
                if (hex.length() != 16) {
                    continue;
                }
                handle = Long.parseUnsignedLong(hex, 16);
            } catch (NumberFormatException e) {
                continue;
            }
            if (!holds(handle)) {
                LOG.warn("node {}: removing {}, which no handle entry holds", folder.name(), link.getFileName());
                deleteQuietly(link);
                removed++;
            }
        }
        return removed;
    }

    /** How many corrupt entries this JVM found and dropped. */
    long corruptEntries() {
        return corrupt.get();
    }

    /** Drops the handles for process {@code pid} of this JVM, which died. */
    void processDied(int pid) {
        Member self = self();
        if (self == null) {
            return;
        }
        for (int i = 0; i < ENTRIES; i++) {
            long e = NodeHandleLayout.entry(i);
            long state = (long) LONG.getAcquire(table, e + STATE);
            if (NodeHandleLayout.kind(state) == READY && table.get(ValueLayout.JAVA_INT, e + TARGET_PID) == pid) {
                Entry entry = read(i, state);
                if (entry != null && entry.targetSlot() == self.slot() && entry.targetGen() == self.generation()) {
                    drop(entry);
                }
            }
        }
    }

    private static boolean alive(List<Member> members, int slot, int generation) {
        for (Member m : members) {
            if (m.slot() == slot && m.generation() == generation) {
                return true;
            }
        }
        return false;
    }

    /** This JVM's member; its slot and generation mark what it writes. */
    Member self() {
        return microkernel.nodeSelf();
    }

    /** The segment of the table, for tests that corrupt it. */
    MemorySegment table() {
        return table;
    }

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.debug("deleting {} failed", p, e);
        }
    }

    @Override
    public void close() {
        closed = true;
        sweeper.interrupt();
        try {
            sweeper.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        arena.close();
    }
}
