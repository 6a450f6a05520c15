package io.courier.kernel.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.PulseCode;
import io.courier.kernel.SigEvent;
import io.courier.kernel.SigInfo;
import io.courier.kernel.Signals;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Events: {@code MsgDeliverEvent()}, {@code MsgVerifyEvent()}, {@code MsgRegisterEvent()} and
 * {@code MsgUnregisterEvent()}, with the checks and errors of the seed's MsgDeliverEvent page. A
 * process's registered events are its {@link Proc#registrations}; an event's pulse is queued by
 * {@link Pulses}, its signal delivered by {@link SignalDelivery}.
 *
 * <p>SPEC K17 (events: PULSE, SIGNAL, SIGNAL_CODE, SIGNAL_THREAD, THREAD, UNBLOCK, INTR, NONE).
 */
final class EventDelivery {
    private static final AtomicLong HANDLES = new AtomicLong(0x5EC0_0000_0000L);

    /** An event a client registered for delivery by one server (coid) or any (-1). */
    record Registration(SigEvent event, int coid, Proc serverOrNull) {
    }

    private EventDelivery() {
    }

    static SigEvent register(Proc client, SigEvent event, int coid) {
        client.self();
        validate(event);
        if (event.handle() != 0) {
            throw new KernelException(Errno.EINVAL, "the event is registered already");
        }
        Proc server = null;
        if (coid != -1) {
            Connection c = coid < 0 ? null : client.connection(coid);
            if (c == null || c.dead || c.channel.destroyed) {
                throw new KernelException(Errno.EBADF, "no connection " + coid);
            }
            server = c.channel.owner;
        }
        long handle = HANDLES.incrementAndGet();
        client.registrations.put(handle, new Registration(event, coid, server));
        return event.withHandle(handle);
    }

    static void unregister(Proc client, SigEvent event) {
        client.self();
        if (event == null || event.handle() == 0 || client.registrations.remove(event.handle()) == null) {
            throw new KernelException(Errno.EINVAL, "not a registered event of process " + client.pid);
        }
    }

    /** Checks an event's own fields (EINVAL). */
    static void validate(SigEvent e) {
        if (e == null) {
            throw new KernelException(Errno.EFAULT, "event is null");
        }
        switch (e.type()) {
            case PULSE -> {
                if (e.priority() < SigEvent.SIGEV_PULSE_PRIO_INHERIT || e.priority() > Kernel.PRIORITY_MAX) {
                    throw new KernelException(Errno.EINVAL, "pulse priority " + e.priority() + " is out of range");
                }
                if (e.code() < PulseCode.MIN || e.code() > PulseCode.MAXAVAIL) {
                    throw new KernelException(Errno.EINVAL, "pulse code " + e.code() + " is out of range");
                }
            }
            case SIGNAL, SIGNAL_CODE, SIGNAL_THREAD -> {
                if (e.signo() < 1 || e.signo() > Signals.SIGMAX) {
                    throw new KernelException(Errno.EINVAL, "signal " + e.signo() + " is out of range");
                }
                if (e.code() < -128 || e.code() > 127) {
                    throw new KernelException(Errno.EINVAL, "signal code " + e.code() + " is out of range");
                }
            }
            default -> {
                // NONE, UNBLOCK, INTR, THREAD: nothing to check
            }
        }
    }

