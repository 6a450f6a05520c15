package io.courier.kernel.internal;

import io.courier.kernel.Ability;
import io.courier.kernel.ChannelFlags;
import io.courier.kernel.ClientInfo;
import io.courier.kernel.ConnectFlags;
import io.courier.kernel.Credentials;
import io.courier.kernel.Errno;
import io.courier.kernel.IoConnectLayout;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.kernel.MsgInfo;
import io.courier.kernel.NameAttach;
import io.courier.kernel.Pulse;
import io.courier.kernel.PulseCode;
import io.courier.kernel.PulseLayout;
import io.courier.kernel.ServerInfo;
import io.courier.kernel.SigEvent;
import io.courier.kernel.SigInfo;
import io.courier.kernel.Signals;
import io.courier.kernel.ThreadState;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process and its view of the kernel: channels, connections, server connections and
 * threads, and every kernel call it makes.
 */
final class Proc implements Kernel {
    private static final Logger LOG = LoggerFactory.getLogger(Proc.class);

    /** Connections a process may hold in each of the fd range and the side-channel range. */
    static final int MAX_CONNECTIONS = 1 << 16;
    /** Channels a process may own. */
    static final int MAX_CHANNELS = 1 << 16;
    /** Server connection ids live between the fd range and the side channels, so that
     * {@link #connectDetach} can tell a scoid from a coid. */
    static final int SCOID_BASE = 0x20000000;
    /** The longest name {@link #nameAttach} accepts. */
    static final int NAME_MAX = 255;
    /** {@code NAME_FLAG_ATTACH_GLOBAL}. */
    static final int NAME_FLAG_ATTACH_GLOBAL = 0x1;

    private static final ByteBuffer[] NO_BUFFERS = new ByteBuffer[0];
    private static final long NO_DEADLINE = Long.MAX_VALUE;

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
    private final List<Runnable> exitHooks = new CopyOnWriteArrayList<>();
    /** Guards signal delivery: the pending queues and the hand-over to waiting threads. */
    final ReentrantLock sigLock = new ReentrantLock();
    /** Signals sent to the process that every thread masks. Guarded by {@link #sigLock}. */
    final java.util.ArrayDeque<SigInfo> sigPending = new java.util.ArrayDeque<>();
    /** Events this process registered (MsgRegisterEvent), by handle. */
    final ConcurrentHashMap<Long, EventDelivery.Registration> registrations = new ConcurrentHashMap<>();

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
    public int tid() {
        return self().tid;
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

    @Override
    public boolean isAlive() {
        return life == Life.ALIVE;
    }

    /** The calling Java thread as a thread of this process, made on first use. */
    KThread self() {
        KThread t = mk.cached();
        if (t != null && t.proc == this && !t.dead) {
            return t;
        }
        if (life != Life.ALIVE) {
            throw new KernelException(Errno.ESRCH, "process " + pid + " is " + life.name().toLowerCase());
        }
        Thread jt = Thread.currentThread();
        t = threads.get(jt);
        if (t == null || t.dead) {
            t = mk.newThread(this, jt);
        }
        mk.cache(t);
        return t;
    }

    // ------------------------------------------------------------------ channels

    @Override
    public int channelCreate(int flags) {
        self();
        if ((flags & ~ChannelFlags.ALL) != 0) {
            throw new KernelException(Errno.EINVAL, "unknown channel flags 0x" + Integer.toHexString(flags));
        }
        if ((flags & ChannelFlags.PRIVATE) == 0 && !hasAbility(Ability.PUBLIC_CHANNEL)) {
            throw new KernelException(Errno.EPERM, "a public channel needs the PUBLIC_CHANNEL ability");
        }
        int chid = channels.addNew(id -> new Channel(id, this, flags), 1);
        if (chid < 0) {
            throw new KernelException(Errno.EAGAIN, "out of channels");
        }
        if (life != Life.ALIVE) {
            // Lost a race with process death: undo.
            Channel ch = channels.get(chid);
            if (ch != null) {
                destroyChannel(ch);
            }
            throw new KernelException(Errno.ESRCH, "process " + pid + " is dying");
        }
        return chid;
    }

    @Override
    public void channelDestroy(int chid) {
        self();
        Channel ch = channels.get(chid);
        if (ch == null || ch.destroyed) {
            throw new KernelException(Errno.EINVAL, "no channel " + chid + " in process " + pid);
        }
        destroyChannel(ch);
    }

    /** Channel destruction (SPEC exact values): blocked threads fail with ESRCH, pulses freed. */
    void destroyChannel(Channel ch) {
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
            ch.pulses.clear();
            receivers.addAll(ch.drainReceivers());
            receivers.addAll(ch.pulseReceivers);
            ch.pulseReceivers.clear();
            sconns = new ArrayList<>(ch.sconns.values());
            ch.sconns.clear();
            for (ServerConn sc : sconns) {
                for (Connection c : sc.conns) {
                    c.dead = true;
                    cut.add(c);
                }
            }
        } finally {
            ch.lock.unlock();
        }
        channels.remove(ch.chid, ch);
        for (Pending p : senders) {
            KThread c = (KThread) p;
            finishSend(c, 0, Errno.ESRCH);
        }
        for (KThread r : receivers) {
            r.recvError = Errno.ESRCH;
            r.recvPhase(KThread.RECV_DONE);
            LockSupport.unpark(r.thread);
        }
        // REPLY-blocked clients of this channel: rare, so scan rather than track per message.
        for (KThread c : mk.allThreads()) {
            Connection conn = c.sendConn;
            if (conn != null && conn.channel == ch) {
                int gen = c.gen;
                if (claim(c, gen)) {
                    finishSend(c, 0, Errno.ESRCH);
                }
            }
        }
        for (ServerConn sc : sconns) {
            scoids.remove(sc.scoid, sc);
        }
        for (Connection c : cut) {
            c.owner.coidDeath(c.coid);
        }
        mk.channelGone(ch);
    }

    /** A server this process is connected to went away: COIDDEATH to a COID_DISCONNECT channel. */
    void coidDeath(int coid) {
        for (Channel ch : channels.values()) {
            if (ch.has(ChannelFlags.COID_DISCONNECT) && !ch.destroyed) {
                postKernelPulse(ch, new PulseItem(PRIORITY_DEFAULT, PulseCode.COIDDEATH, coid, 0, null));
                return;
            }
        }
    }

    // ------------------------------------------------------------------ connections

