package io.courier.kernel.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.kernel.SendCycle;
import io.courier.kernel.ThreadState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Send-cycle detection (SPEC K19, beyond QNX): a send that would close a cycle of SEND- and
 * REPLY-blocked threads fails with EDEADLK and a log line naming the cycle.
 *
 * <p>Called only when no receiver waits on the channel (a waiting receiver can always take the
 * message), so the common path pays nothing. The message would be served by the channel's
 * last receiving thread (or, if none received yet, by the only thread of the owner). That
 * thread is followed: if it is REPLY-blocked, to the server thread handling its message; if it
 * is SEND-blocked, to the server of that channel; and so on. Reaching the sender closes a cycle.
 * A thread that is running, ready or receiving ends the walk: it can still make progress.
 *
 * <p>Across the JVMs of a node (issue 20): a walk that reaches a thread blocked on a process of
 * another JVM cannot see further, so it hands on a <em>probe</em> (edge chasing): the sender's
 * pid and tid, the channel the walk stopped at and the chain so far go to that JVM
 * ({@link NodePeers}), whose kernel goes on walking from that channel's server
 * ({@link #probed}). The JVM whose walk reaches the sender itself has found the cycle: it asks
 * the sender's wait to end with EDEADLK, as a timeout or a signal does (K13), so the send that
 * closed the cycle is taken back and refused, only a moment later than a send within one JVM.
 */
final class Deadlocks {
    private static final Logger LOG = LoggerFactory.getLogger(Deadlocks.class);
    /** Longest chain followed (across JVMs too); longer chains are not reported. */
    static final int MAX_DEPTH = 64;

    private Deadlocks() {
    }

    /**
     * A walk that left this JVM: the sender it started from, the remote channel it reached, and
     * the chain of blocked threads so far (pid, tid, state ordinal, three ints each).
     */
    record Probe(int originPid, int originTid, Channel at, int[] chain) {
        /** Hands the walk on to the JVM of the channel reached. */
        void send() {
            at.remote.probe(originPid, originTid, chain);
        }
    }

    /**
     * Fails with EDEADLK when {@code sender} blocking on {@code ch} would close a cycle of this
     * JVM; returns a {@link Probe} to send (after the channel's lock is let go) when the chain
     * goes on in another JVM of the node, or null.
     */
    static Probe check(KThread sender, Channel ch) {
        List<KThread> chain = null; // made at the first blocked thread: most walks end at once
        KThread next = server(ch);
        for (int depth = 0; next != null && depth < MAX_DEPTH; depth++) {
            if (next == sender) {
                throw report(sender, chain);
            }
            Channel remote = remoteWait(next);
            if (remote != null) {
                chain = with(chain, next);
                // A stand-in's walk starts from the thread it stands for, in its own JVM.
                int tid = sender.proc.node != null ? sender.proc.node.remoteTid(sender) : sender.tid;
                return new Probe(sender.proc.pid, tid, remote, encode(chain));
            }
            KThread after = following(next);
            if (after == null) {
                return null;
            }
            chain = with(chain, next);
            next = after;
        }
        return null;
    }

    private static List<KThread> with(List<KThread> chain, KThread k) {
        List<KThread> c = chain == null ? new ArrayList<>(4) : chain;
        c.add(k);
        return c;
    }

    /**
     * A probe from another JVM of the node: a walk that started at thread {@code originTid} of
     * process {@code originPid} reached channel {@code chid} of process {@code pid} of this JVM
     * after the threads of {@code chain}. Goes on walking here: ends the origin's send with
     * EDEADLK when it is a thread of this JVM and the walk reaches it, hands the probe on when
     * the chain leaves this JVM again, and otherwise stops.
     */
    static void probed(MicrokernelImpl mk, int originPid, int originTid, int pid, int chid, int[] chain) {
        Proc p = mk.proc(pid);
        Channel ch = p == null ? null : p.channels.get(chid);
        if (ch == null || ch.destroyed || chain.length / 3 >= MAX_DEPTH) {
            return;
        }
        List<KThread> here = new ArrayList<>(4);
        KThread next = server(ch);
        for (int depth = chain.length / 3; next != null && depth < MAX_DEPTH; depth++) {
            if (next.proc.node == null && next.proc.pid == originPid && next.tid == originTid) {
                if (blocked(next)) {
                    closed(next, chain, here);
                }
                return;
            }
            Channel remote = remoteWait(next);
            if (remote != null) {
                here.add(next);
                remote.remote.probe(originPid, originTid, append(chain, here));
                return;
            }
            KThread after = following(next);
            if (after == null) {
                return;
            }
            here.add(next);
            next = after;
        }
    }

    /** The thread {@code t} waits for in this JVM, or null (running, receiving, or waiting on another JVM). */
    private static KThread following(KThread t) {
        ThreadState s = t.state;
        if (s == ThreadState.REPLY) {
            return t.servedBy;
        }
        if (s == ThreadState.SEND) {
            Connection c = t.sendConn;
            return c == null ? null : server(c.channel);
        }
        return null;
    }

    private static boolean blocked(KThread t) {
        ThreadState s = t.state;
        return s == ThreadState.SEND || s == ThreadState.REPLY;
    }

    /** The channel of another JVM {@code t} is SEND- or REPLY-blocked on, or null. */
    private static Channel remoteWait(KThread t) {
        if (!blocked(t)) {
            return null;
        }
        Connection c = t.sendConn;
        Channel ch = c == null ? null : c.channel;
        return ch != null && ch.remote != null && ch.owner.pid == t.blockedOn ? ch : null;
    }

    /** The thread that would serve a message queued on {@code ch}, or null when unknown. */
    static KThread server(Channel ch) {
        KThread last = ch.lastServer;
        if (last != null && !last.dead) {
            return last;
        }
        KThread only = null;
        for (KThread k : ch.owner.threads.values()) {
            if (!k.dead) {
                if (only != null) {
                    return null;
                }
                only = k;
            }
        }
        return only;
    }

    private static int[] encode(List<KThread> chain) {
        int[] out = new int[3 * chain.size()];
        for (int i = 0; i < chain.size(); i++) {
            KThread k = chain.get(i);
            out[3 * i] = k.proc.pid;
            out[3 * i + 1] = k.tid;
            out[3 * i + 2] = k.state.ordinal();
        }
        return out;
    }

    private static int[] append(int[] chain, List<KThread> here) {
        int[] more = encode(here);
        int[] out = java.util.Arrays.copyOf(chain, chain.length + more.length);
        System.arraycopy(more, 0, out, chain.length, more.length);
        return out;
    }

    /**
     * The walk came back to {@code origin}, a thread of this JVM blocked in the send that closed
     * the cycle: that send ends with EDEADLK (its wait takes the request back from the server's
     * queue, in this JVM or another, as for a timeout).
     */
    private static void closed(KThread origin, int[] chain, List<KThread> here) {
        List<SendCycle.Member> members = new ArrayList<>();
        members.add(new SendCycle.Member(origin.proc.pid, origin.tid, origin.proc.name, ThreadState.SEND));
        ThreadState[] states = ThreadState.values();
        for (int i = 0; i + 2 < chain.length; i += 3) {
            int s = chain[i + 2];
            members.add(new SendCycle.Member(chain[i], chain[i + 1], processName(origin.proc.mk, chain[i]),
                    s >= 0 && s < states.length ? states[s] : ThreadState.SEND));
        }
        for (KThread k : here) {
            members.add(new SendCycle.Member(k.proc.pid, k.tid, k.proc.name, k.state));
        }
        SendCycle cycle = new SendCycle(Instant.now(), members);
        origin.proc.mk.refused(cycle);
        LOG.warn("send refused, it would deadlock across the JVMs of the node: {}", cycle);
        origin.pendingUnblock = Errno.EDEADLK;
        LockSupport.unpark(origin.thread);
    }

    /** A process's name for a report: this JVM's process, or the node's table of the others. */
    private static String processName(MicrokernelImpl mk, int pid) {
        Proc p = mk.proc(pid);
        if (p != null) {
            return p.name;
        }
        String name = mk.nodeProcessName(pid);
        return name != null ? name : "pid " + pid;
    }

    private static KernelException report(KThread sender, List<KThread> chain) {
        List<SendCycle.Member> members = new ArrayList<>();
        members.add(new SendCycle.Member(sender.proc.pid, sender.tid, sender.proc.name, ThreadState.SEND));
        for (KThread k : chain == null ? List.<KThread>of() : chain) {
            members.add(new SendCycle.Member(k.proc.pid, k.tid, k.proc.name, k.state));
        }
        SendCycle cycle = new SendCycle(Instant.now(), members);
        sender.proc.mk.refused(cycle);
        LOG.warn("send refused, it would deadlock: {}", cycle);
        return new KernelException(Errno.EDEADLK, "send would close the cycle " + cycle);
    }
}
