package io.courier.asyncmsg.iocp.internal;

import io.courier.asyncmsg.iocp.IoCompletionPort;
import io.courier.asyncmsg.iocp.PortInfo;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every open port of this JVM, and the per-process count behind the limit of
 * {@link IoCompletionPort#MAX_PER_PROCESS} (IBM i's ENOBUFS; the asyncmsg configuration may set
 * another, {@link #maxPerProcess(int)}). A process is a Courier
 * {@link Kernel}, keyed by its pid; ports made without one count against
 * {@link IoCompletionPort#DEFAULT_OWNER}, the JVM itself.
 */
public final class PortRegistry {
    private static final AtomicInteger NEXT_ID = new AtomicInteger(1);
    private static final ConcurrentHashMap<Integer, CompletionPortImpl> OPEN = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Integer, Owner> OWNERS = new ConcurrentHashMap<>();
    private static final Owner DEFAULT = new Owner(IoCompletionPort.DEFAULT_OWNER);
    /** The most ports a process may hold; read by each create, so a new limit applies to the next one. */
    private static volatile int limit = IoCompletionPort.MAX_PER_PROCESS;

    private PortRegistry() {
    }

    /** A process that holds ports, and how many. */
    static final class Owner {
        private final int pid;
        private final AtomicInteger count = new AtomicInteger();

        Owner(int pid) {
            this.pid = pid;
        }

        int pid() {
            return pid;
        }

        boolean reserve() {
            while (true) {
                int n = count.get();
                if (n >= limit) {
                    return false;
                }
                if (count.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
        }

        void release() {
            count.decrementAndGet();
        }
    }

    /**
     * Sets the most ports one process may hold from the next create on (ports already open
     * stay). {@link IoCompletionPort#MAX_PER_PROCESS} is the default.
     */
    public static void maxPerProcess(int ports) {
        if (ports < 1) {
            throw new IllegalArgumentException("at least one port per process, not " + ports);
        }
        limit = ports;
    }

    /** The most ports one process may hold. */
    public static int maxPerProcess() {
        return limit;
    }

    /** {@link IoCompletionPort#create()}. */
    public static IoCompletionPort create() {
        return open(DEFAULT);
    }

    /** {@link IoCompletionPort#create(Kernel)}. */
    public static IoCompletionPort create(Kernel kernel) {
        if (kernel == null) {
            throw new KernelException(Errno.EINVAL, "QsoCreateIOCompletionPort: no process");
        }
        int pid = kernel.pid();
        Owner owner = OWNERS.get(pid);
        if (owner == null) {
            Owner fresh = new Owner(pid);
            owner = OWNERS.putIfAbsent(pid, fresh);
            if (owner == null) {
                owner = fresh;
                try {
                    // One hook per process: its death destroys its ports (as K15 frees its fds).
                    kernel.atExit(() -> processExited(fresh));
                } catch (RuntimeException e) {
                    OWNERS.remove(pid, fresh);
                    throw e;
                }
            }
        }
        return open(owner);
    }

    private static IoCompletionPort open(Owner owner) {
        if (!owner.reserve()) {
            throw new KernelException(Errno.ENOBUFS, "QsoCreateIOCompletionPort: process "
                    + owner.pid() + " already has " + limit + " ports");
        }
        CompletionPortImpl port = new CompletionPortImpl(NEXT_ID.getAndIncrement(), owner);
        OPEN.put(port.id(), port);
        return port;
    }

    static void released(CompletionPortImpl port) {
        if (OPEN.remove(port.id(), port)) {
            port.owner().release();
        }
    }

    private static void processExited(Owner owner) {
        OWNERS.remove(owner.pid(), owner);
        for (CompletionPortImpl port : OPEN.values()) {
            if (port.owner() == owner) {
                port.close();
            }
        }
    }

    /** {@link IoCompletionPort#ports()}. */
    public static List<PortInfo> ports() {
        List<CompletionPortImpl> ports = new ArrayList<>(OPEN.values());
        ports.sort(Comparator.comparingInt(CompletionPortImpl::id));
        List<PortInfo> infos = new ArrayList<>(ports.size());
        for (CompletionPortImpl port : ports) {
            infos.add(port.info());
        }
        return List.copyOf(infos);
    }
}
