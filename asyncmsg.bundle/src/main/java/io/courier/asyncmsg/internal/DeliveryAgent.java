package io.courier.asyncmsg.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The delivery thread of one system: sends channel events, fires time triggers (SPEC A4) and
 * ends the wait of connections by name whose receiver stayed away too long (SPEC A6), and sweeps
 * single-sender connections for messages put in the instant they failed. It makes
 * kernel calls through the receiving processes' {@code Kernel}s, so it shows up as a thread of
 * each receiving process.
 */
final class DeliveryAgent extends Worker {
    private final AsyncSystem sys;
    private final ConcurrentLinkedQueue<AsyncChannel> events = new ConcurrentLinkedQueue<>();
    private final Set<Conn> timed = ConcurrentHashMap.newKeySet();
    private final Set<Conn> orphans = ConcurrentHashMap.newKeySet();
    private final Set<Conn> sweeps = ConcurrentHashMap.newKeySet();
    /** The earliest deadline seen by the last round; this thread's own. */
    private long next = Long.MAX_VALUE;

    DeliveryAgent(AsyncSystem sys, String name) {
        super(name);
        this.sys = sys;
    }

    void requestEvent(AsyncChannel ch) {
        events.add(ch);
        wake();
    }

    void addTimed(Conn c) {
        timed.add(c);
    }

    void orphan(Conn c) {
        orphans.add(c);
        wake();
    }

    void unorphan(Conn c) {
        orphans.remove(c);
    }

    /** Sweeps {@code c} for stragglers at {@code due}; kept apart from {@link #forget}, which comes right after a failure. */
    void sweep(Conn c, long due) {
        sweeps.add(c);
        wakeBy(due);
    }

    void forget(Conn c) {
        timed.remove(c);
        orphans.remove(c);
    }

    @Override
    int doWork(long now) {
        int work = 0;
        AsyncChannel ch;
        while ((ch = events.poll()) != null) {
            sys.deliverEvent(ch);
            work++;
        }
        long earliest = Long.MAX_VALUE;
        for (Conn c : timed) {
            earliest = earlier(earliest, c.onTimer(now));
        }
        for (Conn c : orphans) {
            earliest = earlier(earliest, c.onStoreTimer(now));
        }
        for (Conn c : sweeps) {
            long due = c.onSweepTimer(now);
            if (due == 0) {
                sweeps.remove(c);
                if (c.sweepDue() != 0) {
                    sweeps.add(c); // asked again meanwhile
                }
            }
            earliest = earlier(earliest, due);
        }
        next = earliest;
        return work;
    }

    private static long earlier(long a, long deadline) {
        if (deadline == 0) {
            return a;
        }
        return a == Long.MAX_VALUE || deadline - a < 0 ? deadline : a;
    }

    @Override
    boolean hasWork() {
        if (!events.isEmpty()) {
            return true;
        }
        // A deadline armed after the last round, earlier than the one this thread will sleep to.
        long now = System.nanoTime();
        long sleep = next;
        for (Conn c : timed) {
            if (due(c.armedDeadline(), sleep, now)) {
                return true;
            }
        }
        for (Conn c : orphans) {
            if (due(c.storeDue(), sleep, now)) {
                return true;
            }
        }
        for (Conn c : sweeps) {
            if (due(c.sweepDue(), sleep, now)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code d} (0 for none) is due now or earlier than the planned wake-up {@code sleep}. */
    private static boolean due(long d, long sleep, long now) {
        return d != 0 && (sleep == Long.MAX_VALUE || d - sleep < 0 || d - now <= 0);
    }

    @Override
    long nextDeadline() {
        return next;
    }
}
