package io.courier.shm.internal;

import io.courier.kernel.KernelException;
import io.courier.kernel.SigEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code SyncMutexEvent()}: the events processes asked for when a mutex goes dead, and their
 * delivery. A death is noticed three ways: a process of this JVM dies (its exit hook looks at
 * the watched mutexes it held: at once); a locker or reviver finds the holder dead; or the
 * watchdog, a daemon thread that runs while anything is watched, finds it on its round
 * ({@value #ROUND_MILLIS} ms), which is how the death of another JVM or of a robust mutex's
 * thread is noticed without a locker. Each death is delivered once per watch.
 *
 * <p>Delivery: the kernel's {@code msgDeliverEvent(0, event)} in the watching process, so every
 * event type works as the kernel defines it (a pulse on the event's connection, a signal, a
 * thread...).
 */
final class DeadMutexWatch {
    private static final Logger LOG = LoggerFactory.getLogger(DeadMutexWatch.class);
    static final long ROUND_MILLIS = 20;

    /** One process's request for an event when one mutex goes dead. */
    private record Watch(MutexImpl mutex, SigEvent event, AtomicLong notified, AtomicLong lastHolder) {
    }

    private static final CopyOnWriteArrayList<Watch> WATCHES = new CopyOnWriteArrayList<>();
    private static Thread watchdog;

    private DeadMutexWatch() {
    }

    static void register(MutexImpl mutex, SigEvent event) {
        withdraw(mutex);
        long holder = mutex.ownerWord();
        WATCHES.add(new Watch(mutex, event, new AtomicLong(), new AtomicLong(Owners.isHolder(holder) ? holder : 0)));
        startWatchdog();
    }

    /** Withdraws the watch made through this mutex's mapping for it. */
    static void withdraw(MutexImpl mutex) {
        WATCHES.removeIf(w -> w.mutex.mapping == mutex.mapping && w.mutex.key.equals(mutex.key));
    }

    /** A mapping went away: its watches go with it. */
    static void unmapped(MappingImpl mapping) {
        WATCHES.removeIf(w -> w.mutex.mapping == mapping);
    }

    /** A locker or reviver found the holder {@code dead} of {@code mutex} dead. */
    static void wentDead(MutexImpl mutex, long dead) {
        for (Watch w : WATCHES) {
            if (w.mutex.key.equals(mutex.key)) {
                notify(w, dead);
            }
        }
    }

    /** A process of this JVM died; {@code tokens} were its owner tokens. */
    static void processDied(Set<Integer> tokens) {
        if (tokens.isEmpty() || WATCHES.isEmpty()) {
            return;
        }
        // Read every watched word first: marking one DEAD must not hide it from another watch.
        List<Watch> hit = new ArrayList<>();
        List<Long> holders = new ArrayList<>();
        for (Watch w : WATCHES) {
            try {
                long holder = w.mutex.ownerWord();
                if (Owners.isOneOf(holder, tokens)) {
                    hit.add(w);
                    holders.add(holder);
                }
            } catch (RuntimeException e) {
                WATCHES.remove(w);
            }
        }
        for (int i = 0; i < hit.size(); i++) {
            hit.get(i).mutex.markDead(holders.get(i));
            notify(hit.get(i), holders.get(i));
        }
    }

    private static void notify(Watch w, long dead) {
        if (w.notified.getAndSet(dead) == dead) {
            return;
        }
        SigEvent e = w.event;
        ShmProcess p = w.mutex.mapping.process;
        try {
            p.kernel.msgDeliverEvent(0, e);
        } catch (KernelException ex) {
            LOG.warn("cannot deliver the dead-mutex event {} to process {}: {}", e, p.pid, ex.getMessage());
            WATCHES.remove(w);
        }
    }

    private static synchronized void startWatchdog() {
        if (watchdog == null) {
            watchdog = Thread.ofPlatform().daemon().name("courier-shm-watchdog").start(DeadMutexWatch::watch);
        }
    }

    private static synchronized boolean idle() {
        if (WATCHES.isEmpty()) {
            watchdog = null;
            return true;
        }
        return false;
    }

    private static void watch() {
        while (!idle()) {
            for (Watch w : WATCHES) {
                try {
                    round(w);
                } catch (RuntimeException e) {
                    // The mapping went away under us, or a bug: drop the watch, keep watching.
                    LOG.debug("dropping dead-mutex watch {}", w, e);
                    WATCHES.remove(w);
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ROUND_MILLIS));
        }
    }

    private static void round(Watch w) {
        if (!w.mutex.mapping.isMapped()) {
            WATCHES.remove(w);
            return;
        }
        long holder = w.mutex.ownerWord();
        if (Owners.isHolder(holder)) {
            w.lastHolder.set(holder);
            if (Owners.isDead(holder, w.mutex.robust)) {
                w.mutex.markDead(holder);
                notify(w, holder);
            }
        } else if (holder == io.courier.shm.SyncLayout.OWNER_DEAD) {
            // Marked DEAD by someone else (another JVM's locker): tell of the holder we last saw.
            long last = w.lastHolder.get();
            notify(w, last != 0 ? last : holder);
        }
    }
}
