package io.courier.kernel.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.kernel.SendCycle;
import io.courier.kernel.ThreadState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
 */
final class Deadlocks {
    private static final Logger LOG = LoggerFactory.getLogger(Deadlocks.class);
    /** Longest chain followed; longer chains are not reported. */
    private static final int MAX_DEPTH = 64;

    private Deadlocks() {
    }

    /** Fails with EDEADLK when {@code sender} blocking on {@code ch} would close a cycle. */
    static void check(KThread sender, Channel ch) {
        KThread next = server(ch);
        List<KThread> chain = null;
        for (int depth = 0; next != null && depth < MAX_DEPTH; depth++) {
            if (next == sender) {
                throw report(sender, chain);
            }
            ThreadState s = next.state;
            KThread after;
            if (s == ThreadState.REPLY) {
                after = next.servedBy;
            } else if (s == ThreadState.SEND) {
                Connection c = next.sendConn;
                after = c == null ? null : server(c.channel);
            } else {
                return;
            }
            if (chain == null) {
                chain = new ArrayList<>();
            }
            chain.add(next);
            next = after;
        }
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

    private static KernelException report(KThread sender, List<KThread> chain) {
        List<SendCycle.Member> members = new ArrayList<>();
        members.add(new SendCycle.Member(sender.proc.pid, sender.tid, sender.proc.name, ThreadState.SEND));
        if (chain != null) {
            for (KThread k : chain) {
                members.add(new SendCycle.Member(k.proc.pid, k.tid, k.proc.name, k.state));
            }
        }
        SendCycle cycle = new SendCycle(Instant.now(), members);
        sender.proc.mk.refused(cycle);
        LOG.warn("send refused, it would deadlock: {}", cycle);
        return new KernelException(Errno.EDEADLK, "send would close the cycle " + cycle);
    }
}
