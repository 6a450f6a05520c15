package io.courier.kernel.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.kernel.SigInfo;
import io.courier.kernel.Signals;
import io.courier.kernel.ThreadState;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Signals, as far as events and unblocking need them: {@code SignalKill()} and where a signal
 * goes (a thread waiting for it, else a thread blocked in a kernel call that does not mask it,
 * which leaves with EINTR, else the pending queue of the thread or the process), the mask
 * ({@code SignalProcmask()}), {@code SignalWaitinfo()}, and {@code InterruptWait()} for INTR
 * events. Courier has no asynchronous handlers; SIGKILL ends the process.
 *
 * <p>SPEC K18 (signals), K13 (a signal unblocks a blocked call with EINTR), K17 (SIGNAL and INTR
 * events arrive here).
 */
final class SignalDelivery {
    private SignalDelivery() {
    }

    static void signalKill(Proc p, int pid, int tid, int signo, int code, long value) {
        p.self();
        if (signo < 1 || signo > Signals.SIGMAX) {
            throw new KernelException(Errno.EINVAL, "signal " + signo + " is outside 1.." + Signals.SIGMAX);
        }
        // pid 0: the caller's process group, which in Courier is the calling process alone.
        Proc target = pid == 0 ? p : p.mk.proc(pid);
        if (target == null && p.mk.isOtherMember(pid)) {
            // A process of another JVM of the node: its kernel delivers the signal (K18 there).
            p.mk.node.peers.signal(p, p.self(), pid, tid, signo, code, value);
            return;
        }
        if (target == null) {
            throw new KernelException(Errno.ESRCH, "no process " + pid);
        }
        if (target != p && !p.mayNotify(target)) {
            throw new KernelException(Errno.EPERM, "process " + p.pid + " may not signal process " + pid);
        }
        signal(target, tid, new SigInfo(signo, code, value, p.pid));
    }

    /**
     * Delivers a signal to process {@code p} (K18): to a thread waiting for it, else by
     * unblocking a thread blocked in a kernel call that does not mask it (EINTR), else it stays
     * pending.
     */
    static void signal(Proc p, int tid, SigInfo info) {
        if (info.signo() == Signals.SIGKILL) {
            p.exit();
            return;
        }
        KThread target;
        boolean handed = false;
        p.sigLock.lock();
        try {
            if (p.life != Proc.Life.ALIVE) {
                throw new KernelException(Errno.ESRCH, "process " + p.pid + " is " + p.life.name().toLowerCase());
            }
            if (tid != 0) {
                target = p.tids.get(tid);
                if (target == null || target.dead) {
                    throw new KernelException(Errno.ESRCH, "no thread " + tid + " in process " + p.pid);
                }
            } else {
                target = pickTarget(p, info.signo());
            }
            if (target != null && Signals.contains(target.sigWaitSet, info.signo())) {
                target.sigWaitSet = 0;
                target.sigResult = info;
                handed = true;
            } else if (target != null && !Signals.contains(target.sigmask, info.signo()) && target.isBlocked()
                    && target.state != ThreadState.SIGWAITINFO) {
                target.pendingUnblock = Errno.EINTR;
                handed = true;
            } else if (tid != 0) {
                target.sigPending().add(info);
            } else {
                p.sigPending.add(info);
            }
        } finally {
            p.sigLock.unlock();
        }
        if (handed) {
            LockSupport.unpark(target.thread);
        }
    }

    /** A waiter for the signal first, then a thread blocked in a kernel call that does not mask it. */
    private static KThread pickTarget(Proc p, int signo) {
        KThread blocked = null;
        for (KThread k : p.threads.values()) {
            if (k.dead) {
                continue;
            }
            if (Signals.contains(k.sigWaitSet, signo)) {
                return k;
            }
            if (blocked == null && !Signals.contains(k.sigmask, signo) && k.isBlocked()
                    && k.state != ThreadState.SIGWAITINFO) {
                blocked = k;
            }
        }
        return blocked;
    }

    static long signalProcmask(Proc p, int how, long set) {
        KThread t = p.self();
        t.own();
        long old = t.sigmask;
        long kill = Signals.set(Signals.SIGKILL);
        switch (how) {
            case Signals.SIG_BLOCK -> t.sigmask = (old | set) & ~kill;
            case Signals.SIG_UNBLOCK -> t.sigmask = old & ~set;
            case Signals.SIG_SETMASK -> t.sigmask = set & ~kill;
            default -> throw new KernelException(Errno.EINVAL, "bad how " + how);
        }
        return old;
    }

    static SigInfo signalWaitinfo(Proc p, long set, Duration timeout) {
        KThread t = p.self();
        t.own();
        if (set == 0) {
            throw new KernelException(Errno.EINVAL, "empty signal set");
        }
        long deadline = Blocking.deadline(t, timeout, ThreadState.SIGWAITINFO);
        t.timeoutStates = null;
        p.sigLock.lock();
        try {
            SigInfo ready = t.sigPending == null ? null : takePending(t.sigPending, set);
            if (ready == null) {
                ready = takePending(p.sigPending, set);
            }
            if (ready != null) {
                return ready;
            }
            t.sigResult = null;
            t.sigWaitSet = set;
            t.state = ThreadState.SIGWAITINFO;
        } finally {
            p.sigLock.unlock();
        }
        try {
            int round = 0;
            int parkRound = p.mk.idle.parkRound();
            for (;;) {
                t.announceParkFrom(round, parkRound);
                SigInfo got = t.sigResult;
                if (got != null) {
                    t.sigResult = null;
                    return got;
                }
                Errno leave = Blocking.leaveReason(t, deadline);
                if (leave != null) {
                    p.sigLock.lock();
                    try {
                        if (t.sigResult == null) {
                            t.sigWaitSet = 0;
                            throw new KernelException(leave, "signalWaitinfo");
                        }
                    } finally {
                        p.sigLock.unlock();
                    }
                    continue;
                }
                round = Blocking.idle(t, p.mk.idle, round, deadline);
            }
        } finally {
            t.endWait();
            t.sigWaitSet = 0;
            t.state = ThreadState.READY;
        }
    }

    private static SigInfo takePending(java.util.ArrayDeque<SigInfo> queue, long set) {
        for (java.util.Iterator<SigInfo> it = queue.iterator(); it.hasNext();) {
            SigInfo s = it.next();
            if (Signals.contains(set, s.signo())) {
                it.remove();
                return s;
            }
        }
        return null;
    }

    /** Waits for an INTR event (K17) delivered to the calling thread. */
    static void interruptWait(Proc p, Duration timeout) {
        KThread t = p.self();
        t.own();
        long deadline = Blocking.deadline(t, timeout, ThreadState.INTR);
        t.timeoutStates = null;
        t.state = ThreadState.INTR;
        try {
            int round = 0;
            int parkRound = p.mk.idle.parkRound();
            for (;;) {
                t.announceParkFrom(round, parkRound);
                if (t.takeIntr()) {
                    return;
                }
                Errno leave = Blocking.leaveReason(t, deadline);
                if (leave != null) {
                    throw new KernelException(leave, "interruptWait");
                }
                round = Blocking.idle(t, p.mk.idle, round, deadline);
            }
        } finally {
            t.endWait();
            t.state = ThreadState.READY;
        }
    }
}
