package io.courier.examples.async.client;

import io.courier.asyncmsg.AsyncCallback;
import io.courier.asyncmsg.AsyncConnectionAttr;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.examples.async.AsynchProtocol;
import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.kernel.NameConnection;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code asynch_client.c} of the asynchronous messaging technote (example 6) as a bundle: puts
 * {@code message #N} to the server every {@code period.ms}, with N as the handle and a callback
 * that counts the delivery, or the errno of a message that could not be delivered. It knows the
 * server only through {@code example-async-api}.
 *
 * <p>With {@code mode=name} (the default) it connects to the server's asynchronous name: store
 * and forward, so its messages wait while the server bundle is stopped, updated or replaced, and
 * go to the next server, none lost, none twice, in order (SPEC A6, P3, B1). With
 * {@code mode=chid} it does as the C example: asks the server for its asynchronous chid with a
 * synchronous {@code GET_ACHID} message (through a {@link NameConnection}) and attaches to pid
 * and chid (with {@code global=true}, and the server's {@code global=true}, on whichever node of
 * the network the server is: the name is opened globally and the attach goes to the server's nd); messages then die with that server, each reported to its callback with the errno, and
 * the client asks the next server and goes on.
 *
 * <p>Gogo commands: {@code asyncput <count>} puts {@code count} more numbered messages at once,
 * waiting for room while the connection holds its most; {@code asyncload <millis>} puts without
 * pause for a while (a load to swap the server under); {@code asyncstat} says what was put,
 * delivered, failed (by errno) and is still pending, and the longest time a message waited
 * between its put and its callback.
 */
@Component(immediate = true, service = AsyncClientComponent.class, property = {
    "period.ms:Long=1000",
    "mode=name",
    "global=false",
    "osgi.command.scope=courier",
    "osgi.command.function=asyncput",
    "osgi.command.function=asyncload",
    "osgi.command.function=asyncstat"
})
public final class AsyncClientComponent {
    /** The most messages the connection keeps on this side ({@code maxNumBuffer}). */
    static final int MAX_WAITING = 64;
    /** The most messages one {@code asyncput} puts. */
    static final long MAX_PUT = 10_000_000;

    private static final Logger LOG = LoggerFactory.getLogger(AsyncClientComponent.class);

    private final AsyncMessaging am;
    private final long periodNanos;
    private final boolean byName;
    private final NameConnection server;
    private final AtomicBoolean running = new AtomicBoolean(true);
    /** Held while a number is taken and its message put, so that numbers are put in order. */
    private final ReentrantLock putting = new ReentrantLock();
    /** The next number; written under {@link #putting}. */
    private long next = 1;
    /** The connection; -1 while there is none; written under {@link #putting}. */
    private int coid = -1;
    private final AtomicLong delivered = new AtomicLong();
    private final Map<Errno, AtomicLong> failed = new ConcurrentHashMap<>();
    /** When each message not yet called back was put, by number. */
    private final Map<Long, Long> putAt = new ConcurrentHashMap<>();
    private final LongAccumulator longestWait = new LongAccumulator(Math::max, 0);
    private final AsyncConnectionAttr attr;
    private final Thread client;

    /** Starts the sending thread. */
    @Activate
    public AsyncClientComponent(@Reference(name = "asyncMessaging") AsyncMessaging am, Map<String, Object> config) {
        this.am = am;
        Object period = config.getOrDefault("period.ms", 1000L);
        this.periodNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(String.valueOf(period)));
        this.byName = !"chid".equals(String.valueOf(config.getOrDefault("mode", "name")));
        // global=true: the server is looked for on every node of the network (its name attached
        // with global=true there), and chid mode attaches to its node (B3).
        boolean global = Boolean.parseBoolean(String.valueOf(config.getOrDefault("global", "false")));
        this.server = NameConnection.builder(am.kernel(), AsynchProtocol.RECV_NAME).global(global).build();
        AsyncCallback callback = (err, msg, handle) -> {
            Long at = putAt.remove(handle);
            if (at != null) {
                longestWait.accumulate(System.nanoTime() - at);
            }
            if (err == Errno.EOK) {
                delivered.incrementAndGet();
                LOG.debug("asynch_client: message #{} delivered", handle);
            } else {
                failed.computeIfAbsent(err, e -> new AtomicLong()).incrementAndGet();
                LOG.warn("asynch_client: message #{} not delivered: {}", handle, err);
            }
        };
        this.attr = AsyncConnectionAttr.builder().bufferSize(2048)
                .maxNumBuffer(MAX_WAITING) // don't keep more than this on our side
                .triggerNumMsg(1) // deliver each message as it is put
                .callback(callback).build();
        client = Thread.ofPlatform().name("asynch_client").start(this::run);
    }

    private void run() {
        while (running.get()) {
            try {
                putNext();
            } catch (KernelException e) {
                LOG.debug("asynch_client: no message put this period: {}", e.getMessage());
            }
            LockSupport.parkNanos(this, periodNanos);
        }
    }

    /**
     * Puts the next numbered message, connecting first when there is no connection.
     *
     * @throws KernelException EAGAIN when the connection holds its most messages (the number is
     *     kept for the next try); the errors of connecting
     */
    private void putNext() {
        putting.lock();
        try {
            if (coid == -1) {
                coid = byName ? am.nameOpen(AsynchProtocol.RECV_NAME, 0, attr) : attachByChid();
            }
            long n = next;
            putAt.put(n, System.nanoTime());
            try {
                am.put(coid, AsynchProtocol.numbered(n), n, null);
            } catch (KernelException e) {
                putAt.remove(n);
                if (e.errno() == Errno.EBADF || e.errno() == Errno.ESRCH) {
                    LOG.info("asynch_client: connection {} died with its server: connecting again", coid);
                    am.connectDetach(coid);
                    coid = -1;
                }
                throw e;
            }
            next = n + 1;
        } finally {
            putting.unlock();
        }
    }

    /** The C example's way: GET_ACHID by name, then a connection to the server's pid and asynchronous chid. */
    private int attachByChid() {
        ByteBuffer query = ByteBuffer.allocate(AsynchProtocol.GET_ACHID_SIZE).order(ByteOrder.nativeOrder())
                .putShort(0, AsynchProtocol.GET_ACHID);
        ByteBuffer reply = ByteBuffer.allocate(AsynchProtocol.GET_ACHID_REPLY_SIZE).order(ByteOrder.nativeOrder());
        server.msgSend(query, reply);
        if (reply.position() != AsynchProtocol.GET_ACHID_REPLY_SIZE) {
            throw new KernelException(Errno.EBADMSG, "GET_ACHID reply of " + reply.position() + " bytes");
        }
        io.courier.kernel.ServerInfo where = server.serverInfo();
        return am.connectAttach(where.nd(), where.pid(), reply.getInt(0), 0, 0, attr);
    }

    /**
     * {@code asyncput <count>}: puts {@code count} more numbered messages now, each waiting for
     * room while the connection holds {@value #MAX_WAITING}; returns once all are put.
     *
     * @throws KernelException EINVAL for a count outside 1..{@value #MAX_PUT}; ETIMEDOUT when a
     *     message found no room for 30 s; the errors of connecting
     */
    public String asyncput(long count) {
        if (count < 1 || count > MAX_PUT) {
            throw new KernelException(Errno.EINVAL, "count must be 1.." + MAX_PUT + ": " + count);
        }
        return putWhile(count, Long.MAX_VALUE, "asyncput");
    }

    /**
     * {@code asyncload <millis>}: puts numbered messages without pause for {@code millis} ms,
     * each waiting for room while the connection holds {@value #MAX_WAITING}. Replace or remove
     * the server meanwhile, then see {@code asyncstat}.
     *
     * @throws KernelException EINVAL for a duration outside 1 ms..1 h; as {@link #asyncput}
     */
    public String asyncload(long millis) {
        if (millis < 1 || millis > TimeUnit.HOURS.toMillis(1)) {
            throw new KernelException(Errno.EINVAL, "millis must be 1..3600000: " + millis);
        }
        return putWhile(Long.MAX_VALUE, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis), "asyncload");
    }

    /** Puts until {@code count} are put or {@code endNanos} has passed; the line that says what was put. */
    private String putWhile(long count, long endNanos, String command) {
        long t0 = System.nanoTime();
        long first = -1;
        for (long i = 0; i < count && System.nanoTime() - endNanos < 0; i++) {
            long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (;;) {
                try {
                    putNext();
                    break;
                } catch (KernelException e) {
                    if (e.errno() != Errno.EAGAIN && e.errno() != Errno.EBADF && e.errno() != Errno.ESRCH
                            && e.errno() != Errno.ENOENT) {
                        throw e;
                    }
                    if (System.nanoTime() - waitUntil > 0) {
                        throw new KernelException(Errno.ETIMEDOUT, "no room for 30 s: " + e.getMessage());
                    }
                    LockSupport.parkNanos(this, TimeUnit.MICROSECONDS.toNanos(200));
                }
            }
            if (first == -1) {
                first = lastPut();
            }
        }
        return String.format("%s: put #%d..#%d in %d ms", command, first, lastPut(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    private long lastPut() {
        putting.lock();
        try {
            return next - 1;
        } finally {
            putting.unlock();
        }
    }

    /**
     * {@code asyncstat}: {@code asyncstat: put N delivered N failed {ERRNO=n} pending N
     * longest-wait N ms}. Pending messages wait on this side for a server, or for their callback.
     */
    public String asyncstat() {
        long put = lastPut();
        long ok = delivered.get();
        Map<Errno, Long> failures = new EnumMap<>(Errno.class);
        failed.forEach((errno, n) -> failures.put(errno, n.get()));
        long bad = failures.values().stream().mapToLong(Long::longValue).sum();
        return String.format("asyncstat: put %d delivered %d failed %s pending %d longest-wait %d ms", put, ok, failures,
                put - ok - bad, TimeUnit.NANOSECONDS.toMillis(longestWait.get()));
    }

    /** Stops sending; what was put is still delivered after this bundle's process is gone. */
    @Deactivate
    void deactivate() throws InterruptedException {
        running.set(false);
        LockSupport.unpark(client);
        client.join(TimeUnit.SECONDS.toMillis(10));
        server.close();
    }
}
