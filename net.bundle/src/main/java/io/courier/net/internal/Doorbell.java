package io.courier.net.internal;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ReceiveChannelEndpointSupplier;
import io.aeron.driver.SendChannelEndpointSupplier;
import io.aeron.driver.media.ReceiveChannelEndpoint;
import io.aeron.driver.media.SendChannelEndpoint;
import io.aeron.protocol.DataHeaderFlyweight;
import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a node's media driver and its link consumers wait: for events, not for timers.
 *
 * <p>An Aeron media driver polls. Between two duty cycles with nothing to do its thread spins,
 * yields, then parks, and a datagram that comes in or a record this node offers meanwhile waits
 * for the park to end; the consumer of a link polls its image the same way. A round trip across
 * nodes crosses four such waits (this node's driver sends, the other's receives, its consumer
 * hands over, and back), and where a park is long and its timer costly (a small virtual machine:
 * a 1 µs park takes 74 µs there) they were most of it (RESULTS.md). The doorbell keeps Aeron's
 * duty cycle and makes each of those waits end when its event comes:
 *
 * <ul>
 *   <li>the driver's shared thread, after a duty cycle with nothing to do ({@link #idle}),
 *       blocks in a {@link Selector} over the node's UDP sockets for at most the longest wait: a
 *       datagram wakes it at once. The driver's endpoints register their sockets there, beside Aeron's own
 *       poller ({@link #receivers}, {@link #senders}); the driver still reads them itself;
 *   <li>a record or frame this node offers rings the bell ({@link #ring}, a
 *       {@link Selector#wakeup}, which is remembered if the driver is not in its select yet), so
 *       the driver sends it at once;
 *   <li>a data frame of the record stream, once the driver put it into its image, wakes the link
 *       consumers asleep in {@link NetLinkImpl#await} ({@link #arrived}).
 * </ul>
 *
 * A wake-up lost any way (a socket that could not be registered, say) costs at most the longest
 * wait, as a park did before. The driver runs in {@code SHARED} mode, so its endpoints are
 * opened on the same thread that selects.
 */
final class Doorbell implements IdleStrategy {
    private static final Logger LOG = LoggerFactory.getLogger(Doorbell.class);
    private static final NetLinkImpl[] NONE = {};

    private final Selector selector;
    private final long maxWaitMillis;
    private final long maxWaitNanos;
    private final int recordStream;
    /** The links whose consumers {@link #arrived} wakes: replaced whole, read by the driver thread. */
    private volatile NetLinkImpl[] links = NONE;

    /**
     * @param maxWaitNanos the longest block, rounded up to a millisecond (the selector's unit)
     * @param recordStream the stream whose data frames wake the link consumers
     */
    Doorbell(long maxWaitNanos, int recordStream) throws IOException {
        this.selector = Selector.open();
        this.maxWaitMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(maxWaitNanos + 999_999));
        this.maxWaitNanos = TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
        this.recordStream = recordStream;
    }

    // ---- the driver's idle strategy ------------------------------------------------------------

    /**
     * A duty cycle with nothing done blocks at once: no spin, no yield. Whatever the driver is to
     * do next wakes it, so a spin would only catch work that comes within it, and it takes a
     * core from the threads that make and take the records; on two cores that doubled the round
     * trip across nodes (RESULTS.md).
     */
    @Override
    public void idle(int workCount) {
        if (workCount <= 0) {
            block();
        }
    }

    @Override
    public void idle() {
        block();
    }

    @Override
    public void reset() {
        // Nothing kept between waits.
    }

    @Override
    public String alias() {
        return "courier-doorbell";
    }

    /** Blocks until a datagram comes, the bell rings, or the longest wait passed. */
    private void block() {
        try {
            if (selector.select(maxWaitMillis) > 0) {
                selector.selectedKeys().clear();
            }
        } catch (IOException | ClosedSelectorException e) {
            // Closed with the node, or broken: wait as a park would.
            LockSupport.parkNanos(this, maxWaitNanos);
        }
    }

    // ---- events --------------------------------------------------------------------------------

    /** This node offered something to send: the driver looks at once. */
    void ring() {
        try {
            selector.wakeup();
        } catch (ClosedSelectorException e) {
            // The node is closing: nothing more goes out.
        }
    }

    /** A data frame of {@code streamId} is in its image: wakes the consumers of the record stream's links. */
    void arrived(int streamId) {
        if (streamId != recordStream) {
            return;
        }
        // Pairs with a consumer's announcement before its last look: the frame's (release) store
        // is ordered before this read of whether it sleeps.
        VarHandle.fullFence();
        for (NetLinkImpl l : links) {
            l.wakeIfAsleep();
        }
    }

    /** {@code l}'s consumer is woken when a record comes. */
    synchronized void add(NetLinkImpl l) {
        NetLinkImpl[] a = java.util.Arrays.copyOf(links, links.length + 1);
        a[a.length - 1] = l;
        links = a;
    }

    /** {@code l} is closed: no more wake-ups for it. */
    synchronized void remove(NetLinkImpl l) {
        links = java.util.Arrays.stream(links).filter(x -> x != l).toArray(NetLinkImpl[]::new);
    }

    /** Closes the selector; after the driver has stopped. */
    void close() {
        try {
            selector.close();
        } catch (IOException e) {
            LOG.debug("closing the doorbell's selector: {}", e.toString());
        }
    }

    private void register(DatagramChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.register(selector, SelectionKey.OP_READ);
        } catch (IOException | RuntimeException e) {
            // That socket's datagrams wait for the driver's next look (at most the longest wait).
            LOG.warn("a UDP socket of the media driver could not be watched ({}): its datagrams are seen within {} ms",
                    e.toString(), maxWaitMillis);
        }
    }

    // ---- the driver's endpoints -------------------------------------------------------------------

    /** Receive endpoints whose socket the idle driver watches, and whose record frames wake consumers. */
    ReceiveChannelEndpointSupplier receivers() {
        return (udpChannel, dispatcher, statusIndicator, context) -> new Receiver(udpChannel, dispatcher, statusIndicator,
                context);
    }

    /** Send endpoints whose socket (status messages and NAKs come back on it) the idle driver watches. */
    SendChannelEndpointSupplier senders() {
        return (udpChannel, statusIndicator, context) -> new Sender(udpChannel, statusIndicator, context);
    }

    private final class Receiver extends ReceiveChannelEndpoint {
        Receiver(io.aeron.driver.media.UdpChannel udpChannel, io.aeron.driver.DataPacketDispatcher dispatcher,
                AtomicCounter statusIndicator, MediaDriver.Context context) {
            super(udpChannel, dispatcher, statusIndicator, context);
        }

        @Override
        public void openDatagramChannel(AtomicCounter statusIndicator) {
            super.openDatagramChannel(statusIndicator);
            register(receiveDatagramChannel());
        }

        @Override
        public int onDataPacket(DataHeaderFlyweight header, UnsafeBuffer buffer, int length, InetSocketAddress srcAddress,
                int transportIndex) {
            int streamId = header.streamId();
            int n = super.onDataPacket(header, buffer, length, srcAddress, transportIndex);
            arrived(streamId);
            return n;
        }
    }

    private final class Sender extends SendChannelEndpoint {
        Sender(io.aeron.driver.media.UdpChannel udpChannel, AtomicCounter statusIndicator, MediaDriver.Context context) {
            super(udpChannel, statusIndicator, context);
        }

        @Override
        public void openDatagramChannel(AtomicCounter statusIndicator) {
            super.openDatagramChannel(statusIndicator);
            register(receiveDatagramChannel());
        }
    }
}
