package io.courier.kernel.internal;

import io.courier.kernel.ChannelFlags;
import io.courier.kernel.ClientInfo;
import io.courier.kernel.ConnectFlags;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.PulseCode;
import io.courier.kernel.ServerInfo;
import io.courier.kernel.ThreadState;

/**
 * Connection calls: {@code ConnectAttach()} and {@code ConnectDetach()} of a client's coid and of
 * a server's scoid, the DISCONNECT pulse when a client's last connection to a channel goes, and
 * {@code ConnectClientInfo()} / {@code ConnectServerInfo()}. A connection is {@link Connection}
 * (the client's coid) and {@link ServerConn} (the server's scoid, one per client and channel).
 *
 * <p>SPEC K2 (connections, the side-channel range, connectAttach's exact errors), K7 (client and
 * server info), K12 (DISCONNECT).
 */
final class Connections {
    private Connections() {
    }

    static int connectAttach(Proc p, int nd, int pid, int chid, int index, int flags) {
        return connectAttach(p, p.self(), nd, pid, chid, index, flags);
    }

    /**
     * {@code connectAttach} by thread {@code t} of {@code p}, or, with {@code t} null, for a
     * process of another JVM of the node, which no thread of this JVM runs ({@link NodePeers}).
     */
    static int connectAttach(Proc p, KThread t, int nd, int pid, int chid, int index, int flags) {
        if ((flags & ~ConnectFlags.ALL) != 0) {
            throw new KernelException(Errno.EINVAL, "unknown connect flags 0x" + Integer.toHexString(flags));
        }
        if (index < 0 || (index & ~Kernel.SIDE_CHANNEL) >= Proc.MAX_CONNECTIONS) {
            throw new KernelException(Errno.EINVAL, "bad index " + index);
        }
        // pid 0 is the calling process, as in QNX's ConnectAttach().
        Proc server = nd != Kernel.ND_LOCAL_NODE ? null : pid == 0 ? p : p.mk.proc(pid);
        Channel ch;
        if (nd != Kernel.ND_LOCAL_NODE) {
            NodePeers net = p.mk.networkPeers();
            if (nd < 0 || t == null) {
                throw new KernelException(Errno.EHOSTUNREACH, "no node has descriptor " + nd);
            }
            // A process of another node: its kernel checks the channel; ours keeps a stand-in (issue 21).
            ch = net.remoteChannel(p, t, nd, pid, chid);
            server = ch.owner;
        } else if (server == null && t != null && p.mk.isOtherMember(pid)) {
            // A process of another JVM of the node: its kernel checks the channel; ours keeps a stand-in.
            ch = p.mk.node.peers.remoteChannel(p, t, pid, chid);
            server = ch.owner;
        } else {
            if (server == null) {
                throw new KernelException(Errno.ESRCH, "no process " + pid);
            }
            if (server.life != Proc.Life.ALIVE) {
                throw new KernelException(Errno.ENXIO, "process " + pid + " is terminating");
            }
            ch = server.channels.get(chid);
            if (ch == null || ch.destroyed) {
                throw new KernelException(Errno.ESRCH, "no channel " + chid + " in process " + pid);
            }
        }
        if (ch.has(ChannelFlags.PRIVATE) && server != p) {
            throw new KernelException(Errno.EPERM, "channel " + chid + " of process " + pid + " is private");
        }
        boolean side = (index & Kernel.SIDE_CHANNEL) != 0;
        IdTable<Connection> table = side ? p.sideConns : p.fdConns;
        int coid;
        ch.acquire();
        try {
            if (ch.destroyed) {
                throw new KernelException(Errno.ESRCH, "channel " + chid + " of process " + pid + " is gone");
            }
            ServerConn sc = ch.sconns.get(p);
            boolean fresh = sc == null;
            if (fresh) {
                ServerConn made = new ServerConn(ch, p);
                int scoid = server.scoids.addNew(id -> made, Proc.SCOID_BASE);
                if (scoid < 0) {
                    throw new KernelException(Errno.EAGAIN, "process " + pid + " is out of server connections");
                }
                made.scoid = scoid;
                sc = made;
            }
            ServerConn owner = sc;
            coid = table.addNew(id -> new Connection(id, p, ch, owner, flags), index);
            if (coid < 0) {
                if (fresh) {
                    server.scoids.remove(sc.scoid, sc);
                }
                throw new KernelException(Errno.EAGAIN, "out of connections");
            }
            if (fresh) {
                ch.sconns.put(p, sc);
            }
            sc.add(p.connection(coid));
        } finally {
            ch.lock.unlock();
        }
        if (p.life != Proc.Life.ALIVE) {
            // Lost a race with this process's death, which may not have seen the connection: undo
            // it unless death took it first.
            Connection c = table.get(coid);
            if (c != null && table.remove(coid, c)) {
                detach(c);
            }
            throw new KernelException(Errno.ESRCH, "process " + p.pid + " is dying");
        }
        if (t != null) {
            t.state = ThreadState.READY;
        }
        return coid;
    }