    /**
     * Delivers (or, with {@code verifyOnly}, checks) {@code event}: rcvid &gt; 0 to the client of
     * that message (also after the reply, while it stays connected), 0 to the calling thread,
     * &lt; 0 to thread {@code -rcvid} of the calling process.
     */
    static void deliver(Proc server, long rcvid, SigEvent event, boolean verifyOnly) {
        KThread caller = server.self();
        validate(event);
        Proc target;
        KThread thread;
        SigEvent ev = event;
        if (rcvid > 0) {
            thread = clientOf(server, rcvid);
            target = thread.proc;
            ServerConn sc = connectionTo(server, thread);
            if (sc == null) {
                throw new KernelException(Errno.EBADF, "the client of rcvid " + rcvid + " detached its connection");
            }
            int events = sc.events();
            if ((events & ServerConn.NO_EVENTS) != 0) {
                throw new KernelException(Errno.EACCES, "the client's connection takes no events (NOEVENT)");
            }
            boolean regOnly = (events & ServerConn.REGISTERED_EVENTS_ONLY) != 0;
            if (ev.handle() == 0 && regOnly) {
                throw new KernelException(Errno.EACCES, "the client's connection takes registered events only");
            }
            if (target.node != null) {
                // A client of another JVM of the node: its kernel delivers the event (and resolves
                // a registered one) as if this server were there.
                target.node.deliverEvent(server, caller, thread, ev, verifyOnly);
                return;
            }
            if (ev.handle() != 0) {
                ev = registered(server, target, ev);
            }
        } else if (rcvid == 0) {
            thread = caller;
            target = server;
            if (ev.handle() != 0) {
                ev = registered(server, target, ev);
            }
        } else {
            long tid = -rcvid;
            thread = tid > Integer.MAX_VALUE ? null : server.tids.get((int) tid);
            if (thread == null || thread.dead) {
                throw new KernelException(Errno.ESRCH, "no thread " + tid + " in process " + server.pid);
            }
            target = server;
            if (ev.handle() != 0) {
                ev = registered(server, target, ev);
            }
        }
        deliverTo(server, server.pid, target, thread, caller, caller.effPriority, ev, verifyOnly);
    }

    /**
     * An event a server of another JVM of the node delivers to thread {@code tid} of {@code
     * target} here ({@link NodePeers}): as {@code deliver} would there, with {@code server} the
     * stand-in of the server's process and {@code inherit} the delivering thread's priority. On
     * a thread of its own, never the ring's consumer: a pulse may have to cross JVMs again.
     */
    static void deliverFromNode(Proc server, int serverPid, Proc target, int tid, int inherit, SigEvent event,
            boolean verifyOnly) {
        validate(event);
        KThread thread = target.tids.get(tid);
        if (thread == null || thread.dead) {
            throw new KernelException(Errno.ESRCH, "no thread " + tid + " in process " + target.pid);
        }
        SigEvent ev = event.handle() != 0 ? registered(server, target, event) : event;
        deliverTo(server, serverPid, target, thread, server.self(), inherit, ev, verifyOnly);
    }

    private static void deliverTo(Proc server, int serverPid, Proc target, KThread thread, KThread caller, int inherit,
            SigEvent ev, boolean verifyOnly) {
        if (target.life != Proc.Life.ALIVE) {
            throw new KernelException(ev.type() == SigEvent.Type.PULSE ? Errno.ENXIO : Errno.EACCES,
                    "process " + target.pid + " is terminating");
        }
        switch (ev.type()) {
            case PULSE -> pulse(target, caller, inherit, ev, verifyOnly);
            case SIGNAL, SIGNAL_CODE -> {
                if (!verifyOnly) {
                    SignalDelivery.signal(target, 0, new SigInfo(ev.signo(), ev.type() == SigEvent.Type.SIGNAL ? Signals.SI_USER
                            : ev.code(), ev.value(), serverPid));
                }
            }
            case SIGNAL_THREAD -> {
                if (!verifyOnly) {
                    SignalDelivery.signal(target, thread.tid, new SigInfo(ev.signo(), ev.code(), ev.value(), serverPid));
                }
            }
            case THREAD -> {
                if (!verifyOnly) {
                    Runnable f = ev.function();
                    Thread.ofVirtual().name("sigev-thread-" + target.pid).start(f);
                }
            }
            case UNBLOCK -> {
                if (!verifyOnly && thread.isBlocked()) {
                    thread.pendingUnblock = Errno.ETIMEDOUT;
                    LockSupport.unpark(thread.thread);
                }
            }
            case INTR -> {
                if (!verifyOnly) {
                    thread.addIntr();
                    LockSupport.unpark(thread.thread);
                }
            }
            case NONE -> {
                // nothing to do
            }
        }
    }

