package io.courier.kernel.internal;

import io.courier.kernel.Ability;
import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.PulseCode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Channel calls: {@code ChannelCreate()} and {@code ChannelDestroy()}, a channel's destruction
 * (by the call, a name's detach or process death) with what it does to the threads blocked on it
 * and the connections to it, and the COIDDEATH pulse a client gets when a server it is connected
 * to goes away. The channel itself, its state and queues, is {@link Channel}.
 *
 * <p>SPEC K1 (channels and their flags), K12 (COIDDEATH), K15 (a dying process's channels), and
 * channelDestroy's exact errors (ESRCH to blocked threads, EBADF to later sends).
 */
final class Channels {
    private Channels() {
    }

    static int channelCreate(Proc p, int flags) {
        p.self();
        if ((flags & ~ChannelFlags.ALL) != 0) {
            throw new KernelException(Errno.EINVAL, "unknown channel flags 0x" + Integer.toHexString(flags));
        }
        if ((flags & ChannelFlags.PRIVATE) == 0 && !p.hasAbility(Ability.PUBLIC_CHANNEL)) {
            throw new KernelException(Errno.EPERM, "a public channel needs the PUBLIC_CHANNEL ability");
        }
        int chid = p.channels.addNew(id -> new Channel(id, p, flags), 1);
        if (chid < 0) {
            throw new KernelException(Errno.EAGAIN, "out of channels");
        }
        if (p.life != Proc.Life.ALIVE) {
            // Lost a race with process death: undo.
            Channel ch = p.channels.get(chid);
            if (ch != null) {
                destroy(ch);
            }
            throw new KernelException(Errno.ESRCH, "process " + p.pid + " is dying");
        }
        return chid;
    }

    static void channelDestroy(Proc p, int chid) {
        p.self();
        Channel ch = p.channels.get(chid);
        if (ch == null || ch.destroyed) {
            throw new KernelException(Errno.EINVAL, "no channel " + chid + " in process " + p.pid);
        }
        destroy(ch);
    }

    /** Channel destruction (SPEC exact values): blocked threads fail with ESRCH, pulses freed. */
    static void destroy(Channel ch) {
        List<Pending> senders;
        List<KThread> receivers = new ArrayList<>();
        List<ServerConn> sconns;
        // Copied under the lock: clients attach and detach (changing each sc.conns) meanwhile.
        List<Connection> cut = new ArrayList<>();
        ch.acquire();
        try {
            if (ch.destroyed) {
                return;
            }
            ch.destroyed = true;
            senders = new ArrayList<>(ch.senders);
            ch.senders.clear();
            ch.clearPulses();
            receivers.addAll(ch.drainReceivers());
            sconns = new ArrayList<>(ch.sconns.values());
            ch.sconns.clear();
            for (ServerConn sc : sconns) {
                sc.gone();
                for (Connection c : sc.conns) {
                    c.dead = true;
                    cut.add(c);
                }
            }
        } finally {
            ch.lock.unlock();
        }
        Proc owner = ch.owner;
        owner.channels.remove(ch.chid, ch);
        for (Pending p : senders) {
            KThread c = (KThread) p;
            MsgSend.finishSend(c, 0, Errno.ESRCH);
        }
        for (KThread r : receivers) {
            r.recvError = Errno.ESRCH;
            r.recvPhase(KThread.RECV_DONE);
            LockSupport.unpark(r.thread);
        }
        // REPLY-blocked clients of this channel: rare, so scan rather than track per message.
        for (KThread c : owner.mk.allThreads()) {
            Connection conn = c.sendConn;
            if (conn != null && conn.channel == ch) {
                int gen = c.gen;
                if (MsgSend.claim(c, gen)) {
                    MsgSend.finishSend(c, 0, Errno.ESRCH);
                }
            }
        }
        for (ServerConn sc : sconns) {
            owner.scoids.remove(sc.scoid, sc);
        }
        for (Connection c : cut) {
            coidDeath(c.owner, c.coid);
        }
        owner.mk.channelGone(ch);
    }

    /** A server {@code client} is connected to went away: COIDDEATH to a COID_DISCONNECT channel. */
    static void coidDeath(Proc client, int coid) {
        if (client.node != null) {
            // A client of another JVM of the node: its kernel marks its connections and tells it.
            client.node.coidDeath(coid);
            return;
        }
        for (Channel ch : client.channels.values()) {
            if (ch.has(ChannelFlags.COID_DISCONNECT) && !ch.destroyed) {
                Pulses.postKernel(ch, new PulseItem(Kernel.PRIORITY_DEFAULT, PulseCode.COIDDEATH, coid, 0, null));
                return;
            }
        }
    }
}
