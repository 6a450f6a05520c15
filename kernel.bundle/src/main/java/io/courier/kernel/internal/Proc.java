package io.courier.kernel.internal;

import io.courier.kernel.Ability;
import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Credentials;
import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.kernel.PulseCode;
import io.courier.kernel.SigInfo;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process: its identity (pid, name, credentials, abilities), its tables (channels,
 * connections, server connections, threads, pending signals, registered events) and its life,
 * up to its death. The kernel calls it makes are dispatched by {@link CallTable} to the class of
 * the object each acts on.
 *
 * <p>SPEC K15 (processes and their death); K12 (THREADDEATH when one of its threads ends).
 */
final class Proc extends CallTable {
    private static final Logger LOG = LoggerFactory.getLogger(Proc.class);

    /** Connections a process may hold in each of the fd range and the side-channel range. */
    static final int MAX_CONNECTIONS = 1 << 16;
    /** Channels a process may own. */
    static final int MAX_CHANNELS = 1 << 16;
    /** Server connection ids live between the fd range and the side channels, so that
     * {@link Connections#connectDetach} can tell a scoid from a coid. */
    static final int SCOID_BASE = 0x20000000;

    enum Life { ALIVE, TERMINATING, DEAD }

    final MicrokernelImpl mk;
    final int pid;
    final String name;
    final Credentials credentials;
    private final EnumSet<Ability> abilities = EnumSet.allOf(Ability.class);
    final ReentrantLock lock = new ReentrantLock();
    volatile Life life = Life.ALIVE;

    final IdTable<Channel> channels = new IdTable<>(1, MAX_CHANNELS);
    final IdTable<Connection> fdConns = new IdTable<>(0, MAX_CONNECTIONS);
    final IdTable<Connection> sideConns = new IdTable<>(SIDE_CHANNEL, MAX_CONNECTIONS);
    final IdTable<ServerConn> scoids = new IdTable<>(SCOID_BASE, SIDE_CHANNEL - SCOID_BASE);
    final IdTable<KThread> tids = new IdTable<>(1, 1 << 20);
    final ConcurrentHashMap<Thread, KThread> threads = new ConcurrentHashMap<>();
    /** How many threads {@link #self()} finds without the table: a power of two. */
    private static final int RECENT = 16;
    /** Threads of {@link #threads} found lately, by their Java thread's id modulo {@link #RECENT}. */
    private final KThread[] recent = new KThread[RECENT];
    private final List<Runnable> exitHooks = new CopyOnWriteArrayList<>();
    /** Guards signal delivery: the pending queues and the hand-over to waiting threads. */
    final ReentrantLock sigLock = new ReentrantLock();
    /** Signals sent to the process that every thread masks. Guarded by {@link #sigLock}. */
    final java.util.ArrayDeque<SigInfo> sigPending = new java.util.ArrayDeque<>();
    /** Events this process registered (MsgRegisterEvent), by handle. */
    final ConcurrentHashMap<Long, EventDelivery.Registration> registrations = new ConcurrentHashMap<>();
    /**
     * Set (once, before it is used) when this is not a process of this JVM but the stand-in for
     * one of another JVM of the node, as this JVM's servers see it ({@link NodePeers}); null for
     * every process of this JVM.
     */
    NodePeers.RemoteProc node;

    Proc(MicrokernelImpl mk, int pid, String name, Credentials credentials) {
        this.mk = mk;
        this.pid = pid;
        this.name = name;
        this.credentials = credentials;
    }

    // ------------------------------------------------------------------ identity

    @Override
    public Microkernel microkernel() {
        return mk;
    }