    @Override
    public int connectAttach(int nd, int pid, int chid, int index, int flags) {
        KThread t = self();
        if (nd != ND_LOCAL_NODE) {
            throw new KernelException(Errno.EINVAL, "node " + nd + " is not this node");
        }
        if ((flags & ~ConnectFlags.ALL) != 0) {
            throw new KernelException(Errno.EINVAL, "unknown connect flags 0x" + Integer.toHexString(flags));
        }
        if (index < 0 || (index & ~SIDE_CHANNEL) >= MAX_CONNECTIONS) {
            throw new KernelException(Errno.EINVAL, "bad index " + index);
        }
        // pid 0 is the calling process, as in QNX's ConnectAttach().
        Proc server = pid == 0 ? this : mk.proc(pid);
        if (server == null) {
            throw new KernelException(Errno.ESRCH, "no process " + pid);
        }
        if (server.life != Life.ALIVE) {
            throw new KernelException(Errno.ENXIO, "process " + pid + " is terminating");
        }
        Channel ch = server.channels.get(chid);
        if (ch == null || ch.destroyed) {
            throw new KernelException(Errno.ESRCH, "no channel " + chid + " in process " + pid);
        }
        if (ch.has(ChannelFlags.PRIVATE) && server != this) {
            throw new KernelException(Errno.EPERM, "channel " + chid + " of process " + pid + " is private");
        }
        boolean side = (index & SIDE_CHANNEL) != 0;
        IdTable<Connection> table = side ? sideConns : fdConns;
        int coid;
        ch.acquire();
        try {
            if (ch.destroyed) {
                throw new KernelException(Errno.ESRCH, "channel " + chid + " of process " + pid + " is gone");
            }
            ServerConn sc = ch.sconns.get(this);
            boolean fresh = sc == null;
            if (fresh) {
                ServerConn made = new ServerConn(ch, this);
                int scoid = server.scoids.addNew(id -> made, SCOID_BASE);
                if (scoid < 0) {
                    throw new KernelException(Errno.EAGAIN, "process " + pid + " is out of server connections");
                }
                made.scoid = scoid;
                sc = made;
            }
            ServerConn owner = sc;
            coid = table.addNew(id -> new Connection(id, this, ch, owner, flags), index);
            if (coid < 0) {
                if (fresh) {
                    server.scoids.remove(sc.scoid, sc);
                }
                throw new KernelException(Errno.EAGAIN, "out of connections");
            }
            if (fresh) {
                ch.sconns.put(this, sc);
            }
            sc.conns.add(connection(coid));
        } finally {
            ch.lock.unlock();
        }
        if (life != Life.ALIVE) {
            // Lost a race with this process's death, which may not have seen the connection: undo
            // it unless death took it first.
            Connection c = table.get(coid);
            if (c != null && table.remove(coid, c)) {
                detach(c);
            }
            throw new KernelException(Errno.ESRCH, "process " + this.pid + " is dying");
        }
        t.state = ThreadState.READY;
        return coid;
    }

    Connection connection(int coid) {
        return (coid & SIDE_CHANNEL) != 0 ? sideConns.get(coid) : fdConns.get(coid);
    }

    /** The live connection {@code coid}, or EBADF. */
    private Connection liveConnection(int coid) {
        Connection c = coid < 0 ? null : connection(coid);
        if (c == null || c.dead || c.channel.destroyed) {
            throw new KernelException(Errno.EBADF, "no connection " + coid + " in process " + pid);
        }
        return c;
    }

    @Override
    public void connectDetach(int coid) {
        self();
        Connection c = coid < 0 ? null : connection(coid);
        if (c != null) {
            if ((coid & SIDE_CHANNEL) != 0 ? sideConns.remove(coid, c) : fdConns.remove(coid, c)) {
                detach(c);
                return;
            }
        }
        if (coid >= SCOID_BASE && coid < SIDE_CHANNEL) {
            ServerConn sc = scoids.get(coid);
            if (sc != null) {
                detachServerConn(sc);
                return;
            }
        }
        throw new KernelException(Errno.EINVAL, "no connection " + coid + " in process " + pid);
    }

    /** The client side goes: the last connection of a client sends DISCONNECT (SPEC K12). */
    void detach(Connection c) {
        Channel ch = c.channel;
        ServerConn sc = c.sconn;
        boolean free = false;
        boolean disconnect = false;
        ch.acquire();
        try {
            sc.conns.remove(c);
            if (sc.conns.isEmpty() && ch.sconns.get(sc.client) == sc) {
                ch.sconns.remove(sc.client);
                if (!ch.destroyed && ch.has(ChannelFlags.DISCONNECT)) {
                    sc.zombie = true;
                    disconnect = true;
                } else {
                    free = true;
                }
            }
        } finally {
            ch.lock.unlock();
        }
        if (disconnect) {
            postKernelPulse(ch, new PulseItem(PRIORITY_DEFAULT, PulseCode.DISCONNECT, sc.scoid, sc.scoid, null));
        } else if (free) {
            ch.owner.scoids.remove(sc.scoid, sc);
        }
    }

    /** The server detaches a scoid: frees it after DISCONNECT, or cuts a live client off. */
    private void detachServerConn(ServerConn sc) {
        Channel ch = sc.channel;
        ch.acquire();
        try {
            if (ch.sconns.get(sc.client) == sc) {
                ch.sconns.remove(sc.client);
            }
            for (Connection c : sc.conns) {
                c.dead = true;
            }
        } finally {
            ch.lock.unlock();
        }
        scoids.remove(sc.scoid, sc);
    }

    @Override
    public ClientInfo connectClientInfo(int scoid) {
        self();
        ServerConn sc = scoid >= SCOID_BASE && scoid < SIDE_CHANNEL ? scoids.get(scoid) : null;
        if (sc == null) {
            throw new KernelException(Errno.ESRCH, "no server connection " + scoid + " in process " + pid);
        }
        return new ClientInfo(sc.client.pid, sc.client.credentials.uid(), sc.client.credentials.gid());
    }

    @Override
    public ServerInfo connectServerInfo(int coid) {
        self();
        Connection c = liveConnection(coid);
        return new ServerInfo(c.channel.owner.pid, c.channel.chid, c.sconn.scoid);
    }

    // ------------------------------------------------------------------ send

    @Override
    public int msgSend(int coid, ByteBuffer smsg, ByteBuffer rmsg) {
        return msgSend(coid, smsg, rmsg, null);
    }

    @Override
    public int msgSend(int coid, ByteBuffer smsg, ByteBuffer rmsg, Duration timeout) {
        KThread t = self();
        if (smsg == null) {
            throw new KernelException(Errno.EFAULT, "send message is null");
        }
        if (rmsg != null && rmsg.isReadOnly()) {
            throw new KernelException(Errno.EFAULT, "reply buffer is read-only");
        }
        // Stored only when they change, and kept after the call (until the next one or the
        // thread's end): the server then reads lines the client has not written since.
        if (t.oneSend[0] != smsg) {
            t.oneSend[0] = smsg;
        }
        ByteBuffer[] riov = NO_BUFFERS;
        if (rmsg != null) {
            if (t.oneReply[0] != rmsg) {
                t.oneReply[0] = rmsg;
            }
            riov = t.oneReply;
        }
        return send(t, coid, t.oneSend, riov, timeout);
    }

