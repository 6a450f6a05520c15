package io.courier.asyncmsg.internal;

import io.courier.asyncmsg.AsyncCallback;
import io.courier.asyncmsg.AsyncChannelInfo;
import io.courier.asyncmsg.AsyncConnectionInfo;
import io.courier.asyncmsg.AsyncStats;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.kernel.NameInfo;
import io.courier.kernel.SigEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The asynchronous messaging of one {@link Microkernel}, shared by all its processes (one
 * asyncmsg bundle serves them all): the per-process states, the name space of asynchronous
 * channels, the delivery and callback threads, the counters. Made with the first process that
 * makes a call, gone (threads stopped) with the last process's death.
 */
public final class AsyncSystem {
    private static final Logger LOG = LoggerFactory.getLogger(AsyncSystem.class);
    private static final ConcurrentHashMap<Microkernel, AsyncSystem> SYSTEMS = new ConcurrentHashMap<>();

    final Microkernel mk;
    final ConcurrentHashMap<Integer, AsyncProc> procs = new ConcurrentHashMap<>();
    final ConcurrentHashMap<String, NameSlot> names = new ConcurrentHashMap<>();
    final DeliveryAgent delivery;
    final CallbackAgent callbacks;
    final Stats stats = new Stats();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean enosysLogged = new AtomicBoolean();
    private final java.util.concurrent.locks.ReentrantLock gatewayLock = new java.util.concurrent.locks.ReentrantLock();
    /** The gateway for clients of other JVMs of the node; made with the first channel; under gatewayLock. */
    private NodeGateway gateway;
    private boolean stopped;
    /** Waits for the kernel to join a network when a channel was made before it did; under gatewayLock. */
    private Thread networkWaiter;
    /** How long the network waiter waits before it looks whether the system stopped. */
    private static final java.time.Duration NETWORK_WAIT_SLICE = java.time.Duration.ofSeconds(5);

    private AsyncSystem(Microkernel mk) {
        this.mk = mk;
        int id = System.identityHashCode(mk);
        this.delivery = new DeliveryAgent(this, "courier-asyncmsg-delivery-" + Integer.toHexString(id));
        this.callbacks = new CallbackAgent("courier-asyncmsg-callbacks-" + Integer.toHexString(id));
    }

    /** The counters, as one object. */
    static final class Stats {
        final LongAdder delivered = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder discarded = new LongAdder();
        final LongAdder callbacksRun = new LongAdder();
        final LongAdder callbackFailures = new LongAdder();
        final LongAdder recvbufCallbackFailures = new LongAdder();
        final LongAdder eventsDelivered = new LongAdder();
        final LongAdder eventFailures = new LongAdder();
    }

    // ------------------------------------------------------------------ processes

    /**
     * The state of {@code kernel}'s process, made (with its exit hook) on first use.
     *
     * @throws KernelException ESRCH when the process is dead
     */
    static AsyncProc procOf(Kernel kernel) {
        Microkernel mk = kernel.microkernel();
        int pid = kernel.pid();
        AsyncSystem known = SYSTEMS.get(mk);
        if (known != null) {
            AsyncProc p = known.procs.get(pid);
            if (p != null && p.alive() && p.kernel.isAlive()) {
                return p;
            }
        }
        AsyncProc[] made = new AsyncProc[1];
        AsyncSystem sys = SYSTEMS.compute(mk, (key, old) -> {
            AsyncSystem s = old != null ? old : new AsyncSystem(key);
            made[0] = s.procFor(kernel, pid);
            return s;
        });
        sys.start();
        return made[0];
    }

    /** Under the map's lock for this kernel. */
    private AsyncProc procFor(Kernel kernel, int pid) {
        AsyncProc p = procs.get(pid);
        // One live process per pid: another view (a service wrapper) of a live process is the same process.
        if (p != null && p.alive() && p.kernel.isAlive()) {
            return p;
        }
        if (!kernel.isAlive()) {
            throw new KernelException(Errno.ESRCH, "process " + pid + " is dead");
        }
        AsyncProc made = new AsyncProc(this, kernel);
        kernel.atExit(made::exited);
        procs.put(pid, made);
        return made;
    }

