package io.courier.asyncmsg.internal;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A name of the asynchronous name space (SPEC A6): the channel holding it, if any, and the
 * connections addressed to it, which outlive holders. Guarded by {@link #lock}; a slot with
 * neither holder nor connections is removed from the map and marked so.
 */
final class NameSlot {
    final String name;
    final ReentrantLock lock = new ReentrantLock();
    private final AsyncSystem sys;
    /** Guarded by lock. */
    AsyncChannel holder;
    /** Guarded by lock. */
    final Set<Conn> conns = new HashSet<>();
    /** Guarded by lock: true once out of the map; the next user makes a new slot. */
    boolean removed;

    NameSlot(AsyncSystem sys, String name) {
        this.sys = sys;
        this.name = name;
    }

    /** Drops a retired connection; the slot goes when it is empty. */
    void remove(Conn c) {
        lock.lock();
        try {
            conns.remove(c);
            removeIfUnusedLocked();
        } finally {
            lock.unlock();
        }
    }

    /** Under lock. */
    void removeIfUnusedLocked() {
        if (!removed && holder == null && conns.isEmpty()) {
            removed = true;
            sys.names.remove(name, this);
        }
    }
}
