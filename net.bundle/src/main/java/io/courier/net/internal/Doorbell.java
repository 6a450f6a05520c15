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
import java.util.concurrent.locks.ReentrantLock;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentTerminationException;
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
 *   <li>the doorbell's thread, after a duty cycle with nothing to do ({@link #block}),
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
 * wait, as a park did before.
 *
 * <p>The driver runs in Aeron's {@code INVOKER} mode: its duty cycle (conductor, sender and
 * receiver together) is run by whichever thread holds the doorbell's duty lock. The doorbell's own
 * thread ({@link #start}) runs it and blocks as above between cycles. A thread that has just
 * offered a short record runs a cycle itself when the lock is free ({@link #send}), so the
 * datagram leaves on that thread with nothing woken; a thread that waits for a record from
 * another node runs cycles while it spins ({@link #drive}), so the reply's datagram is read on
 * that thread, again with nothing woken. On a small machine each wake-up avoided is tens of
 * microseconds of a round trip across nodes (RESULTS.md). While such threads run cycles, the
 * doorbell's thread naps rather than select, so their datagrams do not wake it too.
 */
final class Doorbell {
    private static final Logger LOG = LoggerFactory.getLogger(Doorbell.class);
    private static final NetLinkImpl[] NONE = {};

    private final Selector selector;
    private final long maxWaitMillis;
    private final long maxWaitNanos;
    private final int recordStream;
    /** The links whose consumers {@link #arrived} wakes: replaced whole, read by the driver thread. */
    private volatile NetLinkImpl[] links = NONE;
    /** Held while a thread runs the driver's duty cycle: Aeron's agents are run by one thread at a time. */
    private final ReentrantLock duty = new ReentrantLock();
    /** The driver's duty cycle; set by {@link #start}. Guarded by {@link #duty}. */
    private AgentInvoker invoker;
    /** The driver's agents, which {@link #cycle} runs ({@code invoker.agent()}); set by {@link #start}. */
    private Agent agent;
    /** Where a failed duty cycle is reported; set by {@link #start}. */
    private ErrorHandler errors = t -> { };
    /** Set by {@link #stop} under {@link #duty}: no duty cycle runs after it. */
    private volatile boolean stopped = true;
    private volatile Thread thread;
    /** For tests ({@link #pauseOwnThread}). */
    private volatile boolean paused;
    /** Duty cycles run by the doorbell's own thread. Guarded by {@link #duty}. */
    private long ownCycles;
    /** A record was offered that the next duty cycle sends ({@link #send}). */
    private volatile boolean sendPending;
    /** When a waiting thread last ran the duty cycle ({@link #drive}), by {@link System#nanoTime()}. */
    @SuppressWarnings("unused") // LAST_HELP
    private long lastHelp = System.nanoTime() - HELP_NANOS;
    /**
     * How long after a waiting thread last ran the duty cycle the doorbell's thread naps instead of
     * watching the sockets (system property {@code courier.net.helpNanos}): 1 ms by default, the
     * idle driver's longest wait. A waiting thread that parks ends the nap ({@link #helperParks});
     * a datagram that nobody waits for, coming within it, waits for its end. Shorter naps wake
     * this thread more often, which lengthens a round trip across nodes (200 µs: 24–42 µs against
     * 19 µs), and let it read for a gateway busy with a batch, which gives asyncmsg across nodes
     * back the third of its throughput that 1 ms costs (RESULTS.md).
     */
    static final long HELP_NANOS = Long.getLong("courier.net.helpNanos", 1_000_000);
    private static final VarHandle LAST_HELP;

    static {
        try {
            LAST_HELP = java.lang.invoke.MethodHandles.lookup().findVarHandle(Doorbell.class, "lastHelp", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

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

    /**
     * Blocks until a datagram comes, the bell rings, or the longest wait passed: after a duty
     * cycle with nothing done, at once, with no spin or yield. Whatever the driver is to do next
     * wakes it, so a spin would only catch work that comes within it, and it takes a core from the
     * threads that make and take the records; on two cores that doubled the round trip across
     * nodes (RESULTS.md).
     */
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

    // ---- the duty cycle --------------------------------------------------------------------------

    /**
     * Runs the driver whose duty cycle is {@code driverInvoker} (started) on a thread of the
     * doorbell's ({@code courier-net-driver-<name>}): a cycle, then, if it did nothing, the block
     * above. A cycle that fails is reported to {@code errorHandler}.
     */
    void start(AgentInvoker driverInvoker, ErrorHandler errorHandler, String name) {
        duty.lock();
        try {
            invoker = driverInvoker;
            agent = driverInvoker.agent();
            errors = errorHandler;
            stopped = false;
        } finally {
            duty.unlock();
        }
        thread = Thread.ofPlatform().daemon().name("courier-net-driver-" + name).start(this::run);
    }

    private void run() {
        while (!stopped) {
            if (paused) {
                LockSupport.parkNanos(this, maxWaitNanos);
                continue;
            }
            // Nothing when the lock is taken: a waiting thread runs the cycle now (it takes what
            // woke this one).
            if (cycle(true) > 0) {
                continue;
            }
            long sinceHelp = System.nanoTime() - (long) LAST_HELP.getOpaque(this);
            if (sinceHelp < HELP_NANOS) {
                // Waiting threads run the cycle as they spin: they read the sockets, so the
                // datagrams they wait for need not wake this thread too. It naps until they
                // stopped a while (a ring ends the nap).
                LockSupport.parkNanos(this, HELP_NANOS - sinceHelp);
            } else {
                block();
            }
        }
    }

    /** For tests: the doorbell's own thread runs no duty cycle while {@code p} (other threads still do). */
    void pauseOwnThread(boolean p) {
        paused = p;
        LockSupport.unpark(thread);
    }

    /** For tests: the duty cycles the doorbell's own thread ran. */
    long ownCycles() {
        duty.lock();
        try {
            return ownCycles;
        } finally {
            duty.unlock();
        }
    }

    /**
     * Stops the duty cycle (every thread's) and waits for the doorbell's thread to end; before the
     * driver is closed.
     */
    void stop() {
        duty.lock();
        try {
            stopped = true;
        } finally {
            duty.unlock();
        }
        ring();
        Thread t = thread;
        if (t != null) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * A thread waiting for a record runs one duty cycle of the driver if no other thread runs
     * one: it takes the datagram that brings its record itself. Returns the work done; 0 when
     * another thread holds the cycle or the driver is stopped.
     */
    int drive() {
        LAST_HELP.setOpaque(this, System.nanoTime());
        return cycle(false);
    }

    /**
     * A waiting thread that ran the duty cycle as it spun parks now: the doorbell's thread ends
     * its nap and watches the sockets again (the parked thread is woken through {@link #arrived}).
     */
    void helperParks() {
        LAST_HELP.setOpaque(this, System.nanoTime() - HELP_NANOS);
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /**
     * One duty cycle if the lock is free, then again while a send waits for one; the work done.
     * {@code own}: the doorbell's thread runs it (counted for tests).
     */
    private int cycle(boolean own) {
        int work = 0;
        do {
            if (!duty.tryLock()) {
                // The holder looks at sendPending after it unlocks.
                return work;
            }
            try {
                if (stopped) {
                    return work;
                }
                sendPending = false;
                work += dutyCycle();
                if (own) {
                    ownCycles++;
                }
            } finally {
                duty.unlock();
            }
        } while (sendPending);
        return work;
    }

    /**
     * One duty cycle of the driver's agents, under {@link #duty}; the work done. The agents are
     * run here rather than through {@link AgentInvoker#invoke}: the invoker stops for good (no
     * cycle runs again, and the node falls silent) when a cycle that found nothing to do ends on
     * a thread whose interrupt is set, and closes the driver when one ends with an interrupt's
     * exception. A cycle here may run on any thread that waits for a record or has offered one,
     * and that thread's interrupt is its caller's (a client interrupted out of its call, K13):
     * the driver must not take it as its own end. Its channels are non-blocking, so an interrupt
     * closes none of them. A failure goes to the node's error handler (which the invoker also
     * called; the driver's own error counter no longer counts it); a driver that asks to end
     * ({@link AgentTerminationException}) stops every cycle and is closed.
     */
    private int dutyCycle() {
        try {
            return agent.doWork();
        } catch (AgentTerminationException e) {
            errors.onError(e);
            stopped = true;
            invoker.close();
            return 0;
        } catch (Error e) {
            errors.onError(e);
            throw e;
        } catch (Exception e) {
            errors.onError(e);
            return 0;
        }
    }

    /**
     * This node offered something to send. A record of one datagram ({@code oneFrame}) is sent by
     * a duty cycle on the calling thread, or, when another thread holds the cycle, by that thread's
     * next one: it looks at {@code sendPending} after it unlocks (a volatile flag set before the
     * try of the lock, read after the unlock: one of the two sees the other). A longer record
     * takes a cycle per datagram: the bell rings for the doorbell's thread.
     */
    void send(boolean oneFrame) {
        if (!oneFrame) {
            ring();
            return;
        }
        sendPending = true;
        cycle(false);
    }

    // ---- events --------------------------------------------------------------------------------

    /** This node offered something to send: the driver looks at once. */
    void ring() {
        try {
            selector.wakeup();
        } catch (ClosedSelectorException e) {
            // The node is closing: nothing more goes out.
        }
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t); // napping (run)
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
            if (length > DataHeaderFlyweight.HEADER_LENGTH) {
                arrived(streamId); // not for a heartbeat (a frame of its header alone): it brings no record
            }
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