    /** The live connection {@code coid} of {@code p}, or EBADF. */
    static Connection live(Proc p, int coid) {
        Connection c = coid < 0 ? null : p.connection(coid);
        if (c == null || c.dead || c.channel.destroyed) {
            throw new KernelException(Errno.EBADF, "no connection " + coid + " in process " + p.pid);
        }
        return c;
    }

    static void connectDetach(Proc p, int coid) {
        p.self();
        Connection c = coid < 0 ? null : p.connection(coid);
        if (c != null) {
            if ((coid & Kernel.SIDE_CHANNEL) != 0 ? p.sideConns.remove(coid, c) : p.fdConns.remove(coid, c)) {
                detach(c);
                return;
            }
        }
        if (coid >= Proc.SCOID_BASE && coid < Kernel.SIDE_CHANNEL) {
            ServerConn sc = p.scoids.get(coid);
            if (sc != null) {
                detachServerConn(p, sc);
                return;
            }
        }
        throw new KernelException(Errno.EINVAL, "no connection " + coid + " in process " + p.pid);
    }

    /** The client side goes: the last connection of a client sends DISCONNECT (SPEC K12). */
    static void detach(Connection c) {
        Channel ch = c.channel;
        ServerConn sc = c.sconn;
        boolean free = false;
        boolean disconnect = false;
        ch.acquire();
        try {
            sc.remove(c);
            if (sc.conns.isEmpty() && ch.sconns.get(sc.client) == sc) {
                ch.sconns.remove(sc.client);
                if (!ch.destroyed && ch.has(ChannelFlags.DISCONNECT)) {
                    sc.zombie = true;
                    sc.gone();
                    disconnect = true;
                } else {
                    free = true;
                }
            }
        } finally {
            ch.lock.unlock();
        }
        if (disconnect) {
            Pulses.postKernel(ch, new PulseItem(Kernel.PRIORITY_DEFAULT, PulseCode.DISCONNECT, sc.scoid, sc.scoid,
                    null));
        } else if (free) {
            ch.owner.scoids.remove(sc.scoid, sc);
            if (ch.remote != null) {
                // A channel of another JVM: its kernel hears that this client's last connection went.
                ch.remote.detached(sc.client);
            }
        }
    }

    /** The server detaches a scoid: frees it after DISCONNECT, or cuts a live client off. */
    private static void detachServerConn(Proc p, ServerConn sc) {
        Channel ch = sc.channel;
        ch.acquire();
        try {
            if (ch.sconns.get(sc.client) == sc) {
                ch.sconns.remove(sc.client);
            }
            sc.gone();
            for (Connection c : sc.conns) {
                c.dead = true;
            }
        } finally {
            ch.lock.unlock();
        }
        p.scoids.remove(sc.scoid, sc);
    }

    static ClientInfo connectClientInfo(Proc p, int scoid) {
        p.self();
        ServerConn sc = scoid >= Proc.SCOID_BASE && scoid < Kernel.SIDE_CHANNEL ? p.scoids.get(scoid) : null;
        if (sc == null) {
            throw new KernelException(Errno.ESRCH, "no server connection " + scoid + " in process " + p.pid);
        }
        return new ClientInfo(sc.client.pid, sc.client.credentials.uid(), sc.client.credentials.gid());
    }

    static ServerInfo connectServerInfo(Proc p, int coid) {
        p.self();
        Connection c = live(p, coid);
        NodePeers.Remote remote = c.channel.remote;
        return new ServerInfo(c.channel.owner.pid, c.channel.chid, c.sconn.scoid,
                remote == null ? io.courier.kernel.Kernel.ND_LOCAL_NODE : remote.peer.nd);
    }
}
