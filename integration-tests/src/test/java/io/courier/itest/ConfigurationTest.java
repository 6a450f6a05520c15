package io.courier.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.courier.asyncmsg.iocp.IoCompletionPort;
import io.courier.kernel.Errno;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.shm.SharedMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.inject.Inject;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordingFile;
import org.junit.After;
import org.junit.Test;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.LogLevel;

/**
 * Courier's settings changed through ConfigAdmin while the runtime runs, as a {@code .cfg} file
 * in the runtime's {@code conf/} would (string values): each takes effect, a bad value is logged
 * and the value in use stays, and the components are never restarted for it.
 */
public class ConfigurationTest extends CourierTestSupport {
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final Duration SHORT = Duration.ofMillis(300);

    @Inject
    private ConfigurationAdmin configAdmin;

    private final List<Runnable> cleanup = new ArrayList<>();

    @After
    public void deleteConfigurations() throws Exception {
        for (String pid : new String[] {"io.courier.kernel", "io.courier.shm", "io.courier.asyncmsg"}) {
            Configuration[] found = configAdmin.listConfigurations("(service.pid=" + pid + ")");
            if (found != null) {
                for (Configuration c : found) {
                    c.delete();
                }
            }
        }
        cleanup.forEach(Runnable::run);
    }

    private void configure(String pid, String... keyValues) throws IOException {
        Dictionary<String, Object> props = new Hashtable<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            props.put(keyValues[i], keyValues[i + 1]);
        }
        configAdmin.getConfiguration(pid, "?").update(props);
    }

    private Microkernel microkernel() {
        return context.getService(awaitService(Microkernel.class, LIMIT));
    }

    /**
     * A's send to B while B is SEND-blocked on A (SPEC K19): the errno it fails with within
     * {@link #SHORT}, EDEADLK with deadlock detection, ETIMEDOUT without.
     */
    private Errno sendClosingACycle(Microkernel mk) throws Exception {
        Kernel a = mk.process("cycle-a");
        Kernel b = mk.process("cycle-b");
        // One thread per process, as a single-threaded server is: the thread A would receive on.
        ExecutorService aThread = Executors.newSingleThreadExecutor();
        ExecutorService bThread = Executors.newSingleThreadExecutor();
        try {
            int chidA = aThread.submit(() -> a.channelCreate(0)).get(5, TimeUnit.SECONDS);
            int chidB = bThread.submit(() -> b.channelCreate(0)).get(5, TimeUnit.SECONDS);
            bThread.submit(() -> b.msgSend(b.connectAttach(0, a.pid(), chidA, 0, 0), ByteBuffer.allocate(8), null));
            await("B SEND-blocked on A", LIMIT, () -> mk.processes().stream().filter(p -> p.pid() == b.pid())
                    .flatMap(p -> p.threads().stream()).anyMatch(t -> t.state().name().equals("SEND")));
            Future<Errno> sent = aThread.submit(() -> {
                try {
                    a.msgSend(a.connectAttach(0, b.pid(), chidB, 0, 0), ByteBuffer.allocate(8), null, SHORT);
                    return null;
                } catch (KernelException e) {
                    return e.errno();
                }
            });
            return sent.get(5, TimeUnit.SECONDS);
        } finally {
            a.exit();
            b.exit();
            aThread.shutdownNow();
            bThread.shutdownNow();
        }
    }

    private void awaitErrno(String what, Errno expected, java.util.concurrent.Callable<Errno> probe) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        Errno got = probe.call();
        while (got != expected) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(what + ": " + got + " instead of " + expected + " after " + LIMIT);
            }
            Thread.sleep(50);
            got = probe.call();
        }
    }

    @Test
    public void shouldTurnDeadlockDetectionOffAndBackOnWithoutRestartingTheKernel() throws Exception {
        Microkernel mk = microkernel();
        ServiceReference<Microkernel> before = awaitService(Microkernel.class, LIMIT);
        assertEquals(Errno.EDEADLK, sendClosingACycle(mk));

        configure("io.courier.kernel", "deadlock.detect", "false");
        awaitErrno("the cycle's send with detection off", Errno.ETIMEDOUT, () -> sendClosingACycle(mk));

        try (LogRecorder log = new LogRecorder(context, LIMIT)) {
            configure("io.courier.kernel", "deadlock.detect", "maybe");
            log.await("the bad value", LIMIT, LogLevel.WARN, m -> m.equals(
                    "io.courier.kernel: deadlock.detect = 'maybe' is not true or false; deadlock.detect stays false"));
        }
        assertEquals("the value in use stays", Errno.ETIMEDOUT, sendClosingACycle(mk));

        configAdmin.getConfiguration("io.courier.kernel", "?").delete();
        awaitErrno("the cycle's send with the configuration deleted (the default: on)", Errno.EDEADLK,
                () -> sendClosingACycle(mk));
        assertEquals("the same kernel all along", before.getProperty("service.id"),
                awaitService(Microkernel.class, LIMIT).getProperty("service.id"));
    }

    @Test
    public void shouldWaitWithTheConfiguredIdleStrategyFromTheNextWait() throws Exception {
        Microkernel mk = microkernel();
        Kernel server = mk.process("idle-server");
        int chid = server.channelCreate(0);
        Thread receiver = Thread.ofPlatform().daemon().name("idle-server").start(() -> {
            ByteBuffer in = ByteBuffer.allocate(64);
            try {
                for (;;) {
                    server.msgReceive(chid, in.clear(), null);
                }
            } catch (KernelException e) {
                // the server's death ends it
            }
        });
        cleanup.add(server::exit);
        Kernel client = mk.process("idle-client");
        cleanup.add(client::exit);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);

        configure("io.courier.kernel", "idle.spins", "0", "idle.yields", "3");
        // Each pulse ends one wait; the receiver's next wait takes the strategy in use then.
        await("the receiver parked by the configured strategy", LIMIT, () -> {
            client.msgSendPulse(coid, 10, 1, 0);
            LockSupport.parkNanos(20_000_000);
            return new IdleStrategy.Backoff(0, 3).equals(LockSupport.getBlocker(receiver));
        });
    }

    @Test
    public void shouldTurnTracingOffAndOn() throws Exception {
        Microkernel mk = microkernel();
        configure("io.courier.kernel", "trace.disable", "true");
        awaitTrue("no MsgSend events with tracing off", () -> sendEvents(mk) == 0);
        configure("io.courier.kernel", "trace.disable", "false");
        awaitTrue("MsgSend events with tracing on", () -> sendEvents(mk) > 0);
    }

    private void awaitTrue(String what, java.util.concurrent.Callable<Boolean> probe) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!probe.call()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + LIMIT + ": " + what);
            }
            Thread.sleep(50);
        }
    }

    /**
     * How many io.courier.MsgSend events a Flight Recorder recording sees for ten sends of this
     * thread. Only this thread's: a recording is the whole JVM's, where other frameworks' kernels
     * (an earlier test's, still stopping) may send meanwhile with their own settings.
     */
    private long sendEvents(Microkernel mk) throws Exception {
        Kernel server = mk.process("traced-server");
        Kernel client = mk.process("traced-client");
        Path file = Files.createTempFile(Path.of(System.getProperty("courier.bundles")).getParent(), "trace-", ".jfr");
        try (Recording recording = new Recording()) {
            recording.enable("io.courier.MsgSend");
            int chid = server.channelCreate(0);
            Thread replier = Thread.ofPlatform().daemon().start(() -> {
                ByteBuffer in = ByteBuffer.allocate(64);
                try {
                    for (;;) {
                        server.msgReply(server.msgReceive(chid, in.clear(), null), 0, null);
                    }
                } catch (KernelException e) {
                    // the server's death ends it
                }
            });
            recording.start();
            int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
            for (int i = 0; i < 10; i++) {
                client.msgSend(coid, ByteBuffer.allocate(8), null, LIMIT);
            }
            recording.stop();
            recording.dump(file);
            server.exit();
            replier.join(LIMIT.toMillis());
            long me = Thread.currentThread().threadId();
            return RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals("io.courier.MsgSend"))
                    .filter(e -> e.getThread() != null && e.getThread().getJavaThreadId() == me).count();
        } finally {
            server.exit();
            client.exit();
            Files.deleteIfExists(file);
        }
    }

    @Test
    public void shouldApplyTheLargestSharedMemoryObjectAtTheNextFtruncate() throws Exception {
        SharedMemory shm = context.getService(awaitService(SharedMemory.class, LIMIT));
        int fd = shm.shmOpen(SharedMemory.SHM_ANON, SharedMemory.O_RDWR | SharedMemory.O_CREAT, 0600);
        cleanup.add(() -> shm.close(fd));
        shm.ftruncate(fd, 16384);

        try (LogRecorder log = new LogRecorder(context, LIMIT)) {
            configure("io.courier.shm", "maxSize", "8192");
            log.await("the new size", LIMIT, LogLevel.INFO, m -> m.matches("io.courier.shm: maxSize: \\d+ -> 8192"));
            assertEquals(Errno.ENOMEM, assertThrows(KernelException.class, () -> shm.ftruncate(fd, 16384)).errno());

            configure("io.courier.shm", "maxSize", "-1");
            log.await("the bad value", LIMIT, LogLevel.WARN, m -> m.equals(
                    "io.courier.shm: maxSize = '-1' is not a whole number from 0 to " + Long.MAX_VALUE + "; maxSize stays 8192"));
            assertEquals("a bad value leaves 8192 in use", Errno.ENOMEM,
                    assertThrows(KernelException.class, () -> shm.ftruncate(fd, 16384)).errno());
        }
    }

    @Test
    public void shouldApplyThePortLimitToTheNextPort() throws Exception {
        Kernel probe = context.getService(awaitService(Kernel.class, LIMIT));
        List<IoCompletionPort> ports = new ArrayList<>();
        cleanup.add(() -> ports.forEach(IoCompletionPort::close));
        ports.add(IoCompletionPort.create(probe));

        try (LogRecorder log = new LogRecorder(context, LIMIT)) {
            configure("io.courier.asyncmsg", "iocp.maxPortsPerProcess", "1");
            log.await("the new limit", LIMIT, LogLevel.INFO, m -> m.equals("io.courier.asyncmsg: iocp.maxPortsPerProcess: 256 -> 1"));
        }
        assertEquals(Errno.ENOBUFS, assertThrows(KernelException.class, () -> IoCompletionPort.create(probe)).errno());
        assertEquals("the port open before stays", 1, IoCompletionPort.ports().stream()
                .filter(p -> p.ownerPid() == probe.pid() && p.open()).count());
    }
}
