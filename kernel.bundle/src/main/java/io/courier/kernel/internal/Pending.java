package io.courier.kernel.internal;

import java.util.Comparator;

/**
 * Something queued on a channel: a SEND-blocked thread or a pulse. Ordered by priority, then age.
 *
 * <p>SPEC K9.
 */
abstract class Pending {
    /** Highest priority first, then oldest first (SPEC K9). */
    static final Comparator<Pending> ORDER = (a, b) -> a.priority != b.priority
            ? Integer.compare(b.priority, a.priority) : Long.compare(a.seq, b.seq);

    int priority;
    long seq;
}
