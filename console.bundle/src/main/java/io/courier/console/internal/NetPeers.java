package io.courier.console.internal;

import io.courier.net.NetNetwork;
import io.courier.node.Network;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured nodes as the net bundle sees them, for the "Node and network" page. The only
 * class of the console that names the net bundle's types: the console imports
 * {@code io.courier.net} optionally, so a runtime without that bundle still has its console,
 * whose network section then lists this node alone.
 */
final class NetPeers {
    private static final Logger LOG = LoggerFactory.getLogger(NetPeers.class);
    /** Whether {@code io.courier.net} is wired to this bundle (looked at once: a refresh makes a new class loader). */
    private static final boolean NET_LAYER = netLayer();

    private NetPeers() {
    }

    /**
     * The nodes configured in {@code net}, or null when it is not the net bundle's network (or
     * there is no network, or no net bundle).
     */
    static List<NodeView.Peer> of(Network net) {
        if (net == null || !NET_LAYER) {
            return null;
        }
        return Wired.peers(net);
    }

    private static boolean netLayer() {
        try {
            Class.forName("io.courier.net.NetNetwork", false, NetPeers.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            LOG.info("the net bundle is not wired to the console: its network section shows this node only");
            return false;
        }
    }

    /** Loaded only once the net bundle is known to be wired. */
    private static final class Wired {
        static List<NodeView.Peer> peers(Network net) {
            if (!(net instanceof NetNetwork n)) {
                return null;
            }
            return n.node().peers().stream()
                    .map(p -> new NodeView.Peer(p.nd(), p.name(), p.host(), p.port(), p.up(), p.incarnation()))
                    .toList();
        }
    }
}
