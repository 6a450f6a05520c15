package io.courier.shm.internal;

import io.courier.kernel.IdleStrategy;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * This JVM's threads waiting on a shared synchronisation object, so that an unlock, post or
 * signal made in this JVM wakes them at once instead of at the end of their park. Keyed by the
 * object's place in its file, since two mappings of one object have different addresses.
 */
final class WaitLot {
    /**
     * How a shared-memory waiter waits: 64 spins, 8 yields, then parks from 2 us, doubling up to
     * 1 ms. There is no futex: an unlock, post or signal in this JVM unparks waiters at once
     * through this lot; one in another JVM is noticed at the end of the current park, so the
     * longest park bounds the cross-JVM wake-up latency.
     */
    static final IdleStrategy IDLE = new IdleStrategy.Backoff(64, 8, 2_000, 1_000_000);

    /** A synchronisation object: the file it lives in and its offset there. */
    record Key(Object file, long offset) {
    }

    private static final ConcurrentHashMap<Key, Set<Thread>> LOT = new ConcurrentHashMap<>();

    private WaitLot() {
    }

    /** The calling thread waits on {@code key}. */
    static void enter(Key key) {
        Thread me = Thread.currentThread();
        // compute, not computeIfAbsent + add: a concurrent leave must not drop the set under us.
        LOT.compute(key, (k, set) -> {
            Set<Thread> s = set != null ? set : ConcurrentHashMap.newKeySet();
            s.add(me);
            return s;
        });
    }

    /** The calling thread no longer waits on {@code key}. */
    static void leave(Key key) {
        Thread me = Thread.currentThread();
        LOT.computeIfPresent(key, (k, set) -> {
            set.remove(me);
            return set.isEmpty() ? null : set;
        });
    }

    /** Wakes every thread of this JVM waiting on {@code key}. */
    static void wakeAll(Key key) {
        Set<Thread> set = LOT.get(key);
        if (set != null) {
            for (Thread t : set) {
                LockSupport.unpark(t);
            }
        }
    }
}
