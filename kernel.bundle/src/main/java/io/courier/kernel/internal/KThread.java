package io.courier.kernel.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.MsgInfo;
import io.courier.kernel.ThreadState;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Set;

/**
 * A kernel thread: one Java thread's life in one process. It carries the state of the
 * message it is sending (as a client) and of the receive it is waiting in (as a server); a
 * thread is never in both at once.
 *
 * <p>Client phases ({@link #sendPhase}), changed by compare-and-set so that a reply and an
 * unblock never both win:
 * <pre>
 *  IDLE -> [SEND (queued on the channel)] -> BUSY (taken by a receiver, which copies the request)
 *       -> REPLY (REPLY-blocked) -> BUSY (a server replies, reads or writes) -> DONE
 *  SEND or REPLY -> IDLE when the client leaves (timeout, interrupt, death)
 * </pre>
 * A client waits for DONE on its signal line ({@code doneGen}), not on the phase. Receive
 * phases: IDLE -> WAITING (in the channel's slot, claimable without the lock) or QUEUED (taken
 * under the lock) -> CLAIMED -> DONE -> IDLE.
 *
 * <p>SPEC K3 (the phases of a round trip), K13 (what unblocks a thread), K16 (its state).
 */
final class KThread extends KThreadLayout.Pad2 {
    static final int IDLE = 0;
    static final int SEND = 1;
    static final int BUSY = 2;
    static final int REPLY = 3;
    static final int DONE = 4;

    /** Not waiting to receive. */
    static final int RECV_IDLE = 0;
    /** Waiting in its channel's slot: a sender may claim it without the channel's lock. */
    static final int RECV_WAITING = 1;
    /** Claimed by a sender, an event or the channel's end, which is writing the result. */
    static final int RECV_CLAIMED = 2;
    /** The receive is over: a client handed over, a pulse or an error. */
    static final int RECV_DONE = 3;
    /** Waiting in a queue of its channel: taken under the channel's lock only. */
    static final int RECV_QUEUED = 4;

