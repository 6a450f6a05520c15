package io.courier.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.kernel.NameInfo;
import io.courier.kernel.osgi.NameServices;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Dictionary;
import java.util.EnumMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

/**
 * SPEC B1, P3 and A6 the way users do it: FileInstall watches a folder, and the test only copies,
 * replaces and deletes jars in it. The checksum and asynchronous example pairs run there with
 * their API bundles; while the client bundles send (sync: threads calling the checksum client's
 * {@code checksum} command; async: the async client's {@code asyncput} command), each server jar
 * is replaced {@value #SWAPS} times, alternately copied over ({@code cp}) and written beside the
 * folder then moved in ({@code mv}); then both are deleted for longer than a client's wait and
 * put back.
 *
 * <p>What must hold: the client and API bundles see no bundle event at all (never refreshed,
 * stopped or unresolved) and stay ACTIVE; every sync call returns, with the right checksum or a
 * defined errno (ENOENT only while the server is deleted, none for a swap); every async message
 * reaches a server once, in order, and every callback ran. The figures are printed.
 */
public class DeployFolderHotSwapTest extends CourierTestSupport {
    /** Replacements of each server jar. */
    static final int SWAPS = 10;
    private static final Duration LIMIT = Duration.ofSeconds(20);
    private static final String OBSERVER = "courier.asyncmsg.observer";
    private static final String[] APIS = {"example-checksum-api", "example-async-api"};
    private static final String[] SERVERS = {"example-checksum-server", "example-async-server"};
    private static final String[] CLIENTS = {"example-checksum-client", "example-async-client"};
    private static final Map<String, String> NAME_OF = Map.of(
            "example-checksum-server", "checksum", "example-async-server", "ASYNCH_RECEIVER");
    private static final Pattern ASYNCSTAT = Pattern.compile(
            "asyncstat: put (\\d+) delivered (\\d+) failed \\{(.*)} pending (-?\\d+) longest-wait (\\d+) ms");

    private Path deploy;

    /** What the sync clients saw. */
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong wrong = new AtomicLong();
    private final Map<Errno, AtomicLong> failed = new ConcurrentHashMap<>();
    /** The longest call while servers are replaced, and while they are deleted. */
    private final LongAccumulator longestSwapCall = new LongAccumulator(Math::max, 0);
    private final LongAccumulator longestGoneCall = new LongAccumulator(Math::max, 0);
    private volatile boolean deleting;
    private final List<Throwable> stray = new CopyOnWriteArrayList<>();

    @Test
    public void shouldKeepClientsActiveAndLoseNothingWhileServerJarsAreReplacedAndDeleted() throws Exception {
        deploy = Path.of(context.getProperty(DEPLOY_DIR));
        List<Long> received = new CopyOnWriteArrayList<>();
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(OBSERVER, "deploy-folder-test");
        ServiceRegistration<LongConsumer> observer = context.registerService(LongConsumer.class, received::add, props);

        for (String[] group : new String[][] {APIS, SERVERS, CLIENTS}) {
            for (String jar : group) {
                mv(jar);
            }
        }
        for (String jar : concat(APIS, SERVERS, CLIENTS)) {
            await(jar + " ACTIVE", LIMIT, () -> state(jar) == Bundle.ACTIVE);
        }
        for (String server : SERVERS) {
            await(server + "'s name attached", LIMIT, () -> pid(server) > 0);
        }
        Object checksum = service("io.courier.examples.checksum.client.ChecksumClient");
        Object async = service("io.courier.examples.async.client.AsyncClientComponent");
        Method checksumCall = checksum.getClass().getMethod("checksum", String.class);
        Method asyncput = async.getClass().getMethod("asyncput", long.class);
        Method asyncstat = async.getClass().getMethod("asyncstat");

        Map<String, Long> ids = new ConcurrentHashMap<>();
        List<String> clientEvents = new CopyOnWriteArrayList<>();
        for (String jar : concat(APIS, CLIENTS)) {
            ids.put(jar, bundle(jar).getBundleId());
        }
        BundleListener watch = e -> {
            if (ids.containsValue(e.getBundle().getBundleId())) {
                clientEvents.add(e.getBundle().getSymbolicName() + " " + eventName(e.getType()));
            }
        };
        context.addBundleListener(watch);

        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> load = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String prefix = "deploy folder " + i + " ";
            load.add(Thread.ofPlatform().name("sync-client-" + i).start(() -> syncLoad(checksum, checksumCall, prefix, stop)));
        }
        load.add(Thread.ofPlatform().name("async-client").start(() -> {
            while (!stop.get()) {
                try {
                    asyncput.invoke(async, 50L);
                } catch (ReflectiveOperationException | RuntimeException e) {
                    stray.add(e);
                    return;
                }
            }
        }));

