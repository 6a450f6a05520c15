package io.courier.examples.checksum.server;

import io.courier.examples.checksum.Checksum;
import io.courier.kernel.Errno;
import io.courier.kernel.IoConnectLayout;
import io.courier.kernel.IoMsg;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.MsgInfo;
import io.courier.kernel.NameAttach;
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
 * <p>A hot standby: where the name is taken (EEXIST: the same server runs in another runtime of
 * the node, or elsewhere in this one), it says so in one line and tries again every
 * {@value #STANDBY_RETRY_MILLIS} ms; once the server that holds the name goes (its bundle
 * stopped, its JVM killed), this one attaches it and serves, and clients that open the name
 * again reach it.
 */
@Component(immediate = true, service = ChecksumServer.class)
public final class ChecksumServer {
    private static final Logger LOG = LoggerFactory.getLogger(ChecksumServer.class);
    /** How often a standby server tries to attach the name. */
    static final long STANDBY_RETRY_MILLIS = 250;

    private final Kernel kernel;
    /** The name, once attached; null while standing by. */
    private volatile NameAttach attach;
    /** Set by {@link #deactivate}: a standby stops trying, and detaches what it attached meanwhile. */
    private volatile boolean stopping;
    private final Thread thread;
    private final AtomicLong served = new AtomicLong();

    /** Attaches the name, or stands by while another process holds it, and starts serving. */
    @Activate
    public ChecksumServer(@Reference Kernel kernel) {
        this.kernel = kernel;
        this.attach = tryAttach();
        if (attach == null) {
            LOG.info("checksum server: pid {}: '{}' is served by another process of the node; standing by to take it"
                    + " over when that one goes", kernel.pid(), Checksum.NAME);
        }
        this.thread = Thread.ofPlatform().name("checksum-server").start(this::run);
    }

    /** The name attached, or null when another process holds it (EEXIST). */
    private NameAttach tryAttach() {
        try {
            // Global: clients on other nodes of a network find it too (on one node it changes nothing).
            NameAttach a = kernel.nameAttach(Checksum.NAME, Kernel.NAME_FLAG_ATTACH_GLOBAL);
            LOG.info("checksum server: pid {} attached '{}' on chid {}", kernel.pid(), Checksum.NAME, a.chid());
            return a;
        } catch (KernelException e) {
            if (e.errno() == Errno.EEXIST) {
                return null;
            }
            throw e;
        }
    }

    /** The requests answered so far. */
    public long served() {
        return served.get();
    }

    private void run() {
        NameAttach a = attach;
        while (a == null) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(STANDBY_RETRY_MILLIS));
            if (stopping) {
                return;
            }
            try {
                a = tryAttach();
            } catch (KernelException e) {
                if (e.errno() == Errno.ESRCH) {
                    return; // the process died
                }
                LOG.warn("checksum server: pid {}: attaching '{}' failed: {}", kernel.pid(), Checksum.NAME, e.getMessage());
                continue;
            }
            if (a != null) {
                attach = a;
                if (stopping) {
                    // The deactivation may not have seen it: detached here (a second detach is refused, quietly).
                    detachQuietly(a);
                    return;
                }
                LOG.info("checksum server: pid {} took over '{}'", kernel.pid(), Checksum.NAME);
            }
        }
        serve(a);
    }

    private void detachQuietly(NameAttach a) {
        try {
            kernel.nameDetach(a);
        } catch (KernelException e) {
            LOG.debug("checksum server: detached already, or the process is gone", e);
        }
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
        stopping = true;
        java.util.concurrent.locks.LockSupport.unpark(thread);
        NameAttach a = attach;
        if (a != null) {
            detachQuietly(a);
        }
        thread.join(TimeUnit.SECONDS.toMillis(5));
        LOG.info("checksum server: detached after {} requests", served.get());
    }
}
