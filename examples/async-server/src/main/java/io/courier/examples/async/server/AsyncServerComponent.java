package io.courier.examples.async.server;

import io.courier.asyncmsg.AsyncMessaging;
import io.courier.asyncmsg.AsyncMsgHeader;
import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Errno;
import io.courier.kernel.IoMsg;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.NameAttach;
import io.courier.kernel.Pulse;
import io.courier.kernel.PulseCode;
import io.courier.kernel.SigEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
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
 * attaches {@link #RECV_NAME}, answers a {@link #GET_ACHID} query with its asynchronous
 * channel's id, and gets messages when the channel's pulse arrives on its synchronous channel.
 * It also publishes the asynchronous channel under {@link #RECV_NAME} in the asynchronous name
 * space, so that clients connected by name keep their messages while this bundle is stopped,
 * updated or replaced, and hand them to the next server (SPEC A6, P3).
 *
 * <p>Every message is logged; one that reads {@code message #N} is also handed, as N, to the
 * {@link LongConsumer} services with property {@value #OBSERVER} (tests and dashboards).
 */
@Component(immediate = true)
public final class AsyncServerComponent {
    /** The name of the example ({@code RECV_NAME}), in both name spaces. */
    public static final String RECV_NAME = "ASYNCH_RECEIVER";
    /** Message type of the query for the asynchronous chid: no data; the reply is a 32-bit chid. */
    public static final short GET_ACHID = 2;
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
    private final NameAttach att;
    private final int selfCoid;
    private final int achid;
    private final Thread server;

    /** Attaches the names, creates the asynchronous channel and starts the receive loop. */
    @Activate
    public AsyncServerComponent(@Reference(name = "asyncMessaging") AsyncMessaging am) {
        this.am = am;
        this.kernel = am.kernel();
        att = kernel.nameAttach(RECV_NAME, 0);
        // Where the pulses saying "asynchronous messages available" go: our own synchronous channel.
        selfCoid = kernel.connectAttach(0, kernel.pid(), att.chid(), Kernel.SIDE_CHANNEL, 0);
        SigEvent sigev = SigEvent.pulse(selfCoid, 10, PULSE_ASYNCH_EVENT, 0);
        // Never blocks in get; up to 10 messages of up to 1024 bytes at once; a pulse when the queue
        // goes from empty to non-empty.
        achid = am.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, 1024, 10, sigev, null);
        am.nameAttach(RECV_NAME, achid);
        // Started by start(), once DS has injected the observers: messages stored for the name
        // while no server held it arrive at once, and each must reach them.
        server = Thread.ofPlatform().name("asynch_server").unstarted(this::serve);
        LOG.info("asynch_server: pid {} chid {} achid {}", kernel.pid(), att.chid(), achid);
    }

    /** Starts the receive loop, after the constructor and the injection of the observers. */
    @Activate
    void start() {
        server.start();
    }

    private void serve() {
        ByteBuffer recv = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());
        for (;;) {
            recv.clear();
            long rcvid;
            try {
                rcvid = kernel.msgReceive(att.chid(), recv, null);
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
                    drain();
                } else if (pulse.code() == PULSE_STOP) {
                    drain();
                    return;
                } else {
                    LOG.debug("asynch_server: unexpected pulse code {}", pulse.code());
                }
                continue;
            }
            answer(rcvid, recv.getShort(0) & 0xFFFF);
        }
    }

    private void answer(long rcvid, int type) {
        if (type == IoMsg.IO_CONNECT) {
            kernel.msgReply(rcvid, Errno.EOK.code(), null); // someone did a name_open() to us
        } else if (type > IoMsg.IO_BASE && type <= IoMsg.IO_MAX) {
            kernel.msgError(rcvid, Errno.ENOSYS);
        } else if (type == GET_ACHID) {
            kernel.msgReply(rcvid, 0, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, achid));
        } else {
            kernel.msgError(rcvid, Errno.ENOSYS);
        }
    }

    /** Gets until the channel is empty: each get returns at most 10 messages. */
    private void drain() {
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
        ByteBuffer b = agh.msg().duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        String text = new String(bytes, 0, end, StandardCharsets.UTF_8);
        LOG.debug("asynch_server: from pid {} in {} part(s): '{}'", agh.info().pid(), agh.parts(), text);
        if (text.startsWith("message #")) {
            try {
                long n = Long.parseLong(text.substring("message #".length()));
                for (LongConsumer o : observers) {
                    o.accept(n);
                }
            } catch (NumberFormatException e) {
                LOG.debug("asynch_server: not a numbered message: '{}'", text);
            }
        }
    }

    /** Stops the loop after it got what was delivered; the process's death then does the rest. */
    @Deactivate
    void deactivate() throws InterruptedException {
        try {
            kernel.msgSendPulse(selfCoid, 10, PULSE_STOP, 0);
        } catch (KernelException e) {
            LOG.debug("asynch_server: could not send the stop pulse: {}", e.getMessage());
        }
        server.join(TimeUnit.SECONDS.toMillis(10));
        am.nameDetach(RECV_NAME);
        am.channelDestroy(achid);
        kernel.nameDetach(att);
    }
}
