package io.courier.examples.checksum.server;

import io.courier.examples.checksum.Checksum;
import io.courier.kernel.Errno;
import io.courier.kernel.IoConnectLayout;
import io.courier.kernel.IoMsg;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.MsgInfo;
import io.courier.kernel.NameAttach;
import io.courier.kernel.NameStandby;
import io.courier.kernel.Pulse;
import io.courier.kernel.PulseCode;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checksum server (the course's server.c, found by name as in name_lookup_server.c): its
 * bundle is its process; it attaches {@value Checksum#NAME}, answers checksum requests, accepts
 * {@code _IO_CONNECT}, and cleans up after clients (DISCONNECT) and unblock requests. Stopping the
 * bundle detaches the name; its thread ends.
 *
 * <p>A hot standby ({@link NameStandby}): where the name is taken (the same server runs in
 * another runtime of the node, or elsewhere in this one), it says so in one line and stands by,
 * trying every {@link NameStandby#DEFAULT_RETRY}; once the server that holds the name goes (its
 * bundle stopped, its JVM killed), this one attaches it and serves, and clients that open the
 * name again reach it.
 */
@Component(immediate = true, service = ChecksumServer.class)
public final class ChecksumServer {
    private static final Logger LOG = LoggerFactory.getLogger(ChecksumServer.class);

    private final Kernel kernel;
    private final NameStandby name;
    private final Thread thread;
    private final AtomicLong served = new AtomicLong();

    /** Attaches the name, or stands by while another process holds it, and starts serving. */
    @Activate
    public ChecksumServer(@Reference Kernel kernel) {
        this.kernel = kernel;
        // Global: clients on other nodes of a network find it too (on one node it changes nothing).
        this.name = NameStandby.attach(kernel, Checksum.NAME, Kernel.NAME_FLAG_ATTACH_GLOBAL, NameStandby.DEFAULT_RETRY);
        NameAttach attached = name.attached();
        if (attached != null) {
            LOG.info("checksum server: pid {} attached '{}' on chid {}", kernel.pid(), Checksum.NAME, attached.chid());
        } else {
            LOG.info("checksum server: pid {}: '{}' is served by another process of the node; standing by to take it"
                    + " over when that one goes", kernel.pid(), Checksum.NAME);
        }
        this.thread = Thread.ofPlatform().name("checksum-server").start(this::run);
    }

    private void run() {
        NameAttach attach;
        try {
            attach = name.await();
        } catch (KernelException e) {
            LOG.debug("checksum server: pid {} ends before it held '{}': {}", kernel.pid(), Checksum.NAME, e.getMessage());
            return; // the process died
        } catch (InterruptedException e) {
            return;
        }
        if (attach == null) {
            return; // stopped while it stood by
        }
        if (name.stoodBy()) {
            LOG.info("checksum server: pid {} took over '{}' on chid {}", kernel.pid(), Checksum.NAME, attach.chid());
        }
        serve(attach);
    }

    /** The requests answered so far. */
    public long served() {
        return served.get();
    }

    private void serve(NameAttach attach) {
        ByteBuffer msg = ByteBuffer.allocate(64 * 1024);
        MsgInfo info = new MsgInfo();
        ByteBuffer reply = ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder());
        for (;;) {
            msg.clear();
            long rcvid;
            try {
                rcvid = kernel.msgReceive(attach.chid(), msg, info);
            } catch (KernelException e) {
                if (e.errno() == Errno.ESRCH) {
                    return; // the name was detached or the process died
                }
                LOG.warn("checksum server: receive failed", e);
                continue;
            }
            try {
                if (rcvid == 0) {
                    pulse(Pulse.from(msg.flip()));
                } else if (IoConnectLayout.type(msg.duplicate().flip()) == IoMsg.IO_CONNECT) {
                    kernel.msgReply(rcvid, Errno.EOK.code(), null);
                } else if (Checksum.type(msg) == Checksum.TYPE) {
                    reply.putInt(0, Checksum.of(Checksum.text(msg)));
                    kernel.msgReply(rcvid, Errno.EOK.code(), reply);
                    served.incrementAndGet();
                } else {
                    kernel.msgError(rcvid, Errno.ENOSYS);
                }
            } catch (KernelException e) {
                LOG.debug("checksum server: client went away", e);
            }
        }
    }

    private void pulse(Pulse p) {
        switch (p.code()) {
            case PulseCode.DISCONNECT -> kernel.connectDetach(p.scoid());
            case PulseCode.UNBLOCK -> kernel.msgError(p.value(), -1);
            default -> LOG.debug("checksum server: pulse code {} value {}", p.code(), p.value());
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        name.close(); // detaches the name, or ends the standby
        thread.join(TimeUnit.SECONDS.toMillis(5));
        LOG.info("checksum server: detached after {} requests", served.get());
    }
}