    @Override
    public int msgSendv(int coid, ByteBuffer[] siov, ByteBuffer[] riov) {
        return msgSendv(coid, siov, riov, null);
    }

    @Override
    public int msgSendv(int coid, ByteBuffer[] siov, ByteBuffer[] riov, Duration timeout) {
        KThread t = self();
        return send(t, coid, Iov.source(siov, "send IOV"),
                riov == null ? NO_BUFFERS : Iov.destination(riov, "reply IOV"), timeout);
    }

    @Override
    public int msgSendsv(int coid, ByteBuffer smsg, ByteBuffer[] riov) {
        return msgSendv(coid, smsg == null ? null : new ByteBuffer[] {smsg}, riov, null);
    }

    @Override
    public int msgSendvs(int coid, ByteBuffer[] siov, ByteBuffer rmsg) {
        if (rmsg != null && rmsg.isReadOnly()) {
            throw new KernelException(Errno.EFAULT, "reply buffer is read-only");
        }
        return msgSendv(coid, siov, rmsg == null ? null : new ByteBuffer[] {rmsg}, null);
    }

    private int send(KThread t, int coid, ByteBuffer[] siov, ByteBuffer[] riov, Duration timeout) {
        if (!Trace.ENABLED) {
            return sendNow(t, coid, siov, riov, timeout);
        }
        Trace.Send e = new Trace.Send();
        e.begin();
        try {
            int status = sendNow(t, coid, siov, riov, timeout);
            e.status = status;
            return status;
        } catch (KernelException x) {
            e.error = x.errno().name();
            throw x;
        } finally {
            e.end();
            if (e.shouldCommit()) {
                Connection c = connection(coid);
                e.pid = pid;
                e.tid = t.tid;
                e.coid = coid;
                e.rcvid = t.rcvid();
                e.bytes = Iov.length(siov);
                if (c != null) {
                    e.serverPid = c.channel.owner.pid;
                    e.chid = c.channel.chid;
                }
                e.commit();
            }
        }
    }

    private int sendNow(KThread t, int coid, ByteBuffer[] siov, ByteBuffer[] riov, Duration timeout) {
        Connection conn = liveConnection(coid);
        Channel ch = conn.channel;
        if (ch.owner.life != Life.ALIVE) {
            throw new KernelException(Errno.ENXIO, "server process " + ch.owner.pid + " is terminating");
        }
        long sendDeadline = deadline(t, timeout, ThreadState.SEND);
        long replyDeadline = deadline(t, timeout, ThreadState.REPLY);
        if (t.timeoutStates != null) {
            t.timeoutStates = null;
        }
        publishRequest(t, conn, siov, riov);
        t.nextGen();
        // A receiver parked in the channel's slot is taken without the lock.
        KThread r = ch.destroyed ? null : ch.claimWaiting();
        if (r != null) {
            t.sendPhase(KThread.BUSY);
        } else {
            r = sendLocked(t, coid, ch);
        }
        if (r != null) {
            handOff(t, r, ch);
        }
        return awaitReply(t, ch, sendDeadline, replyDeadline);
    }

    /**
     * Publishes what the server reads of a message, each field stored only when it changes: a
     * client that sends alike again and again leaves those lines shared with its server.
     */
    private static void publishRequest(KThread t, Connection conn, ByteBuffer[] siov, ByteBuffer[] riov) {
        if (t.siov != siov) {
            t.siov = siov;
        }
        if (t.riov != riov) {
            t.riov = riov;
        }
        int slen = Iov.length(siov);
        if (t.slen != slen) {
            t.slen = slen;
        }
        int rlen = Iov.length(riov);
        if (t.rlen != rlen) {
            t.rlen = rlen;
        }
        if (t.sendConn != conn) {
            t.sendConn = conn;
        }
        if (t.unblockError != null) {
            t.unblockError = null;
        }
        int priority = t.effPriority;
        if (t.priority != priority) {
            t.priority = priority;
        }
        if (t.replyExtent != 0) {
            t.replyExtent = 0;
        }
        if (t.status != 0) {
            t.status = 0;
        }
        if (t.error != null) {
            t.error = null;
        }
    }

    /** The send under the channel's lock: takes a waiting receiver, or queues the sender; returns the receiver or null. */
    private KThread sendLocked(KThread t, int coid, Channel ch) {
        KThread r;
        ch.acquire();
        try {
            if (ch.destroyed) {
                throw new KernelException(Errno.EBADF, "channel of connection " + coid + " is gone");
            }
            r = ch.pollReceiver();
            if (r == null) {
                try {
                    if (mk.detectDeadlocks) {
                        Deadlocks.check(t, ch);
                    }
                } catch (KernelException e) {
                    clearSend(t);
                    throw e;
                }
                t.seq = ch.seq++;
                ch.senders.add(t);
                t.blockedOn = ch.owner.pid;
                t.state = ThreadState.SEND;
                t.sendPhase(KThread.SEND);
                boost(ch, t.priority);
            } else {
                t.sendPhase(KThread.BUSY);
            }
        } finally {
            ch.lock.unlock();
        }
        return r;
    }

    /**
     * Hands a client to a receiver that was waiting, and wakes it: the receiver copies the
     * message itself (one copy, from the client's buffers, which stay still while it is
     * blocked), so the client writes nothing of the receiver's but its signal line.
     */
    private static void handOff(KThread c, KThread r, Channel ch) {
        c.servedBy(r);
        c.show(ThreadState.REPLY, ch.owner.pid);
        r.recvClient = c;
        r.recvPhaseVolatile(KThread.RECV_DONE);
        r.wake();
    }

    static void fillInfo(MsgInfo info, KThread c, int msglen) {
        Connection conn = c.sendConn;
        info.set(c.proc.pid, c.tid, conn.channel.chid, conn.sconn.scoid, conn.coid, c.priority,
                c.unblockError != null ? MsgInfo.UNBLOCK_REQ : 0, msglen, c.slen, c.rlen);
    }

    /** Priority inheritance: a queued message boosts the owner's threads serving the channel (K10). */
    private static void boost(Channel ch, int priority) {
        if (!ch.inherits()) {
            return;
        }
        for (KThread k : ch.owner.threads.values()) {
            if (k.servingChannel == ch && k.state != ThreadState.RECEIVE && k.effPriority < priority) {
                k.effPriority = priority;
            }
        }
    }