    private void start() {
        if (started.compareAndSet(false, true)) {
            delivery.start();
            callbacks.start();
        }
    }

    /** A process died: the last one takes the system, and its threads, along. */
    void procGone(AsyncProc p) {
        procs.remove(p.pid, p);
        SYSTEMS.computeIfPresent(mk, (key, s) -> {
            if (s != this || !procs.isEmpty()) {
                return s;
            }
            stop();
            return null;
        });
    }

    private void stop() {
        delivery.stop();
        callbacks.stop();
        gatewayLock.lock();
        try {
            stopped = true;
            if (gateway != null) {
                gateway.stop();
                gateway = null;
            }
            if (networkWaiter != null) {
                networkWaiter.interrupt();
                networkWaiter = null;
            }
        } finally {
            gatewayLock.unlock();
        }
    }

    /**
     * Makes sure that clients in other JVMs of the node, or of other nodes, can reach this
     * system's channels (a channel is being made): starts the gateway when the kernel joined a
     * node or a network.
     */
    void ensureGateway() {
        if (mk.nodeSlot() < 0 && mk.network() == null) {
            awaitNetworkForGateway();
            return;
        }
        gatewayLock.lock();
        try {
            if (gateway == null && !stopped) {
                gateway = NodeGateway.start(this);
            }
        } finally {
            gatewayLock.unlock();
        }
    }

    /**
     * A channel was made while the kernel is in no node and no network: once it joins a network
     * (the net bundle may start after the servers, or be configured later), the gateway starts,
     * so that clients of other nodes reach the channels made before. One waiting thread per
     * system, which ends with the system.
     */
    private void awaitNetworkForGateway() {
        gatewayLock.lock();
        try {
            if (networkWaiter != null || stopped) {
                return;
            }
            networkWaiter = Thread.ofVirtual().name("courier-asyncmsg-network").start(() -> {
                try {
                    while (mk.awaitNetwork(NETWORK_WAIT_SLICE) == null) {
                        // A closed kernel answers at once: its processes are dying, and the
                        // system stops with the last of them.
                        if (isStopped() || mk.isClosed()) {
                            return;
                        }
                    }
                    ensureGateway();
                } catch (InterruptedException e) {
                    // The system stopped.
                } catch (RuntimeException e) {
                    LOG.warn("asyncmsg: no gateway for other nodes once the kernel joined a network: {}", e.toString());
                }
            });
        } finally {
            gatewayLock.unlock();
        }
    }

    /** The thread that waits for a network (tests), or null. */
    static Thread networkWaiter(Microkernel mk) {
        AsyncSystem s = SYSTEMS.get(mk);
        if (s == null) {
            return null;
        }
        s.gatewayLock.lock();
        try {
            return s.networkWaiter;
        } finally {
            s.gatewayLock.unlock();
        }
    }

    private boolean isStopped() {
        gatewayLock.lock();
        try {
            return stopped;
        } finally {
            gatewayLock.unlock();
        }
    }

    /** The gateway, or null; for tests. */
    NodeGateway gateway() {
        gatewayLock.lock();
        try {
            return gateway;
        } finally {
            gatewayLock.unlock();
        }
    }

    /** Stops every system's threads (the asyncmsg bundle is stopping). */
    public static void shutdownAll() {
        for (AsyncSystem s : List.copyOf(SYSTEMS.values())) {
            SYSTEMS.remove(s.mk, s);
            s.stop();
        }
    }

    // ------------------------------------------------------------------ introspection

    /**
     * The system of {@code mk}, or null when none of its processes made an asynchronous call.
     * {@code mk} may be a forwarding one (the OSGi service): a system serves it when one of the
     * system's processes is, through {@code mk}, a process of the same kernel.
     */
    private static AsyncSystem find(Microkernel mk) {
        AsyncSystem s = SYSTEMS.get(mk);
        if (s != null) {
            return s;
        }
        for (AsyncSystem x : SYSTEMS.values()) {
            for (AsyncProc p : x.procs.values()) {
                if (mk.process(p.pid).map(Kernel::microkernel).orElse(null) == x.mk) {
                    return x;
                }
            }
        }
        return null;
    }

