package io.courier.kernel.internal.node;

import io.courier.node.Link;
import io.courier.node.Network;
import io.courier.node.NetworkListener;
import io.courier.node.NodeFolder;
import io.courier.node.RecordHandler;
import io.courier.node.Ring;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Two nodes joined by a pair of shared-memory rings, for the kernel's tests of node descriptors
 * (issue 21): a real transport under the kernel's {@link Network} seam, without the network
 * layer's handshake and liveness (the {@code io.courier.net} bundle's tests cover those). Each
 * side sees the other as nd 1. {@link #up} and {@link #down} play what the network layer tells.
 */
public final class RingPairNetwork implements Network {
    private final NodeFolder folder;
    private final String self;
    private final String other;
    private final List<NetworkListener> listeners = new CopyOnWriteArrayList<>();
    private RingPairNetwork partner;
    private volatile Link link;
    /** The record type this side's link refuses ({@link #holdOffers}); 0 for none. */
    private volatile int heldType;
    private int round;

    private RingPairNetwork(NodeFolder folder, String self, String other) {
        this.folder = folder;
        this.self = self;
        this.other = other;
    }

    /** Node {@code a} and node {@code b}, down until {@link #up}. */
    public static RingPairNetwork[] pair(NodeFolder folder, String a, String b) {
        RingPairNetwork x = new RingPairNetwork(folder, a, b);
        RingPairNetwork y = new RingPairNetwork(folder, b, a);
        x.partner = y;
        y.partner = x;
        return new RingPairNetwork[] {x, y};
    }

    /** Both sides come up over fresh rings, each told so. */
    public void up() {
        connect();
        tell();
    }

    /**
     * Both sides have fresh rings ({@link #link} answers them) but are not told yet, as a
     * network layer whose listeners hear of a link a moment after it has it; {@link #tell} tells.
     */
    public void connect() {
        round++;
        partner.round = round;
        String ab = "net-" + self + "-" + other + "-" + round;
        String ba = "net-" + other + "-" + self + "-" + round;
        // Each side maps the files itself, as two JVMs would.
        link = new Duplex(Ring.create(folder, ab, 1 << 20, other), Ring.create(folder, ba, 1 << 20, other), this);
        partner.link = new Duplex(Ring.open(folder, ba, self), Ring.open(folder, ab, self), partner);
    }

    /** Both sides are told that the other came up over the rings of the last {@link #connect}. */
    public void tell() {
        for (NetworkListener l : listeners) {
            l.nodeUp(1, other, round, link);
        }
        for (NetworkListener l : partner.listeners) {
            l.nodeUp(1, self, round, partner.link);
        }
    }

    /** Both sides hear that the other went down. */
    public void down(String why) {
        link = null;
        partner.link = null;
        for (NetworkListener l : listeners) {
            l.nodeDown(1, other, why);
        }
        for (NetworkListener l : partner.listeners) {
            l.nodeDown(1, self, why);
        }
    }

    @Override
    public String nodeName() {
        return self;
    }

    @Override
    public int nd(String name) {
        return name.equals(self) ? 0 : name.equals(other) ? 1 : -1;
    }

    @Override
    public String name(int nd) {
        return nd == 0 ? self : nd == 1 ? other : null;
    }

    @Override
    public Link link(int nd) {
        return nd == 1 ? link : null;
    }

    @Override
    public void listen(NetworkListener listener) {
        listeners.add(listener);
        if (link != null) {
            listener.nodeUp(1, other, round, link);
        }
    }

    /**
     * This side's link refuses every record of {@code type} it is offered, as a ring that stays
     * full would, until {@code held} is false again (0: none held).
     */
    public void holdOffers(int type, boolean held) {
        heldType = held ? type : 0;
    }

    /** One ring out, one in; offers of {@code owner}'s held type refused. */
    private record Duplex(Ring out, Ring in, RingPairNetwork owner) implements Link {
        @Override
        public String peer() {
            return out.peer();
        }

        @Override
        public int maxPayload() {
            return out.maxPayload();
        }

        @Override
        public boolean offer(int type, ByteBuffer[] srcs) {
            if (owner.heldType == type) {
                return false;
            }
            return out.offer(type, srcs);
        }

        @Override
        public int poll(RecordHandler handler, int limit) {
            return in.poll(handler, limit);
        }

        @Override
        public boolean await(long timeoutNanos) throws InterruptedException {
            return in.await(timeoutNanos);
        }

        @Override
        public void watch() {
            in.watch();
        }

        @Override
        public int tryPoll(RecordHandler handler, int limit) {
            return in.tryPoll(handler, limit);
        }

        @Override
        public void unwatch() {
            in.unwatch();
        }

        @Override
        public void close() {
            out.close();
            in.close();
        }
    }
}