    private static final VarHandle SEND_PHASE;
    private static final VarHandle RECV_PHASE;
    private static final VarHandle PARKED;
    private static final VarHandle GEN;
    private static final VarHandle STATE;
    private static final VarHandle BLOCKED_ON;
    private static final VarHandle SERVED_BY;
    private static final VarHandle INTRS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            SEND_PHASE = l.findVarHandle(KThreadLayout.Signal.class, "sendPhase", int.class);
            RECV_PHASE = l.findVarHandle(KThreadLayout.Signal.class, "recvPhase", int.class);
            PARKED = l.findVarHandle(KThreadLayout.Signal.class, "parked", boolean.class);
            GEN = l.findVarHandle(KThreadLayout.Signal.class, "gen", int.class);
            STATE = l.findVarHandle(KThread.class, "state", ThreadState.class);
            BLOCKED_ON = l.findVarHandle(KThread.class, "blockedOn", int.class);
            SERVED_BY = l.findVarHandle(KThread.class, "servedBy", KThread.class);
            INTRS = l.findVarHandle(KThread.class, "intrs", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    volatile String name;
    volatile int basePriority;
    /** The thread's effective priority, after inheritance (the message priority is {@link #priority}). */
    volatile int effPriority;
    volatile ThreadState state = ThreadState.READY;
    volatile int blockedOn = -1;
    volatile boolean dead;
    /**
     * Set once, before the thread is used, when it stands for a thread of a process of another
     * JVM or node ({@link NodePeers.RemoteProc#standIn}); null for a thread of this JVM.
     */
    NodePeers.StandIn standIn;

    // ---- as a client: the request, signal and phase fields are in KThreadLayout

    // ---- as a server
    ByteBuffer[] rdst;
    /** The one-buffer IOV of {@code msgReceive(chid, ByteBuffer, ...)}; made on first use. */
    ByteBuffer[] oneRecv;
    MsgInfo rinfo;
    boolean pulseOnly;
    Channel recvChannel;
    /** The pulse a pulse-only receive produced. */
    io.courier.kernel.Pulse recvPulse;
    /** The channel this thread last received a message on (priority inheritance). */
    volatile Channel servingChannel;

    /** The one-buffer IOV of a server's reply, read or write; made on first use. */
    ByteBuffer[] oneOp;

    // ---- unblocking by signals and events (K13, K17, K18)
    /** Set by a signal (EINTR) or an UNBLOCK event (ETIMEDOUT) to end the thread's blocking call. */
    volatile Errno pendingUnblock;
    /** The peer (another JVM or node) this thread's current call waits on, if any: its reply goes only to that call. */
    volatile NodePeers.Peer callPeer;
    /** The request header of this thread's calls to other JVMs and nodes, made on first use and reused ({@link NodePeers.Peer#call}). */
    ByteBuffer nodeHeader;
    /** The header and the message's buffers of such a call, reused while the IOV's length stays. */
    ByteBuffer[] nodeSrcs;
    /** The signal mask: bit signo-1 set blocks the signal. Written only by this thread. */
    volatile long sigmask;
    /** The signals this thread waits for in SignalWaitinfo; 0 when not waiting. */
    volatile long sigWaitSet;
    /** The signal handed to a thread waiting in SignalWaitinfo. */
    volatile io.courier.kernel.SigInfo sigResult;
    /**
     * Signals sent to this thread that it masks; null until the first. Guarded by the process's
     * signal lock. Made on first use, as the one-buffer arrays of a server: a blocked client
     * carries only what its call uses (SPEC B4).
     */
    java.util.ArrayDeque<io.courier.kernel.SigInfo> sigPending;
    /** INTR events not yet waited for; through {@link #addIntr} and {@link #takeIntr}. */
    private int intrs;
    /** The generation this thread's slot had when the thread was made: older rcvids are not its own. */
    int firstGen;
    /** The server thread that received this thread's current message (deadlock detection). */
    volatile KThread servedBy;
    /**
     * The process keeps this thread between its kernel calls (pidin lists it): it received on a
     * channel, waited for a signal or an interrupt, or set its own name, priority or signal mask.
     * A thread that only made other calls (a framework or pool thread lent to the process for a
     * call) is listed only while it is blocked in one. Written by the thread itself, once; read
     * by introspection only.
     */
    boolean owned;

    /** The current wait is in its yield phase, counted among {@link Blocking#MAX_YIELDERS}. Only this thread touches it. */
    boolean yielding;

    // ---- TimerTimeout: armed for the next blocking call in one of these states
    Set<ThreadState> timeoutStates;
    long timeoutNanos;

    KThread(Proc proc, Thread thread) {
        super(proc, thread);
        this.name = thread.getName().isEmpty() ? (thread.isVirtual() ? "virtual" : "thread") : thread.getName();
        this.basePriority = io.courier.kernel.Kernel.PRIORITY_DEFAULT;
        this.effPriority = basePriority;
    }

    /** Takes the pending unblock request, if any. */
    Errno takeUnblock() {
        Errno e = pendingUnblock;
        if (e != null) {
            pendingUnblock = null;
        }
        return e;
    }

    /** The process keeps this thread from now on (see {@link #owned}). */
    void own() {
        if (!owned) {
            owned = true;
        }
    }

    /**
     * Whether pidin lists this thread: its Java thread lives, and the process keeps it or it is
     * blocked in a kernel call.
     */
    boolean listed() {
        return !dead && thread.isAlive() && (owned || state != ThreadState.READY);
    }

    /** Whether the thread sits in a blocking kernel call that a signal or event can end. */
    boolean isBlocked() {
        ThreadState s = state;
        return s == ThreadState.SEND || s == ThreadState.REPLY || s == ThreadState.RECEIVE
                || s == ThreadState.SIGWAITINFO || s == ThreadState.INTR;
    }

    int sendPhase() {
        // Acquire: the server's writes (reply data, status) happen before it sets DONE.
        return (int) SEND_PHASE.getAcquire(this);
    }

    void sendPhase(int phase) {
        SEND_PHASE.setRelease(this, phase);
    }

    boolean casSendPhase(int expect, int phase) {
        return SEND_PHASE.compareAndSet(this, expect, phase);
    }

    /** The receive phase, with a full fence (RECV_DONE), before {@link #wake}. */
    void recvPhaseVolatile(int phase) {
        RECV_PHASE.setVolatile(this, phase);
    }

    /**
     * Called at the top of each round of a wait, before its check: from {@code parkRound} on,
     * announces that the wait may park (a full fence), so that a partner that completes the wait
     * after the check wakes this thread.
     */
    void announceParkFrom(int round, int parkRound) {
        if (round >= parkRound) {
            PARKED.setVolatile(this, true);
        }
    }

    /** The wait is over: partners need not wake this thread again. */
    void clearParked() {
        PARKED.setOpaque(this, false);
    }

    /** The wait is over, whichever way it ends: partners need not wake this thread, and it yields no more. */
    void endWait() {
        clearParked();
        if (yielding) {
            Blocking.leaveYield(this);
        }
    }

    boolean isParked() {
        return (boolean) PARKED.getVolatile(this);
    }

    /**
     * Wakes this thread if its wait may park, after its wait condition was set with a full
     * fence; a thread still spinning sees the condition by itself and is not touched.
     */
    void wake() {
        if (isParked()) {
            java.util.concurrent.locks.LockSupport.unpark(thread);
        }
    }

    /**
     * Whether a wait this thread parks in is already over (its reply, its message or pulse, a
     * signal or an unblock request arrived, it died, or the channel it is REPLY-blocked on is gone):
     * the reaper wakes such a thread, in case its wake-up was lost.
     */
    boolean waitIsOver() {
        Connection c = sendConn;
        return sendPhase() == DONE || recvPhase() == RECV_DONE || pendingUnblock != null || dead
                || sigResult != null || intrs() > 0 || proc.life != Proc.Life.ALIVE
                || (sendPhase() == REPLY && c != null && c.channel.destroyed);
    }

    /** INTR events not yet waited for. */
    int intrs() {
        return (int) INTRS.getVolatile(this);
    }

    /** One more INTR event for this thread (SPEC K17). */
    void addIntr() {
        INTRS.getAndAdd(this, 1);
    }

    /** Takes one INTR event, if there is one. */
    boolean takeIntr() {
        for (int n = intrs(); n > 0; n = intrs()) {
            if (INTRS.compareAndSet(this, n, n - 1)) {
                return true;
            }
        }
        return false;
    }

    /** The one-buffer IOV for a receive, made on first use. */
    ByteBuffer[] oneRecv() {
        ByteBuffer[] a = oneRecv;
        return a != null ? a : (oneRecv = new ByteBuffer[1]);
    }

    /** The one-buffer IOV for a reply, read or write, made on first use. */
    ByteBuffer[] oneOp() {
        ByteBuffer[] a = oneOp;
        return a != null ? a : (oneOp = new ByteBuffer[1]);
    }

    /** The queue of signals sent to this thread that it masks, made on first use; under the signal lock. */
    java.util.ArrayDeque<io.courier.kernel.SigInfo> sigPending() {
        java.util.ArrayDeque<io.courier.kernel.SigInfo> q = sigPending;
        return q != null ? q : (sigPending = new java.util.ArrayDeque<>());
    }

    boolean casRecvPhase(int expect, int phase) {
        return RECV_PHASE.compareAndSet(this, expect, phase);
    }

    int recvPhase() {
        return (int) RECV_PHASE.getAcquire(this);
    }

    void recvPhase(int phase) {
        // Release: what the deliverer wrote for us happens before we see RECV_DONE.
        RECV_PHASE.setRelease(this, phase);
    }

    long rcvid() {
        return ((long) gen << 32) | slot;
    }

    /** The next generation: positive, never 0, so a rcvid is always &gt; 0. */
    int nextGen() {
        int g = gen + 1;
        if (g <= 0) {
            g = 1;
        }
        // Release, not volatile: the hand-off to a server (a volatile store) publishes it, and
        // no full fence here stalls the client behind its own pending stores.
        GEN.setRelease(this, g);
        return g;
    }

    /**
     * What pidin shows of this thread: its state and what it is blocked on. Release stores: these
     * fields are for observers, and a full fence per kernel call would hold the thread until
     * every store before it reached the other core.
     */
    void show(ThreadState s, int on) {
        STATE.setRelease(this, s);
        BLOCKED_ON.setRelease(this, on);
    }

    /** The server thread that received this thread's message, for deadlock detection; a release store. */
    void servedBy(KThread server) {
        SERVED_BY.setRelease(this, server);
    }

    @Override
    public String toString() {
        return "KThread[" + proc.pid() + "/" + tid + " " + name + "]";
    }
}