    /** Every asynchronous channel of {@code mk}'s system, by pid and chid. */
    public static List<AsyncChannelInfo> channels(Microkernel mk) {
        AsyncSystem s = find(mk);
        if (s == null) {
            return List.of();
        }
        List<AsyncChannelInfo> out = new ArrayList<>();
        for (AsyncProc p : s.procs.values()) {
            for (AsyncChannel ch : p.channels.values()) {
                if (!ch.isDestroyed()) {
                    out.add(ch.info());
                }
            }
        }
        out.sort(Comparator.comparingInt(AsyncChannelInfo::pid).thenComparingInt(AsyncChannelInfo::chid));
        return out;
    }

    /** Every asynchronous connection of {@code mk}'s live processes, by pid and coid. */
    public static List<AsyncConnectionInfo> connections(Microkernel mk) {
        AsyncSystem s = find(mk);
        if (s == null) {
            return List.of();
        }
        List<AsyncConnectionInfo> out = new ArrayList<>();
        for (AsyncProc p : s.procs.values()) {
            for (Conn c : p.conns()) {
                out.add(c.info());
            }
        }
        out.sort(Comparator.comparingInt(AsyncConnectionInfo::pid).thenComparingInt(AsyncConnectionInfo::coid));
        return out;
    }

    /** The process {@code pid}'s state, if it made asynchronous calls. */
    AsyncProc proc(int pid) {
        return procs.get(pid);
    }

    AsyncStats snapshot() {
        return new AsyncStats(stats.delivered.sum(), stats.failed.sum(), stats.discarded.sum(), stats.callbacksRun.sum(),
                stats.callbackFailures.sum(), stats.recvbufCallbackFailures.sum(), stats.eventsDelivered.sum(),
                stats.eventFailures.sum());
    }

    // ------------------------------------------------------------------ names (A6)

    /** The slot of {@code name}, locked, made if needed. */
    private NameSlot lockSlot(String name) {
        for (;;) {
            NameSlot s = names.computeIfAbsent(name, n -> new NameSlot(this, n));
            s.lock.lock();
            if (!s.removed) {
                return s;
            }
            s.lock.unlock();
        }
    }

    void bindName(String name, AsyncChannel ch) {
        NameSlot s = lockSlot(name);
        try {
            AsyncChannel h = s.holder;
            if (h != null && !h.isDestroyed()) {
                throw new KernelException(Errno.EEXIST, "name '" + name + "' is held by channel " + h.owner.pid + "/"
                        + h.chid);
            }
            if (ch.isDestroyed()) {
                throw new KernelException(Errno.EINVAL, "channel " + ch.chid + " is destroyed");
            }
            s.holder = ch;
            ch.names.add(name);
            long now = System.nanoTime();
            for (Conn c : List.copyOf(s.conns)) {
                connect(s, c, ch, now);
            }
        } finally {
            s.lock.unlock();
        }
    }

    /** Binds a connection by name to the holder, under the name's lock. */
    private static void connect(NameSlot s, Conn c, AsyncChannel ch, long now) {
        int st = c.state();
        if (st == Conn.CLOSED) {
            return;
        }
        if (!ch.permits(c.owner.kernel.credentials())) {
            int failed = c.fail(Errno.EACCES, st);
            LOG.warn("asyncmsg: channel {}/{} holding '{}' refuses pid {}: {} stored message(s) failed with EACCES",
                    ch.owner.pid, ch.chid, s.name, c.owner.pid, failed);
            return;
        }
        c.bind(ch);
        if (ch.isDestroyed()) {
            c.orphan(ch, now);
        }
    }

