package io.courier.asyncmsg.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A library thread's loop (STYLE 10, after Agrona's {@code AgentRunner}): does work while there
 * is some, idles with {@link Idle#AGENT} when there is none, and never dies of an exception: every
 * {@code Throwable} from a round of work is caught, counted and logged, and the loop goes on.
 */
abstract class Worker {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    private static final VarHandle PARKED;
    private static final VarHandle SLEEP_UNTIL;
    private static final VarHandle STOPPED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PARKED = l.findVarHandle(Worker.class, "parked", boolean.class);
            SLEEP_UNTIL = l.findVarHandle(Worker.class, "sleepUntil", long.class);
            STOPPED = l.findVarHandle(Worker.class, "stopped", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Thread thread;
    private final LongAdder failures = new LongAdder();
    /** True while the thread may park; read by {@link #wake} after it published work (Dekker: both sides volatile). */
    private boolean parked;
    /** The deadline of the current park, so that an earlier deadline wakes the thread. */
    private long sleepUntil = Long.MAX_VALUE;
    private boolean stopped;

    Worker(String name) {
        thread = Thread.ofPlatform().daemon().name(name).unstarted(this::loop);
    }

    /**
     * One round of work.
     *
     * @param now {@link System#nanoTime()}
     * @return how much was done; 0 lets the thread idle
     */
    abstract int doWork(long now);

    /** Whether work was published since the last round; checked after announcing a park. */
    abstract boolean hasWork();

    /** The {@link System#nanoTime()} by which the next round must run, or {@code Long.MAX_VALUE}. */
    abstract long nextDeadline();

    final void start() {
        thread.start();
    }

    final void stop() {
        STOPPED.setVolatile(this, true);
        LockSupport.unpark(thread);
    }

    /** Exceptions caught so far. */
    final long failures() {
        return failures.sum();
    }

    /** Wakes the thread if it parks (call after publishing work). */
    final void wake() {
        if ((boolean) PARKED.getVolatile(this)) {
            LockSupport.unpark(thread);
        }
    }

    /** Wakes the thread if it parks past {@code deadline}. */
    final void wakeBy(long deadline) {
        if ((boolean) PARKED.getVolatile(this) && deadline - (long) SLEEP_UNTIL.getVolatile(this) < 0) {
            LockSupport.unpark(thread);
        }
    }

    final boolean isCurrentThread() {
        return Thread.currentThread() == thread;
    }

    private void loop() {
        int round = 0;
        while (!(boolean) STOPPED.getVolatile(this)) {
            int work;
            try {
                work = doWork(System.nanoTime());
            } catch (Throwable t) {
                // A library thread must outlive whatever user code or a bug throws at it.
                failures.increment();
                LOG.error("{}: a round of work failed; going on", thread.getName(), t);
                work = 1;
            }
            if (work > 0) {
                round = 0;
                continue;
            }
            if (!Idle.AGENT.idle(round)) {
                round++;
                continue;
            }
            long deadline = nextDeadline();
            SLEEP_UNTIL.setVolatile(this, deadline);
            PARKED.setVolatile(this, true);
            try {
                if (!hasWork() && !(boolean) STOPPED.getVolatile(this)) {
                    Idle.AGENT.park(this, deadline);
                }
            } finally {
                PARKED.setVolatile(this, false);
                SLEEP_UNTIL.setVolatile(this, Long.MAX_VALUE);
            }
        }
    }
}
