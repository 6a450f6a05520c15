package io.courier.examples.async.client;

import io.courier.asyncmsg.AsyncCallback;
import io.courier.asyncmsg.AsyncConnectionAttr;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code asynch_client.c} of the asynchronous messaging technote (example 6) as a bundle: puts
 * {@code message #N} to the server every {@code period.ms}, with N as the handle and a callback
 * that logs the delivery.
 *
 * <p>With {@code mode=name} (the default) it connects to the server's asynchronous name: store
 * and forward, so its messages wait while the server bundle is stopped or updated (SPEC A6, P3).
 * With {@code mode=chid} it does as the C example: finds the server with {@code name_open},
 * asks for the asynchronous chid with a synchronous {@code GET_ACHID} message, and attaches to
 * pid and chid (messages then die with that server).
 */
@Component(immediate = true, property = {"period.ms:Long=1000", "mode=name"})
public final class AsyncClientComponent {
    /** The server's name ({@code RECV_NAME}). */
    public static final String RECV_NAME = "ASYNCH_RECEIVER";
    /** Message type of the query for the asynchronous chid. */
    public static final short GET_ACHID = 2;

    private static final Logger LOG = LoggerFactory.getLogger(AsyncClientComponent.class);

    private final AsyncMessaging am;
    private final long periodNanos;
    private final boolean byName;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong delivered = new AtomicLong();
    private final Thread client;

    /** Starts the sending thread. */
    @Activate
    public AsyncClientComponent(@Reference(name = "asyncMessaging") AsyncMessaging am, Map<String, Object> config) {
        this.am = am;
        Object period = config.getOrDefault("period.ms", 1000L);
        this.periodNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(String.valueOf(period)));
        this.byName = !"chid".equals(String.valueOf(config.getOrDefault("mode", "name")));
        client = Thread.ofPlatform().name("asynch_client").start(this::run);
    }

    private void run() {
        AsyncCallback callback = (err, msg, handle) -> {
            if (err == Errno.EOK) {
                LOG.debug("asynch_client: message #{} delivered ({} so far)", handle, delivered.incrementAndGet());
            } else {
                LOG.warn("asynch_client: message #{} not delivered: {}", handle, err);
            }
        };
        AsyncConnectionAttr aca = AsyncConnectionAttr.builder().bufferSize(2048)
                .maxNumBuffer(64) // don't keep more than this on our side
                .triggerNumMsg(1) // deliver each message as it is put
                .callback(callback).build();
        int coid;
        try {
            coid = byName ? am.nameOpen(RECV_NAME, 0, aca) : attachByChid(aca);
        } catch (KernelException e) {
            LOG.warn("asynch_client: could not connect: {}", e.getMessage());
            return;
        }
        for (long count = 1; running.get(); count++) {
            byte[] text = ("message #" + count + "\0").getBytes(StandardCharsets.UTF_8);
            try {
                // A fresh buffer each time: the library holds it until the callback ran.
                am.put(coid, ByteBuffer.wrap(text), count, null);
            } catch (KernelException e) {
                LOG.warn("asynch_client: put of message #{} failed: {}", count, e.getMessage());
                if (e.errno() == Errno.EBADF || e.errno() == Errno.ESRCH) {
                    return;
                }
            }
            LockSupport.parkNanos(this, periodNanos);
        }
    }

    /** The C example's way: name_open, ConnectServerInfo, GET_ACHID, connect to pid and chid. */
    private int attachByChid(AsyncConnectionAttr aca) {
        Kernel k = am.kernel();
        int serverCoid = -1;
        while (serverCoid == -1 && running.get()) {
            try {
                serverCoid = k.nameOpen(RECV_NAME, 0);
            } catch (KernelException e) {
                LockSupport.parkNanos(this, TimeUnit.SECONDS.toNanos(1));
            }
        }
        if (serverCoid == -1) {
            throw new KernelException(Errno.EINTR, "stopped while looking for " + RECV_NAME);
        }
        int serverPid = k.connectServerInfo(serverCoid).pid();
        ByteBuffer query = ByteBuffer.allocate(2).order(ByteOrder.nativeOrder()).putShort(0, GET_ACHID);
        ByteBuffer reply = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
        k.msgSend(serverCoid, query, reply);
        return am.connectAttach(0, serverPid, reply.getInt(0), 0, 0, aca);
    }

    /** Stops sending; what was put is still delivered after this bundle's process is gone. */
    @Deactivate
    void deactivate() throws InterruptedException {
        running.set(false);
        LockSupport.unpark(client);
        client.join(TimeUnit.SECONDS.toMillis(10));
    }
}