    private static void pulse(Proc target, KThread caller, int inherit, SigEvent ev, boolean verifyOnly) {
        Connection c = ev.coid() < 0 ? null : target.connection(ev.coid());
        if (c == null) {
            throw new KernelException(Errno.EBADF, "process " + target.pid + " has no connection " + ev.coid());
        }
        Proc receiver = c.channel.owner;
        if (receiver.life != Proc.Life.ALIVE) {
            throw new KernelException(Errno.ENXIO, "process " + receiver.pid + " is terminating");
        }
        if (c.dead || c.channel.destroyed) {
            throw new KernelException(Errno.EBADF, "the channel of connection " + ev.coid() + " is gone");
        }
        // SIGEV_PULSE_PRIO_INHERIT (-1): the delivering thread's priority; 0 is the idle thread's: 1.
        int prio = ev.priority() == SigEvent.SIGEV_PULSE_PRIO_INHERIT ? inherit : Math.max(1, ev.priority());
        if (prio > Kernel.PRIORITY_UNPRIVILEGED_MAX && !receiver.hasAbility(io.courier.kernel.Ability.PRIORITY)) {
            throw new KernelException(Errno.EPERM, "pulse priority " + prio + " is above the non-privileged range and"
                    + " process " + receiver.pid + " lacks the PRIORITY ability");
        }
        if (c.channel.remote != null) {
            // The connection goes to another JVM of the node: the pulse goes there, as the client's.
            if (!verifyOnly) {
                c.channel.remote.pulse(target, caller, prio, ev.code(), ev.value());
            }
            return;
        }
        if (!verifyOnly && !Pulses.post(c.channel, prio, ev.code(), ev.value(), c.sconn.scoid, null)) {
            throw new KernelException(Errno.EBADF, "the channel of connection " + ev.coid() + " is gone");
        }
    }

    /** The registered event behind a handle, with the server's value if it is UPDATEABLE. */
    private static SigEvent registered(Proc server, Proc client, SigEvent handed) {
        Registration reg = client.registrations.get(handed.handle());
        if (reg == null) {
            throw new KernelException(Errno.EACCES, "the event is not registered by process " + client.pid);
        }
        if (reg.serverOrNull() != null && reg.serverOrNull() != server) {
            throw new KernelException(Errno.EACCES, "the event is registered for another server");
        }
        SigEvent ev = reg.event();
        return ev.isUpdateable() ? ev.withValue(handed.value()) : ev;
    }

    /**
     * The client thread of a rcvid, also after the reply: the slot's thread, if the rcvid's
     * generation belongs to it (it was made before that message and has not been replaced).
     */
    private static KThread clientOf(Proc server, long rcvid) {
        KThread c = server.mk.slot((int) rcvid);
        int gen = (int) (rcvid >>> 32);
        if (c == null || c.dead || gen - c.firstGen <= 0 || c.gen - gen < 0) {
            throw new KernelException(Errno.ESRCH, "no thread behind rcvid " + rcvid);
        }
        return c;
    }

    /**
     * The server connection of {@code client}'s process to {@code server}, or null: the one its
     * last message came through while that is still live (no lock taken), else one to any of the
     * server's channels.
     */
    private static ServerConn connectionTo(Proc server, KThread client) {
        Connection sent = client.sendConn;
        if (sent != null && sent.channel.owner == server && (sent.sconn.events() & ServerConn.GONE) == 0) {
            return sent.sconn;
        }
        for (Channel ch : server.channels.values()) {
            ch.acquire();
            try {
                ServerConn sc = ch.sconns.get(client.proc);
                if (sc != null && !sc.zombie) {
                    return sc;
                }
            } finally {
                ch.lock.unlock();
            }
        }
        return null;
    }
}