    private int awaitReply(KThread t, Channel ch, long sendDeadline, long replyDeadline) {
        Errno leave = null;
        boolean unblockSent = false;
        boolean interruptSeen = false;
        boolean timed = sendDeadline != NO_DEADLINE || replyDeadline != NO_DEADLINE;
        int gen = t.gen;
        IdleStrategy idle = mk.idle;
        int parkRound = idle.parkRound();
        int round = 0;
        for (;;) {
            t.announceParkFrom(round, parkRound);
            // The signal line only: the server's changes to the phase stay on its core meanwhile.
            if (t.doneGen == gen) {
                break;
            }
            long deadline = !timed || unblockSent ? NO_DEADLINE
                    : t.sendPhase() == KThread.SEND ? sendDeadline : replyDeadline;
            if (leave == null || unblockSent) {
                Errno unblock;
                if (t.dead || life != Life.ALIVE) {
                    leave = Errno.ESRCH;
                    unblockSent = false;
                } else if ((unblock = t.takeUnblock()) != null) {
                    if (leave == null) {
                        leave = unblock;
                    }
                } else if (Thread.interrupted()) {
                    interruptSeen = true;
                    if (leave == null) {
                        leave = Errno.EINTR;
                    }
                } else if (deadline != NO_DEADLINE && leave == null && System.nanoTime() - deadline >= 0) {
                    leave = Errno.ETIMEDOUT;
                }
            }
            if (leave != null && !unblockSent) {
                int phase = t.sendPhase();
                if (phase == KThread.SEND) {
                    if (unqueue(t, ch)) {
                        throw left(t, leave);
                    }
                    continue;
                }
                if (phase == KThread.REPLY) {
                    if (leave != Errno.ESRCH && ch.has(ChannelFlags.UNBLOCK) && !ch.destroyed) {
                        // SPEC K13: the client stays REPLY-blocked; the server hears of it.
                        t.unblockError = leave;
                        unblockSent = true;
                        postKernelPulse(ch, new PulseItem(t.priority, PulseCode.UNBLOCK, t.rcvid(), t.sendConn.sconn.scoid,
                                null));
                        round = 0;
                        t.clearParked();
                        continue;
                    }
                    if (t.casSendPhase(KThread.REPLY, KThread.IDLE)) {
                        throw left(t, leave);
                    }
                    continue;
                }
                // BUSY: a receiver is taking the message or a server copying; it will be REPLY or
                // DONE soon. Yield after a while: that receiver may wait for this carrier.
                pause(round++);
                continue;
            }
            idle.idle(round++, deadline);
        }
        t.clearParked();
        Iov.advance(t.riov, t.replyExtent);
        Errno err = t.error;
        int status = t.status;
        t.sendPhase(KThread.IDLE);
        clearSend(t);
        if (interruptSeen && err == null) {
            // The interrupt did not end the call: keep it for the caller.
            Thread.currentThread().interrupt();
        }
        if (err != null) {
            throw new KernelException(err, "msgSend");
        }
        return status;
    }

    private static boolean unqueue(KThread t, Channel ch) {
        ch.acquire();
        try {
            if (t.sendPhase() == KThread.SEND) {
                ch.senders.remove(t);
                t.sendPhase(KThread.IDLE);
                return true;
            }
            return false;
        } finally {
            ch.lock.unlock();
        }
    }

    private static final int PAUSE_SPINS = 100;

