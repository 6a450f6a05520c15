package io.courier.node;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told of the node's other JVMs as the member table's watcher sees them come and go. Called on
 * the watcher's thread, one call at a time; a call that throws is logged and the watcher goes on.
 */
@ConsumerType
public interface MemberListener {
    /** {@code member} is alive in the node (also said once for every member there when this JVM joins). */
    default void memberJoined(Member member) {
    }

    /**
     * {@code member} is gone: {@code died} when its process is gone or is no longer the one that
     * joined (killed, crashed, or it exited without leaving, or its lease ran out), false when
     * it left cleanly and still runs. A member that joined and died between two rounds of the
     * watcher is told gone (died) without having been told joined, so that what it left behind
     * can be cleared.
     */
    default void memberGone(Member member, boolean died) {
    }

    /** Another JVM declared this one dead (its lease ran out) and took back its slot. */
    default void evicted(Member self) {
    }
}
