package io.courier.kernel.internal;

import java.util.Comparator;

/**
 * A SEND-blocked thread queued on a channel, ordered by priority, then age ({@code seq}); queued
 * pulses carry the same kind of age stamp ({@link PulseLists}) and are ordered against these.
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
