package io.courier.net;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told when a configured node comes up or goes down. Both calls come from one thread, the
 * node's conductor ({@code courier-net-<name>}), once per transition, up and down alternating
 * for each node, never after {@link NetNode#close()}. The calls should return soon: while one
 * runs, no heartbeat is read or sent, and a call that takes longer than the dead-after time
 * makes other nodes drop this one.
 */
@ConsumerType
public interface NetListener {
    /**
     * Node {@code nd} ({@code name}) is up: it proved the shared key, and {@link NetNode#link}
     * now returns a new link to it. {@code incarnation} names this run of that node: a node that
     * restarted comes up with another one (after a {@link #nodeDown}); a link that was cut and
     * restored with the node still running keeps it.
     */
    void nodeUp(int nd, String name, long incarnation);

    /**
     * Node {@code nd} ({@code name}) is down ({@code reason}, for logs): its link is closed, and
     * nothing more that it sent before is delivered, even if it comes back.
     */
    void nodeDown(int nd, String name, String reason);
}
