package io.courier.net.internal.osgi;

import io.courier.kernel.Microkernel;
import io.courier.kernel.NameInfo;
import io.courier.net.NetNetwork;
import io.courier.net.PeerStatus;
import io.courier.node.Network;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Gogo's {@code nodes}: this runtime's node and every configured node of its network, with its
 * nd, state and global names (QNX users' {@code ls /net}).
 */
@Component(service = NodesCommand.class, property = {
    "osgi.command.scope=courier",
    "osgi.command.function=nodes"
})
public final class NodesCommand {
    private static final String ROW = "%4s  %-20s %-22s %-5s %s%n";
    private final Microkernel mk;

    @Activate
    public NodesCommand(@Reference Microkernel mk) {
        this.mk = mk;
    }

    /** The table: nd, name, endpoint, up or down, global names. */
    public String nodes() {
        Network net = mk.network();
        if (net == null) {
            return "this runtime joined no network (configure io.courier.net)\n";
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(ROW, "nd", "name", "endpoint", "state", "global names"));
        sb.append(String.format(ROW, 0, net.nodeName(), "(this node)", "up", ""));
        if (net instanceof NetNetwork n) {
            for (PeerStatus p : n.node().peers()) {
                StringBuilder names = new StringBuilder();
                for (NameInfo g : mk.globalNamesKnown(p.nd())) {
                    names.append(names.isEmpty() ? "" : " ").append(g.name());
                }
                sb.append(String.format(ROW, p.nd(), p.name(), p.host() + ":" + p.port(), p.up() ? "up" : "down", names));
            }
        }
        return sb.toString();
    }
}
