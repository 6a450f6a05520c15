package io.courier.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.courier.examples.checksum.Checksum;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.NameInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/**
 * SPEC P1–P3 and K14 in OSGi with the real example bundles: the checksum server's name appears
 * as a {@link NameInfo} service; the client bundle finds it; the server bundle is updated twice
 * while clients send: every request either gets the right checksum or a defined error (no hang),
 * and clients that open the name again reach the new server process.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class ChecksumHotSwapTest extends CourierTestSupport {
    private static final Duration LIMIT = Duration.ofSeconds(10);
    /** What a client may see while its server is replaced: no name yet, or the old one dying. */
    private static final Set<Errno> DEFINED = EnumSet.of(Errno.ENOENT, Errno.ESRCH, Errno.EBADF, Errno.ENXIO);

    private Collection<ServiceReference<NameInfo>> names() throws Exception {
        return context.getServiceReferences(NameInfo.class, "(courier.name=" + Checksum.NAME + ")");
    }

    private int serverPid() throws Exception {
        Collection<ServiceReference<NameInfo>> refs = names();
        return refs.isEmpty() ? -1 : (Integer) refs.iterator().next().getProperty("courier.pid");
    }

    @Test
    public void shouldPublishTheNameAndSurviveTwoServerUpdatesWithDefinedErrorsOnly() throws Exception {
        context.installBundle(courierJar("example-checksum-api").toUri().toString()).start();
        Bundle server = context.installBundle(courierJar("example-checksum-server").toUri().toString());
        Bundle client = context.installBundle(courierJar("example-checksum-client").toUri().toString());
        server.start();
        client.start();
        await("the server's name is a service", LIMIT, () -> uncheck(() -> serverPid() > 0));
        await("the client component is active", LIMIT, () -> context.getServiceReference(
                "io.courier.examples.checksum.client.ChecksumClient") != null);
        Kernel kernel = context.getService(awaitService(Kernel.class, LIMIT));

        AtomicBoolean stop = new AtomicBoolean();
        Map<Integer, AtomicLong> successesByServer = new ConcurrentHashMap<>();
        Map<Errno, AtomicLong> errors = new ConcurrentHashMap<>();
        List<Throwable> wrong = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String text = "client " + i;
            clients.add(Thread.ofPlatform().name("checksum-client-" + i).start(() -> {
                while (!stop.get()) {
                    try {
                        int coid = kernel.nameOpen(Checksum.NAME, 0);
                        try {
                            int pid = kernel.connectServerInfo(coid).pid();
                            ByteBuffer reply = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
                            kernel.msgSend(coid, Checksum.request(text), reply, LIMIT);
                            if (reply.getInt(0) != Checksum.of(text)) {
                                wrong.add(new AssertionError("wrong checksum " + reply.getInt(0)));
                            }
                            successesByServer.computeIfAbsent(pid, p -> new AtomicLong()).incrementAndGet();
                        } finally {
                            try {
                                kernel.nameClose(coid);
                            } catch (KernelException e) {
                                errors.computeIfAbsent(e.errno(), x -> new AtomicLong()).incrementAndGet();
                            }
                        }
                    } catch (KernelException e) {
                        errors.computeIfAbsent(e.errno(), x -> new AtomicLong()).incrementAndGet();
                    } catch (RuntimeException | Error e) {
                        wrong.add(e);
                    }
                }
            }));
        }
        // What a failed wait tells: the answers, the errors, which processes hold the name and
        // where every kernel thread is blocked.
        Supplier<String> seen = () -> "answers by server pid " + successesByServer + ", errors " + errors
                + ", wrong " + wrong.size() + (wrong.isEmpty() ? "" : ", the first: " + trace(wrong.get(0)))
                + "\nnames " + kernel.microkernel().names() + "\nprocesses " + kernel.microkernel().processes();
        List<Integer> pids = new ArrayList<>();
        pids.add(serverPid());
        for (int update = 0; update < 2; update++) {
            int before = pids.get(pids.size() - 1);
            await("clients reach server " + before, LIMIT, () -> successesByServer.containsKey(before), seen);
            server.update();
            await("a new server attached the name", LIMIT, () -> uncheck(() -> {
                int now = serverPid();
                return now > 0 && now != before;
            }), seen);
            pids.add(serverPid());
        }
        int last = pids.get(pids.size() - 1);
        await("clients reach the last server " + last, LIMIT, () -> successesByServer.containsKey(last), seen);
        stop.set(true);
        for (Thread t : clients) {
            t.join(LIMIT.toMillis());
            assertTrue(t.getName() + " ended: no client hangs", !t.isAlive());
        }
        assertTrue("no wrong answers or stray exceptions: " + wrong, wrong.isEmpty());
        assertTrue("only defined errors: " + errors, DEFINED.containsAll(errors.keySet()));
        assertEquals("three server processes", 3, pids.stream().distinct().count());
        for (int pid : pids) {
            assertNotNull("server " + pid + " answered", successesByServer.get(pid));
        }

        server.stop();
        await("the name is withdrawn with its server", LIMIT, () -> uncheck(() -> names().isEmpty()));
        assertNull(kernel.microkernel().names().stream().filter(n -> n.name().equals(Checksum.NAME))
                .findFirst().orElse(null));
        KernelException gone = null;
        try {
            kernel.nameOpen(Checksum.NAME, 0);
        } catch (KernelException e) {
            gone = e;
        }
        assertNotNull(gone);
        assertEquals(Errno.ENOENT, gone.errno());
        assertNotEquals(-1, last);
    }

    private static String trace(Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }

    interface Check {
        boolean get() throws Exception;
    }

    private static boolean uncheck(Check c) {
        try {
            return c.get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
