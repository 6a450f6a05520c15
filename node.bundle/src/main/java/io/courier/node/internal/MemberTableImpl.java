package io.courier.node.internal;

import static io.courier.node.internal.MemberTableLayout.ALIVE;
import static io.courier.node.internal.MemberTableLayout.CONTROL;
import static io.courier.node.internal.MemberTableLayout.DEAD;
import static io.courier.node.internal.MemberTableLayout.FREE;
import static io.courier.node.internal.MemberTableLayout.HEARTBEAT;
import static io.courier.node.internal.MemberTableLayout.JOINED_AT;
import static io.courier.node.internal.MemberTableLayout.JOINING;
import static io.courier.node.internal.MemberTableLayout.SLOTS;
import static io.courier.node.internal.MemberTableLayout.START_TIME;
import static io.courier.node.internal.MemberTableLayout.control;
import static io.courier.node.internal.MemberTableLayout.generation;
import static io.courier.node.internal.MemberTableLayout.pid;
import static io.courier.node.internal.MemberTableLayout.slot;
import static io.courier.node.internal.MemberTableLayout.state;

import io.courier.node.Member;
import io.courier.node.MemberListener;
import io.courier.node.MemberTable;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link MemberTable}: the slots of {@link MemberTableLayout}, the join protocol and the watcher. */
public final class MemberTableImpl implements MemberTable {
    private static final Logger LOG = LoggerFactory.getLogger(MemberTableImpl.class);
    /** Shared-memory longs: every access names its ordering. */
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    /** A slot left JOINING this long by a process that still runs is taken back (the joiner stalled). */
    static final long JOIN_STALL_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** How long a member's heartbeat stands still before its process is looked at: two and a half rounds. */
    static final long STILL_NANOS = MemberTable.CHECK_INTERVAL.toNanos() * 5 / 2;

    private final MemorySegment table;
    private final Arena arena;
    private final long leaseNanos;
    private final long myPid = ProcessHandle.current().pid();
    private final long myStart;
    /** Guards the rounds, the local view and the lifecycle. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition stopped = lock.newCondition();

    // The local view, under lock: what this JVM last saw alive in each slot.
    private final Member[] known = new Member[SLOTS];
    private final long[] knownControl = new long[SLOTS];
    private final long[] lastBeat = new long[SLOTS];
    private final long[] lastBeatChange = new long[SLOTS];
    private final long[] joiningSince = new long[SLOTS];
    private final long[] joiningControl = new long[SLOTS];

    private Member self;
    private long selfControl;
    private MemberListener listener;
    private Thread watcher;
    private boolean closing;
    /** Written under {@link #lock}; read without it by {@link #isClosed}. */
    private volatile boolean closed;

    private MemberTableImpl(MemorySegment table, Arena arena, long leaseNanos) {
        this.table = table;
        this.arena = arena;
        this.leaseNanos = leaseNanos;
        this.myStart = ProcStat.startTime(myPid);
        if (myStart == ProcStat.GONE) {
            throw new IllegalStateException("cannot read this JVM's start time from /proc/" + myPid + "/stat");
        }
    }

