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
 *  IDLE -> SEND (queued on the channel) -> BUSY (a server copies the request)
 *       -> REPLY (REPLY-blocked) -> BUSY (a server replies, reads or writes) -> DONE
 *  SEND or REPLY -> IDLE when the client leaves (timeout, interrupt, death)
 * </pre>
 */
final class KThread extends Pending {
    static final int IDLE = 0;
    static final int SEND = 1;
    static final int BUSY = 2;
    static final int REPLY = 3;
    static final int DONE = 4;

    static final int RECV_IDLE = 0;
    static final int RECV_WAITING = 1;
    static final int RECV_CLAIMED = 2;
    static final int RECV_DONE = 3;

    private static final VarHandle SEND_PHASE;
    private static final VarHandle RECV_PHASE;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            SEND_PHASE = l.findVarHandle(KThread.class, "sendPhase", int.class);
            RECV_PHASE = l.findVarHandle(KThread.class, "recvPhase", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Proc proc;
    final Thread thread;
    /** Set once, before the thread is published. */
    int tid;
    /** Index in the kernel's rcvid table; set once, before the thread is published. */
    int slot;

    volatile String name;
    volatile int basePriority;
    /** The thread's effective priority, after inheritance (the message priority is {@link #priority}). */
    volatile int effPriority;
    volatile ThreadState state = ThreadState.READY;
    volatile int blockedOn = -1;
    volatile boolean dead;

    // ---- as a client (written by this thread before it is published under a channel lock
    // or by the CAS into REPLY; read by the server after it acquired them)
    @SuppressWarnings("unused") // through SEND_PHASE
    private int sendPhase;
    /** The generation of the current message; part of its rcvid. Written only by this thread. */
    volatile int gen;
    final ByteBuffer[] oneSend = new ByteBuffer[1];
    final ByteBuffer[] oneReply = new ByteBuffer[1];
    ByteBuffer[] siov;
    ByteBuffer[] riov;
    int slen;
    int rlen;
    Connection sendConn;
    /** The highest byte of the reply buffer written by msgWrite or the reply. */
    int replyExtent;
    int status;
    Errno error;
    /** Set when the client asked to unblock on an UNBLOCK channel; the error it would have had. */
    volatile Errno unblockError;

    // ---- as a server
    @SuppressWarnings("unused") // through RECV_PHASE
    private int recvPhase;
    ByteBuffer[] rdst;
    final ByteBuffer[] oneRecv = new ByteBuffer[1];
    MsgInfo rinfo;
    boolean pulseOnly;
    Channel recvChannel;
    /** What a finished receive produced: a rcvid, 0 for a pulse written into rdst. */
    long recvResult;
    /** The pulse a pulse-only receive produced. */
    PulseItem recvPulse;
    Errno recvError;
    /** The channel this thread last received a message on (priority inheritance). */
    volatile Channel servingChannel;

    final ByteBuffer[] oneOp = new ByteBuffer[1];

    // ---- unblocking by signals and events (K13, K17, K18)
    /** Set by a signal (EINTR) or an UNBLOCK event (ETIMEDOUT) to end the thread's blocking call. */
    volatile Errno pendingUnblock;
    /** The signal mask: bit signo-1 set blocks the signal. Written only by this thread. */
    volatile long sigmask;
    /** The signals this thread waits for in SignalWaitinfo; 0 when not waiting. */
    volatile long sigWaitSet;
    /** The signal handed to a thread waiting in SignalWaitinfo. */
    volatile io.courier.kernel.SigInfo sigResult;
    /** Signals sent to this thread that it masks. Guarded by the process's signal lock. */
    final java.util.ArrayDeque<io.courier.kernel.SigInfo> sigPending = new java.util.ArrayDeque<>();
    /** INTR events not yet waited for. */
    final java.util.concurrent.atomic.AtomicInteger intrs = new java.util.concurrent.atomic.AtomicInteger();
    /** The generation this thread's slot had when the thread was made: older rcvids are not its own. */
    int firstGen;
    /** The server thread that received this thread's current message (deadlock detection). */
    volatile KThread servedBy;

    // ---- TimerTimeout: armed for the next blocking call in one of these states
    Set<ThreadState> timeoutStates;
    long timeoutNanos;

    KThread(Proc proc, Thread thread) {
        this.proc = proc;
        this.thread = thread;
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

    int recvPhase() {
        return (int) RECV_PHASE.getAcquire(this);
    }

    void recvPhase(int phase) {
        // Release: the sender's copy into our buffer happens before we see RECV_DONE.
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
        gen = g;
        return g;
    }

    @Override
    public String toString() {
        return "KThread[" + proc.pid() + "/" + tid + " " + name + "]";
    }
}