    /**
     * Waits a moment for a state another thread is about to leave (a client BUSY with its
     * receiver): spins, then yields, since that thread may need this very carrier or core.
     */
    private static void pause(int round) {
        if (round < PAUSE_SPINS) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    private static KernelException left(KThread t, Errno why) {
        clearSend(t);
        return new KernelException(why, "msgSend");
    }

    /** The send is over; the request fields stay (the server reads them again only for the next message). */
    private static void clearSend(KThread t) {
        t.servedBy(null);
        t.show(ThreadState.READY, -1);
    }

    /** Completes a client's send with a status or an error and wakes it if it parks. */
    private static void finishSend(KThread c, int status, Errno error) {
        if (Trace.ENABLED) {
            Trace.Reply e = new Trace.Reply();
            if (e.shouldCommit()) {
                Connection conn = c.sendConn;
                e.pid = conn == null ? 0 : conn.channel.owner.pid;
                e.rcvid = c.rcvid();
                e.status = status;
                e.error = error == null ? null : error.name();
                e.commit();
            }
        }
        c.status = status;
        c.error = error;
        c.sendPhase(KThread.DONE);
        c.doneGen = c.gen; // volatile: the fence before wake() reads the announcement
        c.wake();
    }

    /**
     * Takes a REPLY-blocked client for a server operation (REPLY to BUSY). Fails if the client
     * left or moved on to another message (its generation changed).
     */
    private static boolean claim(KThread c, int gen) {
        for (int round = 0;; round++) {
            int phase = c.sendPhase();
            if (c.gen != gen) {
                return false;
            }
            if (phase == KThread.REPLY) {
                if (c.casSendPhase(KThread.REPLY, KThread.BUSY)) {
                    if (c.gen == gen) {
                        return true;
                    }
                    c.sendPhase(KThread.REPLY);
                    return false;
                }
            } else if (phase == KThread.BUSY) {
                pause(round);
            } else {
                return false;
            }
        }
    }

    /** The client behind {@code rcvid}, claimed for this process; ESRCH otherwise. */
    private KThread claimClient(long rcvid) {
        KThread c = rcvid <= 0 ? null : mk.slot((int) rcvid);
        int gen = (int) (rcvid >>> 32);
        if (c == null || !claim(c, gen)) {
            throw new KernelException(Errno.ESRCH, "rcvid " + rcvid + " is not REPLY-blocked");
        }
        Connection conn = c.sendConn;
        if (conn == null || conn.channel.owner != this) {
            c.sendPhase(KThread.REPLY);
            throw new KernelException(Errno.ESRCH, "rcvid " + rcvid + " belongs to another process");
        }
        return c;
    }

    // ------------------------------------------------------------------ receive

    @Override
    public long msgReceive(int chid, ByteBuffer rmsg, MsgInfo info) {
        return msgReceive(chid, rmsg, info, null);
    }

    @Override
    public long msgReceive(int chid, ByteBuffer rmsg, MsgInfo info, Duration timeout) {
        KThread t = self();
        if (rmsg == null) {
            throw new KernelException(Errno.EFAULT, "receive buffer is null");
        }
        if (rmsg.isReadOnly()) {
            throw new KernelException(Errno.EFAULT, "receive buffer is read-only");
        }
        t.oneRecv[0] = rmsg;
        try {
            return receive(t, chid, t.oneRecv, info, false, timeout);
        } finally {
            t.oneRecv[0] = null;
        }
    }

    @Override
    public long msgReceivev(int chid, ByteBuffer[] riov, MsgInfo info) {
        return msgReceivev(chid, riov, info, null);
    }

    @Override
    public long msgReceivev(int chid, ByteBuffer[] riov, MsgInfo info, Duration timeout) {
        KThread t = self();
        return receive(t, chid, Iov.destination(riov, "receive IOV"), info, false, timeout);
    }

    @Override
    public Pulse msgReceivePulse(int chid) {
        return msgReceivePulse(chid, null);
    }

    @Override
    public Pulse msgReceivePulse(int chid, Duration timeout) {
        KThread t = self();
        receive(t, chid, NO_BUFFERS, null, true, timeout);
        PulseItem p = t.recvPulse;
        t.recvPulse = null;
        return p.toPulse();
    }

    private long receive(KThread t, int chid, ByteBuffer[] dst, MsgInfo info, boolean pulseOnly, Duration timeout) {
        if (!Trace.ENABLED) {
            return receiveNow(t, chid, dst, info, pulseOnly, timeout);
        }
        Trace.Receive e = new Trace.Receive();
        e.begin();
        try {
            long rcvid = receiveNow(t, chid, dst, info, pulseOnly, timeout);
            e.rcvid = rcvid;
            return rcvid;
        } catch (KernelException x) {
            e.error = x.errno().name();
            throw x;
        } finally {
            e.end();
            if (e.shouldCommit()) {
                e.pid = pid;
                e.tid = t.tid;
                e.chid = chid;
                e.commit();
            }
        }
    }

    private long receiveNow(KThread t, int chid, ByteBuffer[] dst, MsgInfo info, boolean pulseOnly,
            Duration timeout) {
        t.own();
        Channel ch = channels.get(chid);
        if (ch == null || ch.destroyed) {
            throw new KernelException(Errno.ESRCH, "no channel " + chid + " in process " + pid);
        }
        long deadline = deadline(t, timeout, ThreadState.RECEIVE);
        t.timeoutStates = null;
        Pending p;
        ch.acquire();
        try {
            if (ch.destroyed) {
                throw new KernelException(Errno.ESRCH, "channel " + chid + " is gone");
            }
            Pending s = pulseOnly ? null : ch.senders.peek();
            Pending q = ch.pulses.peek();
            p = s == null ? q : q == null ? s : Pending.ORDER.compare(s, q) <= 0 ? s : q;
            if (p == null) {
                if (deadline != NO_DEADLINE && deadline - System.nanoTime() <= 0) {
                    throw new KernelException(Errno.ETIMEDOUT, "msgReceive");
                }
                t.rdst = dst;
                t.rinfo = info;
                t.pulseOnly = pulseOnly;
                t.recvChannel = ch;
                t.recvError = null;
                t.show(ThreadState.RECEIVE, chid);
                // Last: a sender may claim a receiver waiting in the channel's slot without the lock.
                if (pulseOnly) {
                    t.recvPhase(KThread.RECV_QUEUED);
                    ch.pulseReceivers.add(t);
                } else {
                    ch.addReceiver(t);
                }
            } else if (p == s) {
                ch.senders.poll();
                ((KThread) p).sendPhase(KThread.BUSY);
            } else {
                ch.pulses.poll();
            }
        } finally {
            ch.lock.unlock();
        }
        if (p instanceof KThread c) {
            c.servedBy(t);
            c.show(ThreadState.REPLY, pid);
            return receiveFrom(t, c, ch, dst, info);
        }
        if (p instanceof PulseItem pulse) {
            return receivePulse(t, pulse, ch, dst, pulseOnly);
        }
        return awaitReceive(t, ch, deadline);
    }

    /**
     * A receiver took a client (SEND-blocked in the queue, or handed over while it waited):
     * copies its message (one copy) and makes it REPLY-blocked. A copy that fails (a buffer
     * changed under it) fails the receive with EFAULT and puts the client back, as if never
     * received.
     */
    private long receiveFrom(KThread t, KThread c, Channel ch, ByteBuffer[] dst, MsgInfo info) {
        int n;
        try {
            n = Iov.copy(c.siov, 0, dst, 0, Integer.MAX_VALUE);
            Iov.advance(dst, n);
        } catch (RuntimeException e) {
            LOG.debug("copy into receiver failed", e);
            ch.acquire();
            try {
                c.seq = ch.seq++;
                ch.senders.add(c);
                c.servedBy(null);
                c.show(ThreadState.SEND, pid);
                c.sendPhase(KThread.SEND);
            } finally {
                ch.lock.unlock();
            }
            throw new KernelException(Errno.EFAULT, "receive buffer changed during the copy");
        }
        if (info != null) {
            fillInfo(info, c, n);
        }
        if (ch.inherits() && t.effPriority != c.priority) {
            t.effPriority = c.priority;
        }
        if (t.servingChannel != ch) {
            t.servingChannel = ch;
        }
        if (ch.lastServer != t) {
            ch.lastServer = t;
        }
        long rcvid = c.rcvid();
        c.sendPhase(KThread.REPLY);
        return rcvid;
    }

    private static long receivePulse(KThread t, PulseItem pulse, Channel ch, ByteBuffer[] dst, boolean pulseOnly) {
        if (ch.inherits()) {
            t.effPriority = pulse.priority;
        }
        if (pulseOnly) {
            t.recvPulse = pulse;
            return 0;
        }
        if (Iov.length(dst) < Pulse.SIZE) {
            throw new KernelException(Errno.EFAULT, "receive buffer smaller than a pulse; the pulse is lost");
        }
        writePulse(dst, pulse);
        return 0;
    }

    private static void writePulse(ByteBuffer[] dst, PulseItem pulse) {
        ByteBuffer tmp = ByteBuffer.allocate(Pulse.SIZE);
        PulseLayout.write(tmp, pulse.code, pulse.value, pulse.scoid);
        int n = Iov.copy(new ByteBuffer[] {tmp}, 0, dst, 0, Pulse.SIZE);
        Iov.advance(dst, n);
    }

    /**
     * Why a blocked thread should leave its call now: its death, a signal or UNBLOCK event, an
     * interrupt, or its deadline; null to stay.
     */
    private Errno leaveReason(KThread t, long deadline) {
        if (t.dead || life != Life.ALIVE) {
            return Errno.ESRCH;
        }
        Errno unblock = t.takeUnblock();
        if (unblock != null) {
            return unblock;
        }
        if (Thread.interrupted()) {
            return Errno.EINTR;
        }
        if (deadline != NO_DEADLINE && System.nanoTime() - deadline >= 0) {
            return Errno.ETIMEDOUT;
        }
        return null;
    }

    private long awaitReceive(KThread t, Channel ch, long deadline) {
        IdleStrategy idle = mk.idle;
        int parkRound = idle.parkRound();
        int round = 0;
        try {
            for (;;) {
                t.announceParkFrom(round, parkRound);
                if (t.recvPhase() == KThread.RECV_DONE) {
                    break;
                }
                Errno leave = leaveReason(t, deadline);
                if (leave != null) {
                    ch.acquire();
                    try {
                        if (t.pulseOnly ? ch.pulseReceivers.remove(t) : ch.removeReceiver(t)) {
                            t.recvPhase(KThread.RECV_IDLE);
                            throw new KernelException(leave, "msgReceive");
                        }
                    } finally {
                        ch.lock.unlock();
                    }
                    // Claimed by a sender: the hand-off is a few stores away; take it.
                    for (int r = 0; t.recvPhase() != KThread.RECV_DONE; r++) {
                        pause(r);
                    }
                    if (leave == Errno.EINTR) {
                        Thread.currentThread().interrupt();
                    }
                    break;
                }
                idle.idle(round++, deadline);
            }
            t.recvPhase(KThread.RECV_IDLE);
            KThread c = t.recvClient;
            if (c != null) {
                t.recvClient = null;
                return receiveFrom(t, c, ch, t.rdst, t.rinfo);
            }
            if (t.recvError != null) {
                throw new KernelException(t.recvError, "msgReceive");
            }
            return t.recvResult;
        } finally {
            t.clearParked();
            t.show(ThreadState.READY, -1);
            t.rdst = null;
            t.rinfo = null;
            t.recvChannel = null;
        }
    }

    // ------------------------------------------------------------------ reply, error, read, write

    @Override
    public void msgReply(long rcvid, int status, ByteBuffer msg) {
        KThread t = self();
        if (msg == null) {
            reply(rcvid, status, NO_BUFFERS);
            return;
        }
        t.oneOp[0] = msg;
        try {
            reply(rcvid, status, t.oneOp);
        } finally {
            t.oneOp[0] = null;
        }
    }

    @Override
    public void msgReplyv(long rcvid, int status, ByteBuffer[] iov) {
        self();
        reply(rcvid, status, iov == null ? NO_BUFFERS : Iov.source(iov, "reply IOV"));
    }

    private void reply(long rcvid, int status, ByteBuffer[] src) {
        KThread c = claimClient(rcvid);
        int n = Iov.copy(src, 0, c.riov, 0, Integer.MAX_VALUE);
        c.replyExtent = Math.max(c.replyExtent, n);
        finishSend(c, status, null);
    }

    @Override
    public void msgError(long rcvid, Errno error) {
        self();
        if (error == null) {
            throw new KernelException(Errno.EINVAL, "error is null");
        }
        KThread c = claimClient(rcvid);
        finishSend(c, 0, error == Errno.EOK ? null : error);
    }

    @Override
    public void msgError(long rcvid, int error) {
        self();
        if (error == -1) {
            KThread c = claimClient(rcvid);
            Errno stored = c.unblockError;
            finishSend(c, 0, stored != null ? stored : Errno.EINTR);
            return;
        }
        msgError(rcvid, Errno.of(error));
    }

    @Override
    public int msgRead(long rcvid, ByteBuffer buf, int offset) {
        return onOneBuffer(buf, iov -> msgReadv(rcvid, iov, offset));
    }

    /** A call of the IOV form of a kernel call. */
    private interface IovCall {
        int call(ByteBuffer[] iov);
    }

    /** Runs the IOV form of a call with one buffer, in the calling thread's one-element IOV. */
    private int onOneBuffer(ByteBuffer buf, IovCall call) {
        KThread t = self();
        if (buf == null) {
            throw new KernelException(Errno.EFAULT, "buffer is null");
        }
        t.oneOp[0] = buf;
        try {
            return call.call(t.oneOp);
        } finally {
            t.oneOp[0] = null;
        }
    }

    @Override
    public int msgReadv(long rcvid, ByteBuffer[] iov, int offset) {
        self();
        Iov.destination(iov, "read buffer");
        if (offset < 0) {
            throw new KernelException(Errno.EINVAL, "negative offset " + offset);
        }
        KThread c = claimClient(rcvid);
        try {
            int n = offset >= c.slen ? 0 : Iov.copy(c.siov, offset, iov, 0, Integer.MAX_VALUE);
            Iov.advance(iov, n);
            return n;
        } finally {
            c.sendPhase(KThread.REPLY);
        }
    }

    @Override
    public int msgWrite(long rcvid, ByteBuffer buf, int offset) {
        return onOneBuffer(buf, iov -> msgWritev(rcvid, iov, offset));
    }

    @Override
    public int msgWritev(long rcvid, ByteBuffer[] iov, int offset) {
        self();
        Iov.source(iov, "write buffer");
        if (offset < 0) {
            throw new KernelException(Errno.EINVAL, "negative offset " + offset);
        }
        KThread c = claimClient(rcvid);
        try {
            int n = offset >= c.rlen ? 0 : Iov.copy(iov, 0, c.riov, offset, Integer.MAX_VALUE);
            if (n > 0) {
                c.replyExtent = Math.max(c.replyExtent, offset + n);
            }
            return n;
        } finally {
            c.sendPhase(KThread.REPLY);
        }
    }

    @Override
    public MsgInfo msgInfo(long rcvid) {
        self();
        KThread c = claimClient(rcvid);
        try {
            MsgInfo info = new MsgInfo();
            fillInfo(info, c, Math.min(c.slen, Integer.MAX_VALUE));
            return info;
        } finally {
            c.sendPhase(KThread.REPLY);
        }
    }

    // ------------------------------------------------------------------ pulses

    @Override
    public void msgSendPulse(int coid, int priority, int code, long value) {
        sendPulse(coid, priority, code, value, null);
    }

    @Override
    public void msgSendPulsePtr(int coid, int priority, int code, Object pointer) {
        sendPulse(coid, priority, code, 0, pointer);
    }

    private void sendPulse(int coid, int priority, int code, long value, Object pointer) {
        KThread t = self();
        int prio = priority == -1 ? t.effPriority : priority;
        if (prio < PRIORITY_MIN || prio > PRIORITY_MAX) {
            throw new KernelException(Errno.EINVAL, "priority " + priority + " is outside 1..255 (or -1)");
        }
        if (code < PulseCode.MIN || code > PulseCode.MAXAVAIL) {
            throw new KernelException(Errno.EINVAL, "pulse code " + code + " is outside -128..127");
        }
        Connection conn = liveConnection(coid);
        Proc server = conn.channel.owner;
        if (server != this && !mayNotify(server)) {
            throw new KernelException(Errno.EPERM, "process " + pid + " may not send pulses to process " + server.pid);
        }
        if (!postPulse(conn.channel, new PulseItem(prio, code, value, conn.sconn.scoid, pointer))) {
            throw new KernelException(Errno.EBADF, "channel of connection " + coid + " is gone");
        }
        if (Trace.ENABLED) {
            Trace.PulseSent e = new Trace.PulseSent();
            if (e.shouldCommit()) {
                e.pid = pid;
                e.serverPid = server.pid;
                e.chid = conn.channel.chid;
                e.code = code;
                e.value = value;
                e.priority = prio;
                e.commit();
            }
        }
    }

    /** Cross-process notification needs the same user, root, or the SIGNAL ability (K8). */
    boolean mayNotify(Proc target) {
        return credentials.uid() == 0 || credentials.uid() == target.credentials.uid()
                || hasAbility(Ability.SIGNAL);
    }

    /**
     * Queues a pulse, or hands it to a waiting receiver. Returns false when the channel is gone.
     *
     * @throws KernelException EAGAIN when the channel's pulse queue is full
     */
    static boolean postPulse(Channel ch, PulseItem pulse) {
        return postPulse(ch, pulse, true);
    }

    /**
     * Queues a kernel pulse (DISCONNECT, UNBLOCK, COIDDEATH, THREADDEATH) past the queue's limit:
     * losing one would leave a scoid or a blocked client behind, and process death must finish
     * whatever the server's queue holds. Returns false when the channel is gone.
     */
    static boolean postKernelPulse(Channel ch, PulseItem pulse) {
        return postPulse(ch, pulse, false);
    }

    private static boolean postPulse(Channel ch, PulseItem pulse, boolean limited) {
        KThread r;
        ch.acquire();
        try {
            if (ch.destroyed) {
                return false;
            }
            r = ch.pulseReceivers.poll();
            if (r == null) {
                r = ch.pollReceiver();
            }
            if (r == null) {
                if (limited && ch.pulses.size() >= Channel.MAX_PULSES) {
                    throw new KernelException(Errno.EAGAIN, "pulse queue of " + ch + " is full");
                }
                pulse.seq = ch.seq++;
                ch.pulses.add(pulse);
                boost(ch, pulse.priority);
                return true;
            }
            // Hand over under the lock: a pulse is small.
            if (r.pulseOnly) {
                r.recvPulse = pulse;
                r.recvResult = 0;
            } else if (Iov.length(r.rdst) < Pulse.SIZE) {
                r.recvError = Errno.EFAULT;
            } else {
                writePulse(r.rdst, pulse);
                r.recvResult = 0;
            }
            if (ch.inherits()) {
                r.effPriority = pulse.priority;
            }
        } finally {
            ch.lock.unlock();
        }
        r.recvPhase(KThread.RECV_DONE);
        LockSupport.unpark(r.thread);
        return true;
    }

    // ------------------------------------------------------------------ events and signals (K17, K18)

    @Override
    public void msgDeliverEvent(long rcvid, SigEvent event) {
        EventDelivery.deliver(this, self(), rcvid, event, false);
    }

    @Override
    public SigEvent msgRegisterEvent(SigEvent event, int coid) {
        self();
        return EventDelivery.register(this, event, coid);
    }

    @Override
    public void msgUnregisterEvent(SigEvent event) {
        self();
        EventDelivery.unregister(this, event);
    }

    @Override
    public void msgVerifyEvent(long rcvid, SigEvent event) {
        EventDelivery.deliver(this, self(), rcvid, event, true);
    }

    @Override
    public void signalKill(int pid, int tid, int signo, int code, long value) {
        self();
        if (signo < 1 || signo > Signals.SIGMAX) {
            throw new KernelException(Errno.EINVAL, "signal " + signo + " is outside 1.." + Signals.SIGMAX);
        }
        // pid 0: the caller's process group, which in Courier is the calling process alone.
        Proc target = pid == 0 ? this : mk.proc(pid);
        if (target == null) {
            throw new KernelException(Errno.ESRCH, "no process " + pid);
        }
        if (target != this && !mayNotify(target)) {
            throw new KernelException(Errno.EPERM, "process " + this.pid + " may not signal process " + pid);
        }
        target.signal(tid, new SigInfo(signo, code, value, this.pid));
    }

    /**
     * Delivers a signal (K18): to a thread waiting for it, else by unblocking a thread blocked in
     * a kernel call that does not mask it (EINTR), else it stays pending.
     */
    void signal(int tid, SigInfo info) {
        if (info.signo() == Signals.SIGKILL) {
            exit();
            return;
        }
        KThread target;
        boolean handed = false;
        sigLock.lock();
        try {
            if (life != Life.ALIVE) {
                throw new KernelException(Errno.ESRCH, "process " + pid + " is " + life.name().toLowerCase());
            }
            if (tid != 0) {
                target = tids.get(tid);
                if (target == null || target.dead) {
                    throw new KernelException(Errno.ESRCH, "no thread " + tid + " in process " + pid);
                }
            } else {
                target = pickSignalTarget(info.signo());
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
                target.sigPending.add(info);
            } else {
                sigPending.add(info);
            }
        } finally {
            sigLock.unlock();
        }
        if (handed) {
            LockSupport.unpark(target.thread);
        }
    }

    /** A waiter for the signal first, then a thread blocked in a kernel call that does not mask it. */
    private KThread pickSignalTarget(int signo) {
        KThread blocked = null;
        for (KThread k : threads.values()) {
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

    @Override
    public long signalProcmask(int how, long set) {
        KThread t = self();
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

    @Override
    public SigInfo signalWaitinfo(long set, Duration timeout) {
        KThread t = self();
        t.own();
        if (set == 0) {
            throw new KernelException(Errno.EINVAL, "empty signal set");
        }
        long deadline = deadline(t, timeout, ThreadState.SIGWAITINFO);
        t.timeoutStates = null;
        sigLock.lock();
        try {
            SigInfo ready = takePending(t.sigPending, set);
            if (ready == null) {
                ready = takePending(sigPending, set);
            }
            if (ready != null) {
                return ready;
            }
            t.sigResult = null;
            t.sigWaitSet = set;
            t.state = ThreadState.SIGWAITINFO;
        } finally {
            sigLock.unlock();
        }
        try {
            int round = 0;
            int parkRound = mk.idle.parkRound();
            for (;;) {
                t.announceParkFrom(round, parkRound);
                SigInfo got = t.sigResult;
                if (got != null) {
                    t.sigResult = null;
                    return got;
                }
                Errno leave = leaveReason(t, deadline);
                if (leave != null) {
                    sigLock.lock();
                    try {
                        if (t.sigResult == null) {
                            t.sigWaitSet = 0;
                            throw new KernelException(leave, "signalWaitinfo");
                        }
                    } finally {
                        sigLock.unlock();
                    }
                    continue;
                }
                mk.idle.idle(round++, deadline);
            }
        } finally {
            t.clearParked();
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

    @Override
    public void interruptWait(Duration timeout) {
        KThread t = self();
        t.own();
        long deadline = deadline(t, timeout, ThreadState.INTR);
        t.timeoutStates = null;
        t.state = ThreadState.INTR;
        try {
            int round = 0;
            int parkRound = mk.idle.parkRound();
            for (;;) {
                t.announceParkFrom(round, parkRound);
                int n = t.intrs.get();
                if (n > 0 && t.intrs.compareAndSet(n, n - 1)) {
                    return;
                }
                if (n > 0) {
                    continue;
                }
                Errno leave = leaveReason(t, deadline);
                if (leave != null) {
                    throw new KernelException(leave, "interruptWait");
                }
                mk.idle.idle(round++, deadline);
            }
        } finally {
            t.clearParked();
            t.state = ThreadState.READY;
        }
    }

    // ------------------------------------------------------------------ names (K14)

    @Override
    public NameAttach nameAttach(String name, int flags) {
        self();
        if ((flags & ~NAME_FLAG_ATTACH_GLOBAL) != 0) {
            throw new KernelException(Errno.EINVAL, "unknown name_attach flags 0x" + Integer.toHexString(flags));
        }
        checkName(name);
        int chid = channelCreate(ChannelFlags.DISCONNECT | ChannelFlags.COID_DISCONNECT | ChannelFlags.UNBLOCK);
        NameAttach attach = new NameAttach(name, chid);
        if (!mk.attachName(this, attach)) {
            destroyChannel(channels.get(chid));
            throw new KernelException(Errno.EEXIST, "name " + name + " is taken");
        }
        return attach;
    }

    static void checkName(String name) {
        if (name == null || name.isEmpty()) {
            throw new KernelException(Errno.EINVAL, "a name may not be empty");
        }
        if (name.length() > NAME_MAX) {
            throw new KernelException(Errno.ENAMETOOLONG, "a name has at most " + NAME_MAX + " characters");
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0 || name.equals(".") || name.equals("..")) {
            throw new KernelException(Errno.EINVAL, "bad name '" + name + "': no '/', NUL, '.' or '..'");
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                throw new KernelException(Errno.EINVAL, "a name may not hold control characters");
            }
        }
    }

    @Override
    public void nameDetach(NameAttach attach) {
        self();
        if (attach == null || !mk.detachName(this, attach)) {
            throw new KernelException(Errno.EINVAL, "not an attached name of process " + pid + ": " + attach);
        }
        Channel ch = channels.get(attach.chid());
        if (ch != null) {
            destroyChannel(ch);
        }
    }

    @Override
    public int nameOpen(String name, int flags) {
        KThread t = self();
        if (flags != 0) {
            throw new KernelException(Errno.EINVAL, "unknown name_open flags 0x" + Integer.toHexString(flags));
        }
        checkName(name);
        MicrokernelImpl.NameEntry e = mk.lookupName(name);
        if (e == null) {
            throw new KernelException(Errno.ENOENT, "no name " + name);
        }
        int coid = connectAttach(ND_LOCAL_NODE, e.proc().pid, e.attach().chid(), SIDE_CHANNEL, 0);
        ByteBuffer msg = ByteBuffer.allocate(IoConnectLayout.size(name));
        IoConnectLayout.write(msg, IoConnectLayout.SUBTYPE_COMBINE, IoConnectLayout.FTYPE_NAME, 0, 0, name);
        msg.flip();
        try {
            msgSend(coid, msg, null);
        } catch (KernelException ex) {
            try {
                connectDetach(coid);
            } catch (KernelException gone) {
                // This process's death already detached it.
                ex.addSuppressed(gone);
            }
            throw ex;
        }
        t.state = ThreadState.READY;
        return coid;
    }

    @Override
    public void nameClose(int coid) {
        connectDetach(coid);
    }

    // ------------------------------------------------------------------ threads

    @Override
    public int priority() {
        return self().effPriority;
    }

    @Override
    public void setPriority(int priority) {
        KThread t = self();
        if (priority < PRIORITY_MIN || priority > PRIORITY_MAX) {
            throw new KernelException(Errno.EINVAL, "priority " + priority + " is outside 1..255");
        }
        t.own();
        t.basePriority = priority;
        t.effPriority = priority;
    }

    @Override
    public void setThreadName(String threadName) {
        KThread t = self();
        if (threadName == null || threadName.isEmpty() || threadName.length() > 100) {
            throw new KernelException(Errno.EINVAL, "a thread name has 1..100 characters");
        }
        t.own();
        t.name = threadName;
    }

    @Override
    public void timerTimeout(Set<ThreadState> states, Duration timeout) {
        KThread t = self();
        if (states == null || timeout == null) {
            t.timeoutStates = null;
            return;
        }
        if (timeout.isNegative()) {
            throw new KernelException(Errno.EINVAL, "negative timeout");
        }
        t.timeoutStates = Set.copyOf(states);
        t.timeoutNanos = System.nanoTime() + saturatedNanos(timeout);
    }

    private static long deadline(KThread t, Duration timeout, ThreadState state) {
        if (timeout != null) {
            if (timeout.isNegative()) {
                throw new KernelException(Errno.EINVAL, "negative timeout");
            }
            return System.nanoTime() + saturatedNanos(timeout);
        }
        Set<ThreadState> armed = t.timeoutStates;
        return armed != null && armed.contains(state) ? t.timeoutNanos : NO_DEADLINE;
    }

    private static long saturatedNanos(Duration d) {
        try {
            return Math.min(d.toNanos(), Long.MAX_VALUE / 4);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
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
            dying("destroy channel " + ch.chid, () -> destroyChannel(ch));
        }
        for (IdTable<Connection> table : List.of(fdConns, sideConns)) {
            for (Connection c : table.values()) {
                if (table.remove(c.coid, c)) {
                    dying("detach connection " + c.coid, () -> detach(c));
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
                postKernelPulse(ch, new PulseItem(PRIORITY_DEFAULT, PulseCode.THREADDEATH, tid, 0, null));
            }
        }
    }

    @Override
    public String toString() {
        return "Process[" + pid + " " + name + "]";
    }
}
