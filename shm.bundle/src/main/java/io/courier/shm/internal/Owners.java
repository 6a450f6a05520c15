package io.courier.shm.internal;

import io.courier.shm.SyncLayout;
import java.lang.ref.WeakReference;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who may hold a shared mutex, and whether a holder still lives: the JVM-wide table behind the
 * owner word of {@link SyncLayout}. An owner id is this JVM's operating-system pid in the high
 * 32 bits and a token in the low 32; the token stands for one (Courier process, thread) pair
 * and is never reused while the JVM runs, so a stale id can never name a new holder.
 */
final class Owners {
    /** This JVM's operating-system pid, the liveness record written into every owner word. */
    static final long OS_PID = ProcessHandle.current().pid();

    /** One (process, thread) pair that can hold mutexes. */
    record Owner(long id, ShmProcess process, WeakReference<Thread> thread) {
        int token() {
            return (int) id;
        }
    }

    private static final AtomicInteger NEXT = new AtomicInteger();
    private static final ConcurrentHashMap<Integer, Owner> TOKENS = new ConcurrentHashMap<>();

    private Owners() {
    }

    /** A new owner for the calling thread acting for {@code process}. */
    static Owner register(ShmProcess process) {
        int token;
        do {
            token = NEXT.incrementAndGet();
        } while (token == 0);
        Owner o = new Owner(OS_PID << 32 | (token & 0xFFFF_FFFFL), process,
                new WeakReference<>(Thread.currentThread()));
        TOKENS.put(token, o);
        process.tokens.add(o);
        return o;
    }

    /** Forgets the owners of a dead process, returning their tokens: ids with them are dead from now on. */
    static Set<Integer> processDied(ShmProcess process) {
        Set<Integer> gone = new HashSet<>();
        for (Owner o : process.tokens) {
            TOKENS.remove(o.token(), o);
            gone.add(o.token());
        }
        process.tokens.clear();
        return gone;
    }

    /** Whether {@code id} names a holder (not free, DEAD or NOTRECOVERABLE). */
    static boolean isHolder(long id) {
        return id != SyncLayout.OWNER_FREE && id != SyncLayout.OWNER_DEAD && id != SyncLayout.OWNER_NOTRECOVERABLE;
    }

    /** Whether {@code id} names a token of this JVM in {@code tokens}. */
    static boolean isOneOf(long id, Set<Integer> tokens) {
        return isHolder(id) && id >>> 32 == OS_PID && tokens.contains((int) id);
    }

    /**
     * Whether the holder {@code id} is dead: its JVM is gone; or, in this JVM, its token is
     * unknown, its process is dead, or ({@code threadMatters}, for robust mutexes) its thread
     * ended.
     */
    static boolean isDead(long id, boolean threadMatters) {
        if (!isHolder(id)) {
            return false;
        }
        long osPid = id >>> 32;
        if (osPid != OS_PID) {
            // Another JVM: alive while its operating-system process is (no pid-reuse guard).
            return !ProcessHandle.of(osPid).map(ProcessHandle::isAlive).orElse(false);
        }
        Owner o = TOKENS.get((int) id);
        if (o == null || o.process().dead || !o.process().kernel.isAlive()) {
            return true;
        }
        if (threadMatters) {
            Thread t = o.thread().get();
            return t == null || !t.isAlive();
        }
        return false;
    }
}
