package io.courier.kernel.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.ThreadState;

/**
 * A thread's own attributes: its tid, priority and name ({@code gettid()},
 * {@code pthread_setschedprio()}, {@code pthread_setname_np()}), and priority inheritance, the
 * boost a queued message or pulse gives the threads serving its channel. A thread itself, with
 * its phases and queues' fields, is {@link KThread}; which threads a process has is
 * {@link Proc}'s and {@link MicrokernelImpl}'s.
 *
 * <p>SPEC K10 (priority inheritance), K16 (what pidin shows of a thread).
 */
final class Threads {
    private Threads() {
    }

    static int tid(Proc p) {
        return p.self().tid;
    }

    static int priority(Proc p) {
        return p.self().effPriority;
    }

    static void setPriority(Proc p, int priority) {
        KThread t = p.self();
        if (priority < Kernel.PRIORITY_MIN || priority > Kernel.PRIORITY_MAX) {
            throw new KernelException(Errno.EINVAL, "priority " + priority + " is outside 1..255");
        }
        t.own();
        t.basePriority = priority;
        t.effPriority = priority;
    }

    static void setThreadName(Proc p, String threadName) {
        KThread t = p.self();
        if (threadName == null || threadName.isEmpty() || threadName.length() > 100) {
            throw new KernelException(Errno.EINVAL, "a thread name has 1..100 characters");
        }
        t.own();
        t.name = threadName;
    }

    /** Priority inheritance: a queued message boosts the owner's threads serving the channel (K10). */
    static void boost(Channel ch, int priority) {
        if (!ch.inherits()) {
            return;
        }
        for (KThread k : ch.owner.threads.values()) {
            if (k.servingChannel == ch && k.state != ThreadState.RECEIVE && k.effPriority < priority) {
                k.effPriority = priority;
            }
        }
    }
}