    /** Withdraws {@code name} from {@code ch}; its connections keep their messages. */
    boolean unbindName(String name, AsyncChannel ch, long now) {
        NameSlot s = names.get(name);
        if (s == null) {
            return false;
        }
        s.lock.lock();
        try {
            if (s.removed || s.holder != ch) {
                return false;
            }
            s.holder = null;
            ch.names.remove(name);
            for (Conn c : List.copyOf(s.conns)) {
                c.orphan(ch, now);
            }
            s.removeIfUnusedLocked();
            return true;
        } finally {
            s.lock.unlock();
        }
    }

    void unbindConn(Conn c, AsyncChannel ch, long now) {
        c.slot.lock.lock();
        try {
            c.orphan(ch, now);
        } finally {
            c.slot.lock.unlock();
        }
    }

    /** A connection to {@code name}, bound to its holder or waiting for one. */
    Conn openName(AsyncProc p, String name, io.courier.asyncmsg.AsyncConnectionAttr attr) {
        NameSlot s = lockSlot(name);
        try {
            AsyncChannel h = s.holder;
            boolean live = h != null && !h.isDestroyed();
            if (live && !h.permits(p.kernel.credentials())) {
                throw new KernelException(Errno.EACCES, "channel " + h.owner.pid + "/" + h.chid + " holding '" + name
                        + "' refuses process " + p.pid);
            }
            Conn c = p.addConn(coid -> new Conn(this, p, coid, attr, s));
            s.conns.add(c);
            if (c.timed()) {
                delivery.addTimed(c);
            }
            long now = System.nanoTime();
            if (live) {
                connect(s, c, h, now);
            } else {
                c.waitForReceiver(now);
            }
            return c;
        } finally {
            s.removeIfUnusedLocked();
            s.lock.unlock();
        }
    }

    List<NameInfo> names() {
        List<NameInfo> out = new ArrayList<>();
        for (NameSlot s : names.values()) {
            s.lock.lock();
            try {
                AsyncChannel h = s.holder;
                if (h != null && !h.isDestroyed()) {
                    out.add(new NameInfo(s.name, h.owner.pid, h.chid));
                }
            } finally {
                s.lock.unlock();
            }
        }
        out.sort(Comparator.comparing(NameInfo::name));
        return out;
    }

    // ------------------------------------------------------------------ library-thread work

    /** Sends {@code ch}'s event through its owner's kernel (delivery thread). */
    void deliverEvent(AsyncChannel ch) {
        if (ch.isDestroyed() || !ch.owner.alive()) {
            return;
        }
        SigEvent ev = ch.event;
        Kernel k = ch.owner.kernel;
        try {
            switch (ev.type()) {
                case NONE -> {
                    return;
                }
                case PULSE -> k.msgSendPulse(ev.coid(), ev.priority() == 0 ? 1 : ev.priority(), ev.code(), ev.value());
                default -> k.msgDeliverEvent(0, ev);
            }
            stats.eventsDelivered.increment();
        } catch (KernelException e) {
            stats.eventFailures.increment();
            if (e.errno() == Errno.ENOSYS) {
                if (enosysLogged.compareAndSet(false, true)) {
                    LOG.warn("asyncmsg: the kernel cannot deliver {} events yet (ENOSYS); channel events of that type are counted and dropped",
                            ev.type());
                }
            } else if (!ch.isDestroyed() && ch.owner.alive()) {
                LOG.warn("asyncmsg: event {} of channel {}/{} could not be delivered: {}", ev, ch.owner.pid, ch.chid,
                        e.getMessage());
            }
        }
    }

    /** Runs one delivery callback (callback thread); what it throws is counted and logged. */
    void runCallback(AsyncCallback cb, Errno err, Object msg, long handle, boolean failed) {
        stats.callbacksRun.increment();
        if (failed) {
            stats.failed.increment();
        }
        try {
            cb.call(err, msg, handle);
        } catch (Throwable t) {
            stats.callbackFailures.increment();
            LOG.warn("asyncmsg: a delivery callback threw; the callback thread goes on", t);
        }
    }

    void recvbufCallbackFailed(AsyncChannel ch, Throwable t) {
        stats.recvbufCallbackFailures.increment();
        LOG.warn("asyncmsg: the receive-buffer callback of channel {}/{} threw", ch.owner.pid, ch.chid, t);
    }
}
