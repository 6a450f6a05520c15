package io.courier.net.internal.osgi;

import io.courier.kernel.Microkernel;
import io.courier.net.NetConfig;
import io.courier.net.NetNetwork;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This runtime's node on the network (issue 21, B3): with a configuration {@code io.courier.net}
 * (in the runtime, {@code conf/io.courier.net.cfg}), starts the node it describes and has the
 * kernel join it; a changed configuration restarts the node (the other nodes see this one down,
 * then up); without one, nothing listens and the kernel stays alone.
 */
@Component(immediate = true, configurationPid = NetComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = NetComponent.Config.class)
public final class NetComponent {
    static final String PID = "io.courier.net";
    private static final Logger LOG = LoggerFactory.getLogger(NetComponent.class);

    /** The node's settings, as the Metatype service describes them. */
    @ObjectClassDefinition(id = PID, name = "Courier network node",
            description = "This runtime as a node of a Courier network over Aeron UDP: its name and endpoint,"
                    + " the nodes it accepts, and the shared key that proves them.")
    public @interface Config {
        /** This node's name. */
        @AttributeDefinition(name = "Node name", description = "1-64 of [A-Za-z0-9._-]; how the others name this node.")
        String name();

        /** The address the node listens on. */
        @AttributeDefinition(name = "Bind address", required = false,
                description = "The local address the node listens and sends on; 127.0.0.1 unless set"
                        + " (nothing listens on another address unless configured).")
        String bindHost() default NetConfig.DEFAULT_BIND_HOST;

        /** The UDP port. */
        @AttributeDefinition(name = "Port", min = "1", max = "65535", description = "The UDP port the node listens on.")
        int port();

        /** The other nodes. */
        @AttributeDefinition(name = "Peers", required = false,
                description = "The other nodes, each name@host:port; only these are accepted.")
        String[] peers() default {};

        /** Where the shared key is. */
        @AttributeDefinition(name = "Key file",
                description = "A file (owner-only) holding the shared key, at least 16 bytes, the same on every node.")
        String keyFile();

        /** Heartbeat interval. */
        @AttributeDefinition(name = "Heartbeat (ms)", min = "10", required = false)
        long heartbeatMillis() default 250;

        /** Silence after which a node is down. */
        @AttributeDefinition(name = "Dead after (ms)", min = "21", required = false,
                description = "A node heard nothing from this long is down (its processes dead to this node's).")
        long deadAfterMillis() default 2_000;
    }

    private final Microkernel microkernel;
    /** The node, or null when it could not start (logged): the kernel then stays alone until the configuration changes. */
    private final NetNetwork net;

    /**
     * Starts the node and joins the kernel to it. A configuration that is not valid fails the
     * activation, logged. A valid one whose node cannot start (its port taken by another process,
     * an address this machine does not have) is one ERROR line that names the endpoint and the
     * reason, without a stack trace: the runtime goes on without a network, and a changed
     * configuration tries again.
     */
    @Activate
    public NetComponent(@Reference Microkernel microkernel, Config config) {
        this.microkernel = microkernel;
        NetConfig nc = toConfig(config);
        NetNetwork started;
        try {
            started = NetNetwork.start(nc);
        } catch (IllegalStateException e) {
            LOG.error("{}; this runtime joins no network until conf/{}.cfg changes", e.getMessage(), PID);
            LOG.debug("node {} failed to start", nc.name(), e);
            this.net = null;
            return;
        }
        this.net = started;
        try {
            microkernel.joinNetwork(net);
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
        LOG.info("node {} on {}:{} joined the network, peers {}", nc.name(), nc.bindHost(), nc.port(), nc.peers());
    }

    /** The {@link NetConfig} a configuration describes. */
    static NetConfig toConfig(Config c) {
        List<NetConfig.Peer> peers = new ArrayList<>();
        for (String p : c.peers()) {
            // A cfg file gives "a@h:1, b@h:2" as one string.
            for (String one : p.split(",")) {
                if (!one.isBlank()) {
                    peers.add(NetConfig.Peer.parse(one.trim()));
                }
            }
        }
        if (c.keyFile() == null || c.keyFile().isBlank()) {
            throw new IllegalArgumentException("io.courier.net: keyFile is not set");
        }
        return new NetConfig(c.name(), c.bindHost(), c.port(), peers, NetConfig.keyFromFile(Path.of(c.keyFile())),
                Duration.ofMillis(c.heartbeatMillis()), Duration.ofMillis(c.deadAfterMillis()));
    }

    /** Leaves: the kernel's calls to the other nodes end (ESRCH), and the other nodes see this one down. */
    @Deactivate
    void deactivate() {
        if (net == null) {
            return;
        }
        microkernel.leaveNetwork(net);
        net.close();
    }
}
