package io.courier.net;

import io.courier.net.internal.NetNodeImpl;
import io.courier.node.Link;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * This node on the network: it listens on its configured endpoint, keeps a handshake going with
 * every configured peer, and holds a {@link Link} to each that is up. Like QNX's {@code netmgr},
 * it names nodes by descriptors: {@value #ND_LOCAL_NODE} is this node, each peer has its own nd
 * (&gt; 0, from the peers' names in sorted order, so stable while the configuration is).
 */
@ProviderType
public interface NetNode extends AutoCloseable {
    /** The nd of this node (QNX's {@code ND_LOCAL_NODE}). */
    int ND_LOCAL_NODE = 0;

    /**
     * Starts a node: its media driver (in a folder of its own under {@code /dev/shm}, or the
     * system property {@code courier.net.root}, deleted on close; a node killed leaves it), its
     * endpoint, and the handshakes with its peers.
     *
     * @throws IllegalStateException the endpoint cannot be bound (in use, not a local address)
     */
    static NetNode start(NetConfig config, NetListener listener) {
        return NetNodeImpl.start(config, listener);
    }

    /** This node's name. */
    String name();

    /** This run of this node: another value every start, as peers see it in {@link NetListener#nodeUp}. */
    long incarnation();

    /**
     * The name of node {@code nd} (QNX's {@code netmgr_ndtostr()}); nd {@value #ND_LOCAL_NODE}
     * is this node's own name.
     *
     * @throws UnknownNodeException no such nd
     */
    String ndToStr(int nd);

    /**
     * The nd of node {@code name} (QNX's {@code netmgr_strtond()}); this node's own name gives
     * {@value #ND_LOCAL_NODE}.
     *
     * @throws UnknownNodeException no configured node has that name
     */
    int strToNd(String name);

    /**
     * The link to node {@code nd} while it is up, else null. A link lasts one up period: after
     * {@link NetListener#nodeDown} it is closed ({@code offer}, {@code poll} and {@code await}
     * throw {@link IllegalStateException}) and the next up brings a new one.
     *
     * @throws UnknownNodeException nd is not a peer's (nd {@value #ND_LOCAL_NODE} included)
     */
    Link link(int nd);

    /** Every configured peer and its state, by nd. */
    List<PeerStatus> peers();

    /**
     * Leaves: tells the peers that are up (they see this node down at once), closes every link
     * and the media driver, deletes its folder. The listener hears nothing more. Harmless twice.
     */
    @Override
    void close();
}