    /** See {@link MemberTable#open(io.courier.node.NodeFolder, Duration)}. */
    public static MemberTableImpl open(NodeFolderImpl folder, Duration lease) {
        if (lease.isNegative()) {
            throw new IllegalArgumentException("negative lease " + lease);
        }
        folder.createAtomically(MemberTableLayout.FILE, MemberTableLayout.FILE_SIZE, seg -> {
            seg.set(ValueLayout.JAVA_LONG, MemberTableLayout.MAGIC_OFFSET, MemberTableLayout.MAGIC);
            seg.set(ValueLayout.JAVA_INT, MemberTableLayout.VERSION_OFFSET, MemberTableLayout.VERSION);
            seg.set(ValueLayout.JAVA_INT, MemberTableLayout.SLOTS_OFFSET, SLOTS);
            seg.set(ValueLayout.JAVA_INT, MemberTableLayout.SLOT_SIZE_OFFSET, MemberTableLayout.SLOT_SIZE);
        });
        Arena arena = Arena.ofShared();
        try {
            MemorySegment seg = folder.map(MemberTableLayout.FILE, MemberTableLayout.FILE_SIZE,
                    MemberTableLayout.FILE_SIZE, arena);
            if (seg.get(ValueLayout.JAVA_LONG, MemberTableLayout.MAGIC_OFFSET) != MemberTableLayout.MAGIC
                    || seg.get(ValueLayout.JAVA_INT, MemberTableLayout.VERSION_OFFSET) != MemberTableLayout.VERSION
                    || seg.get(ValueLayout.JAVA_INT, MemberTableLayout.SLOTS_OFFSET) != SLOTS
                    || seg.get(ValueLayout.JAVA_INT, MemberTableLayout.SLOT_SIZE_OFFSET) != MemberTableLayout.SLOT_SIZE) {
                throw new IllegalStateException(folder.file(MemberTableLayout.FILE)
                        + " is not a member table of version " + MemberTableLayout.VERSION);
            }
            return new MemberTableImpl(seg, arena, lease.toNanos());
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public Member join(MemberListener l) {
        lock.lock();
        try {
            if (closed || self != null) {
                throw new IllegalStateException(closed ? "closed" : "joined already");
            }
            round(false); // take back the slots of the dead first
            // ... and forget what that round saw, so that the watcher's first round tells the listener.
            java.util.Arrays.fill(known, null);
            for (int i = 0; i < SLOTS; i++) {
                long at = slot(i);
                long c = (long) LONG.getAcquire(table, at + CONTROL);
                if (state(c) != FREE) {
                    continue;
                }
                int gen = (generation(c) + 1) & 0xFF_FFFF;
                long joining = control(myPid, gen, JOINING);
                // The claim: only one JVM moves a slot from this exact FREE value.
                if (!LONG.compareAndSet(table, at + CONTROL, c, joining)) {
                    continue;
                }
                long joinedAt = System.currentTimeMillis();
                LONG.setRelease(table, at + START_TIME, myStart);
                LONG.setRelease(table, at + HEARTBEAT, 0L);
                LONG.setRelease(table, at + JOINED_AT, joinedAt);
                long alive = control(myPid, gen, ALIVE);
                // Publishes the fields above (a CAS is a full fence); fails if a watcher took back a stalled claim.
                if (!LONG.compareAndSet(table, at + CONTROL, joining, alive)) {
                    continue;
                }
                self = new Member(i, myPid, myStart, gen, joinedAt);
                selfControl = alive;
                listener = l;
                watcher = Thread.ofPlatform().daemon().name("courier-node-members-" + myPid + "-" + i)
                        .start(this::watch);
                return self;
            }
            throw new IllegalStateException("the node is full: " + SLOTS + " JVMs joined and alive");
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Member self() {
        lock.lock();
        try {
            return self;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<Member> members() {
        lock.lock();
        try {
            requireOpen();
            List<Member> out = new ArrayList<>();
            for (int i = 0; i < SLOTS; i++) {
                long at = slot(i);
                long c = (long) LONG.getAcquire(table, at + CONTROL);
                if (state(c) == ALIVE) {
                    out.add(read(i, c));
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void checkNow() {
        lock.lock();
        try {
            requireOpen();
            round(true);
        } finally {
            lock.unlock();
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("member table closed");
        }
    }

    private Member read(int i, long c) {
        long at = slot(i);
        return new Member(i, pid(c), (long) LONG.getAcquire(table, at + START_TIME), generation(c),
                (long) LONG.getAcquire(table, at + JOINED_AT));
    }

    private void watch() {
        long interval = CHECK_INTERVAL.toNanos();
        lock.lock();
        try {
            while (!closing) {
                try {
                    round(true);
                } catch (RuntimeException | Error e) {
                    LOG.error("node member watcher: a round failed; going on", e);
                }
                try {
                    stopped.awaitNanos(interval);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** One round, under lock: bump our heartbeat, then judge every other slot. */
    private void round(boolean notify) {
        long now = System.nanoTime();
        if (self != null) {
            long at = slot(self.slot());
            if ((long) LONG.getAcquire(table, at + CONTROL) != selfControl) {
                Member me = self;
                self = null;
                LOG.error("node member {}: another JVM declared this one dead and took its slot", me);
                tell(() -> listener.evicted(me), notify);
            } else {
                // Only this JVM writes its heartbeat: a plain increment published with release.
                LONG.setRelease(table, at + HEARTBEAT, (long) LONG.getAcquire(table, at + HEARTBEAT) + 1);
            }
        }
        for (int i = 0; i < SLOTS; i++) {
            if (self != null && i == self.slot()) {
                continue;
            }
            judge(i, now, notify);
        }
    }

    private void judge(int i, long now, boolean notify) {
        long at = slot(i);
        long c = (long) LONG.getAcquire(table, at + CONTROL);
        Member was = known[i];
        if (was != null && c != knownControl[i]) {
            // The member we knew left, or another watcher found it dead and took the slot back.
            known[i] = null;
            boolean died = !ProcStat.isAlive(was.pid(), was.startTime());
            tell(() -> listener.memberGone(was, died), notify);
        }
        Member k = known[i];
        int state = state(c);
        long pid = pid(c);
        if (state != JOINING) {
            joiningSince[i] = 0;
        }
        switch (state) {
            case FREE -> {
                // Nothing to judge.
            }
            case ALIVE -> {
                long start = (long) LONG.getAcquire(table, at + START_TIME);
                long beat = (long) LONG.getAcquire(table, at + HEARTBEAT);
                if (k == null || beat != lastBeat[i]) {
                    lastBeat[i] = beat;
                    lastBeatChange[i] = now;
                }
                // A member whose heartbeat moves is alive: its process is looked at (a read of
                // /proc) when first seen and once the heartbeat stood still for a while, so that
                // an idle node costs next to nothing and a JVM killed is still seen within a few rounds.
                boolean look = k == null || now - lastBeatChange[i] >= STILL_NANOS;
                boolean processGone = pid <= 0 || pid >= MemberTableLayout.PID_MAX
                        || (look && !ProcStat.isAlive(pid, start));
                boolean leaseOut = leaseNanos > 0 && k != null && now - lastBeatChange[i] > leaseNanos;
                if (processGone || leaseOut) {
                    Member dead = k != null ? k : read(i, c);
                    long deadControl = control(pid, generation(c), DEAD);
                    if (LONG.compareAndSet(table, at + CONTROL, c, deadControl)) {
                        LOG.warn("node member {} is dead ({}); slot {} reclaimed", dead,
                                processGone ? "its process is gone" : "its lease ran out", i);
                        // Keep the generation: the next joiner moves it on.
                        LONG.compareAndSet(table, at + CONTROL, deadControl, control(0, generation(c), FREE));
                    }
                    // Told even of a member this watcher never saw alive (it joined and died between
                    // two rounds): what it left in the node's tables (names, processes) goes with it.
                    known[i] = null;
                    tell(() -> listener.memberGone(dead, true), notify);
                } else if (k == null) {
                    Member m = read(i, c);
                    known[i] = m;
                    knownControl[i] = c;
                    tell(() -> listener.memberJoined(m), notify);
                }
            }
            case JOINING -> {
                if (joiningSince[i] == 0 || joiningControl[i] != c) {
                    joiningSince[i] = now;
                    joiningControl[i] = c;
                }
                boolean gone = ProcStat.startTime(pid) == ProcStat.GONE;
                if (gone || now - joiningSince[i] > JOIN_STALL_NANOS) {
                    // A joiner that died (or stalled) between its claim and its start: free the slot.
                    LONG.compareAndSet(table, at + CONTROL, c, control(0, generation(c), FREE));
                }
            }
            case DEAD -> LONG.compareAndSet(table, at + CONTROL, c, control(0, generation(c), FREE));
            default -> {
                LOG.error("node member table: slot {} holds an unknown state {} (control {}); freeing it", i, state,
                        Long.toHexString(c));
                LONG.compareAndSet(table, at + CONTROL, c, control(0, 0, FREE));
            }
        }
    }

    private void tell(Runnable call, boolean notify) {
        if (!notify || listener == null) {
            return;
        }
        try {
            call.run();
        } catch (RuntimeException | Error e) {
            LOG.error("node member listener failed; going on", e);
        }
    }

    @Override
    public void close() {
        Thread w;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closing = true;
            stopped.signalAll();
            w = watcher;
        } finally {
            lock.unlock();
        }
        if (w != null && w != Thread.currentThread()) {
            try {
                if (!w.join(Duration.ofSeconds(5))) {
                    LOG.warn("node member watcher did not stop within 5 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        lock.lock();
        try {
            if (self != null) {
                // A clean departure: the slot goes FREE under the same generation, pid cleared.
                LONG.compareAndSet(table, slot(self.slot()) + CONTROL, selfControl,
                        control(0, generation(selfControl), FREE));
                self = null;
            }
            closed = true;
            arena.close();
        } finally {
            lock.unlock();
        }
    }
}