    @Override
    public int pid() {
        return pid;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Credentials credentials() {
        return credentials;
    }

    @Override
    public boolean hasAbility(Ability ability) {
        lock.lock();
        try {
            return abilities.contains(ability);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void dropAbility(Ability ability) {
        if (ability == null) {
            throw new KernelException(Errno.EINVAL, "ability is null");
        }
        lock.lock();
        try {
            abilities.remove(ability);
        } finally {
            lock.unlock();
        }
    }

    /** Cross-process notification needs the same user, root, or the SIGNAL ability (K8). */
    boolean mayNotify(Proc target) {
        return credentials.uid() == 0 || credentials.uid() == target.credentials.uid()
                || hasAbility(Ability.SIGNAL);
    }

    @Override
    public boolean isAlive() {
        return life == Life.ALIVE;
    }

    /** The calling Java thread as a thread of this process, made on first use. */
    KThread self() {
        // The process's own table, not a ThreadLocal: a blocked virtual thread then carries no
        // ThreadLocal map (SPEC B4). Looked up first among the recent threads by the Java
        // thread's id: the table's look-up hashes the Thread, and its hashCode() (identity) is a
        // native call from the map's shared call site, a quarter of a pulse sender's time.
        Thread jt = Thread.currentThread();
        int i = (int) jt.threadId() & (RECENT - 1);
        // A plain read: a KThread's thread is final and dead volatile, and a thread of this
        // process found here is the caller's own, made by it.
        KThread t = recent[i];
        if (t != null && t.thread == jt && !t.dead) {
            return t;
        }
        t = threads.get(jt);
        if (t == null || t.dead) {
            if (life != Life.ALIVE) {
                throw new KernelException(Errno.ESRCH, "process " + pid + " is " + life.name().toLowerCase());
            }
            t = mk.newThread(this, jt);
        }
        recent[i] = t;
        return t;
    }

    /** A released thread leaves the recent ones, so that they keep no ended Java thread. */
    void forget(KThread t) {
        int i = (int) t.thread.threadId() & (RECENT - 1);
        if (recent[i] == t) {
            recent[i] = null;
        }
    }

    // ------------------------------------------------------------------ tables

    /** The connection {@code coid} (from the fd or the side-channel range), or null. */
    Connection connection(int coid) {
        return (coid & SIDE_CHANNEL) != 0 ? sideConns.get(coid) : fdConns.get(coid);
    }

    // ------------------------------------------------------------------ life

    @Override
    public void atExit(Runnable hook) {
        if (hook == null) {
            throw new KernelException(Errno.EINVAL, "hook is null");
        }
        if (life != Life.ALIVE) {
            throw new KernelException(Errno.ESRCH, "process " + pid + " is " + life.name().toLowerCase());
        }
        exitHooks.add(hook);
    }

    @Override
    public void exit() {
        lock.lock();
        try {
            if (life != Life.ALIVE) {
                return;
            }
            life = Life.TERMINATING;
        } finally {
            lock.unlock();
        }
        Trace.ProcessDeath death = Trace.ENABLED ? new Trace.ProcessDeath() : null;
        if (death != null) {
            death.begin();
            death.channels = channels.size();
            death.connections = fdConns.size() + sideConns.size();
        }
        // Each step is taken whatever another thread does meanwhile (attaching, detaching,
        // sending); one that fails is logged and the rest still run: death always completes.
        dying("detach its names", () -> mk.detachNames(this));
        for (Channel ch : channels.values()) {
            dying("destroy channel " + ch.chid, () -> Channels.destroy(ch));
        }
        for (IdTable<Connection> table : List.of(fdConns, sideConns)) {
            for (Connection c : table.values()) {
                if (table.remove(c.coid, c)) {
                    dying("detach connection " + c.coid, () -> Connections.detach(c));
                }
            }
        }
        for (ServerConn sc : scoids.values()) {
            scoids.remove(sc.scoid, sc);
        }
        for (KThread t : threads.values()) {
            t.dead = true;
            LockSupport.unpark(t.thread);
        }
        life = Life.DEAD;
        for (KThread t : threads.values()) {
            mk.releaseThread(t, false);
        }
        mk.processGone(this);
        if (death != null) {
            death.end();
            if (death.shouldCommit()) {
                death.pid = pid;
                death.name = name;
                death.commit();
            }
        }
        for (Runnable hook : exitHooks) {
            try {
                hook.run();
            } catch (RuntimeException | Error e) {
                LOG.warn("exit hook of process {} failed", pid, e);
            }
        }
        exitHooks.clear();
    }

    /** One step of process death; a failure is logged, never thrown, so that the others still run. */
    private void dying(String what, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            mk.deathFault();
            LOG.warn("process {} could not {} while dying; its death goes on", pid, what, e);
        }
    }

    /** A thread of this process ended: THREADDEATH to THREAD_DEATH channels (K12). */
    void threadDied(int tid) {
        if (life != Life.ALIVE) {
            return;
        }
        for (Channel ch : channels.values()) {
            if (ch.has(ChannelFlags.THREAD_DEATH) && !ch.destroyed) {
                Pulses.postKernel(ch, new PulseItem(PRIORITY_DEFAULT, PulseCode.THREADDEATH, tid, 0, null));
            }
        }
    }

    @Override
    public String toString() {
        return "Process[" + pid + " " + name + "]";
    }
}
