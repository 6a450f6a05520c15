package io.courier.net;

import io.courier.node.Link;
import io.courier.node.Network;
import io.courier.node.NetworkListener;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link NetNode} as the kernel's {@link Network}: what {@code Microkernel.joinNetwork} takes.
 * The node's transitions are handed, each with the link it came up with, to a thread of this
 * network's own, which tells the listeners in order: the node's conductor never waits for the
 * kernel (a kernel that closes a node's peer may take a moment), and a listener that registers
 * late hears first of the nodes up at that point.
 */
public final class NetNetwork implements Network, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NetNetwork.class);

    private final NetConfig config;
    private final LinkedBlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
    private final List<NetworkListener> listeners = new CopyOnWriteArrayList<>();
    /** The nodes up as the listeners were told: the delivery thread's own. */
    private final Map<Integer, Up> up = new HashMap<>();
    private final Thread delivery;
    private volatile NetNode node;
    private volatile boolean closed;

    private record Up(String name, long incarnation, Link link) {
    }

    private NetNetwork(NetConfig config) {
        this.config = config;
        this.delivery = Thread.ofPlatform().daemon().name("courier-net-" + config.name() + "-events").unstarted(this::deliver);
    }

    /** Starts node {@code config} (see {@link NetNode#start}) as a network for a kernel. */
    public static NetNetwork start(NetConfig config) {
        NetNetwork n = new NetNetwork(config);
        n.node = NetNode.start(config, n.new Listener());
        n.delivery.start();
        return n;
    }

    /** The node underneath (its peers, its incarnation). */
    public NetNode node() {
        return node;
    }

    private final class Listener implements NetListener {
        @Override
        public void nodeUp(int nd, String name, long incarnation) {
            // The link is taken now, on the conductor, so that it is this up period's.
            Link link = awaitNode().link(nd);
            events.add(() -> {
                up.put(nd, new Up(name, incarnation, link));
                for (NetworkListener l : listeners) {
                    tell(() -> l.nodeUp(nd, name, incarnation, link));
                }
            });
        }

        @Override
        public void nodeDown(int nd, String name, String reason) {
            events.add(() -> {
                if (up.remove(nd) != null) {
                    for (NetworkListener l : listeners) {
                        tell(() -> l.nodeDown(nd, name, reason));
                    }
                }
            });
        }
    }

    /** The node, once {@link #start} has it (a transition can come while it returns). */
    private NetNode awaitNode() {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        NetNode n;
        while ((n = node) == null && System.nanoTime() < end) {
            Thread.onSpinWait();
        }
        if (n == null) {
            throw new IllegalStateException("node " + config.name() + " did not start");
        }
        return n;
    }

    private void tell(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.error("node {}: a network listener failed", config.name(), e);
        }
    }

    private void deliver() {
        while (!closed) {
            try {
                events.take().run();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public String nodeName() {
        return config.name();
    }

    @Override
    public int nd(String name) {
        try {
            return node.strToNd(name);
        } catch (UnknownNodeException e) {
            return -1;
        }
    }

    @Override
    public String name(int nd) {
        try {
            return node.ndToStr(nd);
        } catch (UnknownNodeException e) {
            return null;
        }
    }

    @Override
    public Link link(int nd) {
        if (nd <= 0) {
            return null;
        }
        try {
            return node.link(nd);
        } catch (UnknownNodeException e) {
            return null;
        }
    }

    @Override
    public void listen(NetworkListener listener) {
        events.add(() -> {
            listeners.add(listener);
            up.forEach((nd, u) -> tell(() -> listener.nodeUp(nd, u.name(), u.incarnation(), u.link())));
        });
    }

    /**
     * Leaves the network: the listeners hear that every node up is down (at most 5 s is waited
     * for them), then the other nodes see this one down at once. Harmless twice.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        events.add(() -> {
            up.forEach((nd, u) -> {
                for (NetworkListener l : listeners) {
                    tell(() -> l.nodeDown(nd, u.name(), "node " + config.name() + " left the network"));
                }
            });
            up.clear();
            closed = true;
        });
        try {
            delivery.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closed = true;
        delivery.interrupt();
        node.close();
    }
}
