package io.courier.shm.internal;

import io.courier.kernel.Kernel;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One process's shared memory state, shared by every {@code SharedMemory} view of it: its fds,
 * its mappings, and its threads' owner tokens. Dies with the process (an exit hook of its
 * kernel). The maps are guarded by the registry's lock.
 */
final class ShmProcess {
    /** An open fd: the object and the access it was opened with. */
    record OpenFd(ShmObject object, int access) {
    }

    final ShmRegistry registry;
    final Kernel kernel;
    final int pid;
    final int uid;
    final int gid;
    final Map<Integer, OpenFd> fds = new HashMap<>();
    final Set<MappingImpl> mappings = new LinkedHashSet<>();
    final ConcurrentLinkedQueue<Owners.Owner> tokens = new ConcurrentLinkedQueue<>();
    /** Set (under the registry's lock) once the process's state is torn down. */
    volatile boolean dead;

    private final ThreadLocal<Owners.Owner> owner = new ThreadLocal<>();

    ShmProcess(ShmRegistry registry, Kernel kernel) {
        this.registry = registry;
        this.kernel = kernel;
        this.pid = kernel.pid();
        this.uid = kernel.credentials().uid();
        this.gid = kernel.credentials().gid();
    }

    /** The calling thread as a holder of mutexes for this process. */
    Owners.Owner owner() {
        Owners.Owner o = owner.get();
        if (o == null) {
            o = Owners.register(this);
            owner.set(o);
        }
        return o;
    }

    /** Whether the state is usable: not torn down, process alive, registry open. */
    boolean usable() {
        return !dead && kernel.isAlive() && !registry.isClosed();
    }

    @Override
    public String toString() {
        return "ShmProcess[" + pid + "]";
    }
}
