package io.courier.examples.async.server;

import io.courier.asyncmsg.AsyncMessaging;
import io.courier.examples.async.AsynchProtocol;
import io.courier.asyncmsg.AsyncMsgHeader;
import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Errno;
import io.courier.kernel.IoMsg;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.NameAttach;
import io.courier.kernel.NameStandby;
import io.courier.kernel.Pulse;
import io.courier.kernel.PulseCode;
import io.courier.kernel.SigEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code asynch_server.c} of the asynchronous messaging technote (example 6) as a bundle. It
 * attaches {@link AsynchProtocol#RECV_NAME}, answers a {@link AsynchProtocol#GET_ACHID} query
 * with its asynchronous channel's id, and gets messages when the channel's pulse arrives on its
 * synchronous channel. It also publishes the asynchronous channel under the same name in the
 * asynchronous name space, so that clients connected by name keep their messages while this
 * bundle is stopped, updated or replaced, and hand them to the next server (SPEC A6, P3). The
 * protocol lives in {@code example-async-api}: clients import that, never this bundle.
 *
 * <p>Every message is logged at DEBUG; one that reads {@code message #N} is also handed, as N,
 * to the {@link LongConsumer} services with property {@value #OBSERVER} (tests and dashboards).
 * When the component stops it logs, for each client process, the numbers it got: first, last,
 * how many and whether they came in order, one after the other ({@code asynch_server: pid 9 got
 * #1..#250 from pid 7: 250, in order}); a server replaced under load thus shows which run of
 * each client's numbers each server instance got.
 */
@Component(immediate = true, property = "global=false")
public final class AsyncServerComponent {
    /** The service property that makes a {@link LongConsumer} an observer of received message numbers. */
    public static final String OBSERVER = "courier.asyncmsg.observer";

    private static final Logger LOG = LoggerFactory.getLogger(AsyncServerComponent.class);
    private static final int PULSE_ASYNCH_EVENT = PulseCode.MINAVAIL + 5;
    private static final int PULSE_STOP = PulseCode.MINAVAIL + 6;

    /** Dynamic: observers come and go while the server runs (DS needs the field volatile for that). */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(" + OBSERVER + "=*)")
    private volatile List<LongConsumer> observers = new CopyOnWriteArrayList<>();

    private final AsyncMessaging am;
    private final Kernel kernel;
    /** The synchronous name, attached, or stood by for while another server holds it. */
    private final NameStandby name;
    /** Guards {@link #ready} and {@link #stopping}: the set-up and the deactivation never overlap. */
    private final ReentrantLock life = new ReentrantLock();
    /** Once the name is held: the channels and the asynchronous name ({@link #setUp}); null before. Guarded by {@link #life}. */
    private Ready ready;
    /** Set by {@link #deactivate}: a standby that gets the name afterwards does not set up. Guarded by {@link #life}. */
    private boolean stopping;
    private final Thread server;
    /** The numbers got from each client pid, in the order the clients first came; the server thread's alone until it ended. */
    private final Map<Integer, Run> runs = new LinkedHashMap<>();

    /** What a server that holds the name has made: its synchronous name, its own side coid, its asynchronous channel. */
    private record Ready(NameAttach att, int selfCoid, int achid) {
    }

    /** The numbered messages got from one client: a run when each is one more than the one before. */
    private static final class Run {
        final long first;
        long last;
        long count = 1;
        boolean inOrder = true;

        Run(long first) {
            this.first = first;
            this.last = first;
        }

        void add(long n) {
            inOrder &= n == last + 1;
            last = n;
            count++;
        }
    }

    /**
     * Attaches the names, creates the asynchronous channel and makes the receive loop; or, where
     * another server holds the name (the same bundle in another runtime of the node), stands by
     * ({@link NameStandby}) and does all that once the name is free.
     */
    @Activate
    public AsyncServerComponent(@Reference(name = "asyncMessaging") AsyncMessaging am, Map<String, Object> config) {
        this.am = am;
        this.kernel = am.kernel();
        // global=true: the synchronous name (GET_ACHID) is global, for clients of other nodes (B3).
        boolean global = Boolean.parseBoolean(String.valueOf(config.getOrDefault("global", "false")));
        name = NameStandby.attach(kernel, AsynchProtocol.RECV_NAME, global ? Kernel.NAME_FLAG_ATTACH_GLOBAL : 0,
                NameStandby.DEFAULT_RETRY);
        NameAttach att = name.attached();
        if (att != null) {
            setUp(att);
        } else {
            LOG.info("asynch_server: pid {}: '{}' is served by another process of the node; standing by to take it"
                    + " over when that one goes", kernel.pid(), AsynchProtocol.RECV_NAME);
        }
        // Started by start(), once DS has injected the observers: messages stored for the name
        // while no server held it arrive at once, and each must reach them.
        server = Thread.ofPlatform().name("asynch_server").unstarted(this::run);
    }

    /**
     * With the synchronous name held: the side coid its channel's pulses come by, the asynchronous
     * channel and its name. False when the component is stopping.
     */
    private boolean setUp(NameAttach att) {
        life.lock();
        try {
            if (stopping) {
                return false;
            }
            // Where the pulses saying "asynchronous messages available" go: our own synchronous channel.
            int selfCoid = kernel.connectAttach(0, kernel.pid(), att.chid(), Kernel.SIDE_CHANNEL, 0);
            SigEvent sigev = SigEvent.pulse(selfCoid, 10, PULSE_ASYNCH_EVENT, 0);
            // Never blocks in get; up to 10 messages of up to 1024 bytes at once; a pulse when the queue
            // goes from empty to non-empty.
            int achid = am.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, 1024, 10, sigev, null);
            am.nameAttach(AsynchProtocol.RECV_NAME, achid);
            ready = new Ready(att, selfCoid, achid);
            LOG.info("asynch_server: pid {} chid {} achid {}", kernel.pid(), att.chid(), achid);
            return true;
        } finally {
            life.unlock();
        }
    }

    /** Starts the receive loop, after the constructor and the injection of the observers. */
    @Activate
    void start() {
        server.start();
    }

    /** The server thread: the name's wait, where it stood by, then the receive loop. */
    private void run() {
        if (ready() == null) {
            NameAttach att;
            try {
                att = name.await();
            } catch (KernelException | InterruptedException e) {
                LOG.debug("asynch_server: pid {} ends before it held '{}': {}", kernel.pid(), AsynchProtocol.RECV_NAME,
                        e.toString());
                return; // the process died, or the thread was told to end
            }
            try {
                if (att == null || !setUp(att)) {
                    return; // stopped while it stood by
                }
            } catch (KernelException e) {
                LOG.warn("asynch_server: pid {} took '{}' but cannot serve it: {}", kernel.pid(), AsynchProtocol.RECV_NAME,
                        e.getMessage());
                return;
            }
            LOG.info("asynch_server: pid {} took over '{}'", kernel.pid(), AsynchProtocol.RECV_NAME);
        }
        serve();
    }

    private Ready ready() {
        life.lock();
        try {
            return ready;
        } finally {
            life.unlock();
        }
    }

    private void serve() {
        Ready r = ready();
        ByteBuffer recv = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());
        for (;;) {
            recv.clear();
            long rcvid;
            try {
                rcvid = kernel.msgReceive(r.att().chid(), recv, null);
            } catch (KernelException e) {
                LOG.info("asynch_server: receive loop ends: {}", e.getMessage());
                return;
            }
            recv.flip();
            if (rcvid == 0) {
                Pulse pulse = Pulse.from(recv);
                if (pulse.code() == PulseCode.DISCONNECT) {
                    kernel.connectDetach(pulse.scoid());
                    LOG.info("asynch_server: disconnect from a client {}", Integer.toHexString(pulse.scoid()));
                } else if (pulse.code() == PULSE_ASYNCH_EVENT) {
                    drain(r.achid());
                } else if (pulse.code() == PULSE_STOP) {
                    drain(r.achid());
                    return;
                } else {
                    LOG.debug("asynch_server: unexpected pulse code {}", pulse.code());
                }
                continue;
            }
            answer(rcvid, recv.getShort(0) & 0xFFFF, r.achid());
        }
    }

    private void answer(long rcvid, int type, int achid) {
        if (type == IoMsg.IO_CONNECT) {
            kernel.msgReply(rcvid, Errno.EOK.code(), null); // someone did a name_open() to us
        } else if (type > IoMsg.IO_BASE && type <= IoMsg.IO_MAX) {
            kernel.msgError(rcvid, Errno.ENOSYS);
        } else if (type == AsynchProtocol.GET_ACHID) {
            kernel.msgReply(rcvid, 0, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, achid));
        } else {
            kernel.msgError(rcvid, Errno.ENOSYS);
        }
    }

    /** Gets until the channel is empty: each get returns at most 10 messages. */
    private void drain(int achid) {
        for (AsyncMsgHeader agh = am.get(achid); agh != null; agh = am.get(achid)) {
            while (agh != null) {
                handle(agh);
                AsyncMsgHeader agh1 = agh;
                agh = agh1.next();
                am.free(agh1);
            }
        }
    }

    private void handle(AsyncMsgHeader agh) {
        long n = AsynchProtocol.number(agh.msg());
        LOG.debug("asynch_server: from pid {} in {} part(s): '{}'", agh.info().pid(), agh.parts(),
                AsynchProtocol.text(agh.msg()));
        if (n < 0) {
            return;
        }
        Run run = runs.get(agh.info().pid());
        if (run == null) {
            runs.put(agh.info().pid(), new Run(n));
        } else {
            run.add(n);
        }
        for (LongConsumer o : observers) {
            o.accept(n);
        }
    }

    /**
     * Stops the loop after it got what was delivered, or the standby; the process's death then
     * does the rest.
     */
    @Deactivate
    void deactivate() throws InterruptedException {
        Ready r;
        life.lock();
        try {
            stopping = true;
            r = ready;
        } finally {
            life.unlock();
        }
        if (r == null) {
            name.close(); // ends the standby's wait
            server.join(TimeUnit.SECONDS.toMillis(10));
            return;
        }
        try {
            kernel.msgSendPulse(r.selfCoid(), 10, PULSE_STOP, 0);
        } catch (KernelException e) {
            LOG.debug("asynch_server: could not send the stop pulse: {}", e.getMessage());
        }
        server.join(TimeUnit.SECONDS.toMillis(10));
        if (!server.isAlive()) {
            runs.forEach((pid, run) -> LOG.info("asynch_server: pid {} got #{}..#{} from pid {}: {}, {}", kernel.pid(),
                    run.first, run.last, pid, run.count, run.inOrder ? "in order" : "NOT in order"));
        }
        am.nameDetach(AsynchProtocol.RECV_NAME);
        am.channelDestroy(r.achid());
        name.close(); // detaches the synchronous name
    }
}
