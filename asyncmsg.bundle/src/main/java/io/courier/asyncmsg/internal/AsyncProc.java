package io.courier.asyncmsg.internal;

import io.courier.asyncmsg.AsyncMessaging;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;

/**
 * The asynchronous-messaging state of one process: its connections by coid and its channels by
 * chid. Made on the process's first call; its kernel exit hook ends it (SPEC K15): its channels
 * are destroyed, its connections keep delivering what was put, without callbacks.
 */
final class AsyncProc {
    /** Connections a process may hold. */
    static final int MAX_CONNECTIONS = 1 << 16;

    private static final VarHandle ALIVE;
    private static final VarHandle TABLE;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Conn[].class);

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            ALIVE = l.findVarHandle(AsyncProc.class, "alive", boolean.class);
            TABLE = l.findVarHandle(AsyncProc.class, "table", Conn[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final AsyncSystem sys;
    final Kernel kernel;
    final int pid;
    final ConcurrentHashMap<Integer, AsyncChannel> channels = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final BitSet used = new BitSet();
    private boolean alive = true;
    /** Connections by coid - COID_BASE. Replaced when it grows (under lock), published with release. */
    private Conn[] table = new Conn[16];

    AsyncProc(AsyncSystem sys, Kernel kernel) {
        this.sys = sys;
        this.kernel = kernel;
        this.pid = kernel.pid();
    }

    boolean alive() {
        return (boolean) ALIVE.getVolatile(this);
    }

    /** The connection {@code coid}, or null; takes no lock. */
    Conn conn(int coid) {
        int i = coid - AsyncMessaging.COID_BASE;
        Conn[] t = (Conn[]) TABLE.getAcquire(this);
        if (i < 0 || i >= t.length) {
            return null;
        }
        return (Conn) SLOT.getAcquire(t, i);
    }

    /** Makes a connection for the lowest free coid. */
    Conn addConn(IntFunction<Conn> make) {
        lock.lock();
        try {
            int i = used.nextClearBit(0);
            if (i >= MAX_CONNECTIONS) {
                throw new KernelException(Errno.EAGAIN, "process " + pid + " is out of asynchronous connections");
            }
            Conn c = make.apply(AsyncMessaging.COID_BASE + i);
            Conn[] t = table;
            if (i >= t.length) {
                t = Arrays.copyOf(t, Math.max(t.length * 2, i + 1));
                TABLE.setRelease(this, t);
            }
            used.set(i);
            SLOT.setRelease(t, i, c);
            return c;
        } finally {
            lock.unlock();
        }
    }

    /** Takes connection {@code coid} out of the table; null when there is none. */
    Conn removeConn(int coid) {
        int i = coid - AsyncMessaging.COID_BASE;
        lock.lock();
        try {
            Conn[] t = table;
            if (i < 0 || i >= t.length || t[i] == null) {
                return null;
            }
            Conn c = t[i];
            SLOT.setRelease(t, i, (Conn) null);
            used.clear(i);
            return c;
        } finally {
            lock.unlock();
        }
    }

    /** The connections now in the table, by coid; for introspection. */
    List<Conn> conns() {
        lock.lock();
        try {
            List<Conn> all = new ArrayList<>();
            for (Conn c : table) {
                if (c != null) {
                    all.add(c);
                }
            }
            return all;
        } finally {
            lock.unlock();
        }
    }

    private List<Conn> takeAllConns() {
        lock.lock();
        try {
            List<Conn> all = new ArrayList<>();
            Conn[] t = table;
            for (int i = 0; i < t.length; i++) {
                if (t[i] != null) {
                    all.add(t[i]);
                    SLOT.setRelease(t, i, (Conn) null);
                }
            }
            used.clear();
            return all;
        } finally {
            lock.unlock();
        }
    }

    /** The kernel's exit hook: the process is dead. */
    void exited() {
        ALIVE.setVolatile(this, false);
        for (AsyncChannel ch : List.copyOf(channels.values())) {
            ch.destroy();
        }
        channels.clear();
        for (Conn c : takeAllConns()) {
            c.senderGone();
        }
        sys.procGone(this);
    }

    @Override
    public String toString() {
        return "AsyncProc[" + pid + "]";
    }
}
