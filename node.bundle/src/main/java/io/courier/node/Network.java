package io.courier.node;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The Courier nodes this one reaches over the network (issue 21, B3), as the kernel sees them: a
 * node descriptor ({@code nd}) per configured node, a {@link Link} to each node that is up, and
 * word when one comes up or goes down. The network layer (its transport, handshake and
 * liveness) implements it; the kernel runs its message passing over the links unchanged.
 *
 * <p>Node descriptors are this node's own numbers for the others, as QNX's netmgr gives them:
 * {@code 0} is this node ({@code ND_LOCAL_NODE}); every configured node has a fixed nd &gt; 0.
 */
@ConsumerType
public interface Network {
    /** This node's name. */
    String nodeName();

    /** The nd of the configured node {@code name}, 0 for this node's own name, or -1 when none has it. */
    int nd(String name);

    /** The name of the node {@code nd} (this node's for 0), or null when no configured node has it. */
    String name(int nd);

    /** The link to node {@code nd} while it is up, or null (down, or no such node). */
    Link link(int nd);

    /**
     * Tells {@code listener} of every node that comes up or goes down from now on, on one thread
     * of the network's, in order; nodes already up are told at once.
     */
    void listen(NetworkListener listener);
}
