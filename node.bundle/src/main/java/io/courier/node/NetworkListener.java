package io.courier.node;

import org.osgi.annotation.versioning.ConsumerType;

/** Word of the nodes of a {@link Network}: each transition once, in order, from one thread. */
@ConsumerType
public interface NetworkListener {
    /**
     * Node {@code nd} is up, its handshake done, reached over {@code link} until the matching
     * {@link #nodeDown}; {@code incarnation} tells a restarted node from the one before it (a
     * node that restarts goes down first).
     */
    void nodeUp(int nd, String name, long incarnation, Link link);

    /** Node {@code nd} is down (dead, cut off, or closed): nothing more comes from its last incarnation. */
    void nodeDown(int nd, String name, String why);
}