        Map<String, Set<Integer>> pids = new ConcurrentHashMap<>();
        for (String server : SERVERS) {
            pids.computeIfAbsent(server, s -> ConcurrentHashMap.newKeySet()).add(pid(server));
        }
        long swapStart = System.nanoTime();
        for (int swap = 1; swap <= SWAPS; swap++) {
            for (String server : SERVERS) {
                int before = pid(server);
                long answeredBefore = answered.get();
                int receivedBefore = received.size();
                if (swap % 2 == 1) {
                    cpOver(server);
                } else {
                    mv(server);
                }
                await(server + " replaced (swap " + swap + ")", LIMIT, () -> {
                    int now = pid(server);
                    return now > 0 && now != before;
                });
                pids.get(server).add(pid(server));
                await("clients reach the new " + server, LIMIT, () -> server.contains("checksum")
                        ? answered.get() > answeredBefore : received.size() > receivedBefore);
            }
        }
        long swapMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - swapStart);

        // Removed for longer than a client waits for its name: calls answer ENOENT, clients stay.
        long enoentBefore = count(Errno.ENOENT);
        deleting = true;
        for (String server : SERVERS) {
            Files.delete(deploy.resolve(server + ".jar"));
        }
        for (String server : SERVERS) {
            await(server + " uninstalled", LIMIT, () -> state(server) == 0);
        }
        await("calls answer ENOENT while the server is gone", LIMIT, () -> count(Errno.ENOENT) > enoentBefore);
        for (String client : CLIENTS) {
            assertEquals(client + " stays ACTIVE without its server", Bundle.ACTIVE, state(client));
        }
        long answeredWhileGone = answered.get();
        int receivedWhileGone = received.size();
        for (String server : SERVERS) {
            mv(server);
        }
        await("calls succeed again by themselves", LIMIT, () -> answered.get() > answeredWhileGone + 10);
        await("async messages stored meanwhile arrive", LIMIT, () -> received.size() > receivedWhileGone + 64);

        stop.set(true);
        for (Thread t : load) {
            t.join(LIMIT.toMillis());
            assertFalse(t.getName() + " ended: no call hangs", t.isAlive());
        }
        context.removeBundleListener(watch);

        Matcher stat = ASYNCSTAT.matcher("");
        await("every async callback ran and every delivered number arrived", LIMIT, () -> {
            stat.reset(invoke(asyncstat, async));
            return stat.matches() && Long.parseLong(stat.group(4)) == 0
                    && received.size() >= Long.parseLong(stat.group(2));
        });
        long put = Long.parseLong(stat.group(1));
        long delivered = Long.parseLong(stat.group(2));
        List<Long> got = new ArrayList<>(received);
        long lostAsync = 0;
        for (long n = 1; n <= put; n++) {
            if (n > got.size() || got.get((int) n - 1) != n) {
                lostAsync++;
            }
        }
        long lostSync = sent.get() - answered.get() - wrong.get() - failed.values().stream().mapToLong(AtomicLong::get).sum();
        Map<Errno, Long> failures = new EnumMap<>(Errno.class);
        failed.forEach((e, n) -> failures.put(e, n.get()));
        System.out.printf("DeployFolderHotSwapTest: %d swaps of each server jar in %d ms, then a deletion of both%n"
                + "  sync:  sent %d answered %d wrong %d failed %s lost %d longest stall %d ms during swaps"
                + " (%d ms with the servers deleted)%n"
                + "  async: put %d delivered %d failed {%s} received %d lost-or-out-of-order %d"
                + " longest put-to-callback %d ms%n"
                + "  server pids: %s%n", SWAPS, swapMillis, sent.get(), answered.get(), wrong.get(), failures, lostSync,
                TimeUnit.NANOSECONDS.toMillis(longestSwapCall.get()), TimeUnit.NANOSECONDS.toMillis(longestGoneCall.get()),
                put, delivered, stat.group(3), got.size(), lostAsync, Long.parseLong(stat.group(5)), pids);

        assertTrue("no stray exceptions: " + stray, stray.isEmpty());
        assertEquals("no client or API bundle was refreshed, stopped or unresolved", List.of(), clientEvents);
        for (String jar : concat(APIS, CLIENTS)) {
            assertEquals(jar + " ACTIVE throughout", Bundle.ACTIVE, state(jar));
            assertEquals(jar + " is the same bundle", ids.get(jar).longValue(), bundle(jar).getBundleId());
        }
        assertEquals("every sync call returned", 0, lostSync);
        assertEquals("every answer was the right checksum", 0, wrong.get());
        assertEquals("ENOENT (the server deleted) is the only error a client saw: " + failures, Set.of(Errno.ENOENT),
                failures.keySet());
        assertEquals("a swap costs no call an error: it takes less than a client's wait for the name", 0, enoentBefore);
        assertEquals("every async message put was delivered (store and forward)", put, delivered);
        assertEquals("no async message failed", "", stat.group(3));
        assertEquals("every async number arrived once, in order", put, got.size());
        assertEquals("none lost, none twice, none out of order", 0, lostAsync);
        for (String server : SERVERS) {
            assertTrue(server + " ran as " + (SWAPS + 1) + " processes at least: " + pids.get(server),
                    pids.get(server).size() >= SWAPS + 1);
        }
        observer.unregister();
    }

    private void syncLoad(Object client, Method checksum, String prefix, AtomicBoolean stop) {
        for (long i = 0; !stop.get(); i++) {
            String text = prefix + i;
            sent.incrementAndGet();
            long t0 = System.nanoTime();
            try {
                int sum = (Integer) checksum.invoke(client, text);
                (sum == sumOf(text) ? answered : wrong).incrementAndGet();
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof KernelException ke) {
                    failed.computeIfAbsent(ke.errno(), x -> new AtomicLong()).incrementAndGet();
                } else {
                    stray.add(e.getCause());
                    return;
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                stray.add(e);
                return;
            }
            (deleting ? longestGoneCall : longestSwapCall).accumulate(System.nanoTime() - t0);
        }
    }

    /** The checksum protocol's sum, computed here so the test trusts no example code for it. */
    private static int sumOf(String text) {
        int sum = 0;
        for (byte b : text.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            sum += b & 0xFF;
        }
        return sum;
    }

    private long count(Errno errno) {
        AtomicLong n = failed.get(errno);
        return n == null ? 0 : n.get();
    }

    /** {@code cp example.jar deploy/}: the file written in place, over the old one. */
    private void cpOver(String artifact) throws IOException {
        Files.write(deploy.resolve(artifact + ".jar"), Files.readAllBytes(courierJar(artifact)));
    }

    /** Copied beside the folder, then moved in whole ({@code mv}), over any old one. */
    private void mv(String artifact) throws IOException {
        Path staged = Files.copy(courierJar(artifact), deploy.resolveSibling(deploy.getFileName() + "-" + artifact + ".jar"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, deploy.resolve(artifact + ".jar"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    private Bundle bundle(String artifact) {
        return installed("io.courier." + artifact).orElseThrow(() -> new AssertionError(artifact + " not installed"));
    }

    /** The bundle's state; 0 when it is not installed. */
    private int state(String artifact) {
        return installed("io.courier." + artifact).map(Bundle::getState).orElse(0);
    }

    /** The pid holding the server's name, from its NameInfo service; -1 when none does. */
    private int pid(String server) {
        try {
            Collection<ServiceReference<NameInfo>> refs = context.getServiceReferences(NameInfo.class,
                    NameServices.filter(NAME_OF.get(server)));
            return refs.isEmpty() ? -1 : (Integer) refs.iterator().next().getProperty(NameServices.PID);
        } catch (InvalidSyntaxException e) {
            throw new AssertionError(e);
        }
    }

    private Object service(String className) {
        await(className + " registered", LIMIT, () -> context.getServiceReference(className) != null);
        return context.getService(context.getServiceReference(className));
    }

    private static String invoke(Method m, Object target) {
        try {
            return (String) m.invoke(target);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> concat(String[]... groups) {
        List<String> all = new ArrayList<>();
        for (String[] g : groups) {
            all.addAll(List.of(g));
        }
        return all;
    }

    private static String eventName(int type) {
        return switch (type) {
            case BundleEvent.INSTALLED -> "INSTALLED";
            case BundleEvent.RESOLVED -> "RESOLVED";
            case BundleEvent.STARTING -> "STARTING";
            case BundleEvent.STARTED -> "STARTED";
            case BundleEvent.STOPPING -> "STOPPING";
            case BundleEvent.STOPPED -> "STOPPED";
            case BundleEvent.UPDATED -> "UPDATED";
            case BundleEvent.UNRESOLVED -> "UNRESOLVED";
            case BundleEvent.UNINSTALLED -> "UNINSTALLED";
            default -> "event " + type;
        };
    }
}
