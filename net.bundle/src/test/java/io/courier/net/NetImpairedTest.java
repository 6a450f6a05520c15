package io.courier.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 21 (B3) over a network that loses packets: three Courier nodes, each a JVM of its own,
 * in a network namespace of this test class's own ({@code courier-<pid>}), whose loopback drops
 * about {@value #LOSS_PERCENT}% of the packets (tc netem, which also delays every packet by
 * {@value #DELAY_MS} ms, where the kernel has it; an nftables rule dropping UDP packets at random
 * otherwise). The host's own loopback is never touched. Calls by global name and asynchronous
 * messages all arrive (Aeron sends again what was lost), a node killed with SIGKILL is noticed
 * within the dead-after time, and the loss alone takes no node down.
 *
 * <p>Needs root, {@code ip netns} and either tc netem or nft: without them the class is skipped,
 * saying what is missing; without netem, so is the delay test.
 */
@Timeout(120)
class NetImpairedTest extends NetTestSupport {
    static final int LOSS_PERCENT = 5;
    static final long DELAY_MS = 20;
    /** How late past the dead-after time a killed node may be noticed (heartbeats and a loaded machine). */
    static final long NOTICE_MARGIN_MS = 1_500;
    static final int CALLS = 100;
    static final int MESSAGES = 20_000;
    /** The limit for a run of calls or of messages (a lost packet costs a round trip or more; the delay one each). */
    static final long LONG_WAIT_MS = 60_000;

    /** The namespace this class made (deleted after it), or null. */
    private static volatile String namespace;
    /** The folder of the nodes' media drivers (deleted after the class), or null. */
    private static Path driverRoot;
    private static Thread deleteAtExit;
    /** True when tc netem impairs the loopback (loss and delay), false when nft drops packets (loss only). */
    private static boolean netem;
    /** What is missing for this class's tests, or null when nothing is. */
    private static String unavailable;
    /** Why there is no delay (what is missing), or null when there is. */
    private static String noDelay;

    private record Run(int code, String out) {
    }

    /** Runs {@code cmd} (20 s at most): its exit code (-1 when it cannot run) and its output, standard error included. */
    private static Run run(String... cmd) {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.DISCARD.file())
                    .start();
        } catch (IOException e) {
            return new Run(-1, "cannot run " + cmd[0] + ": " + e.getMessage());
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                return new Run(-1, String.join(" ", cmd) + " did not end within 20 s");
            }
            return new Run(p.exitValue(), out.get(10, TimeUnit.SECONDS));
        } catch (Exception e) {
            p.destroyForcibly();
            return new Run(-1, String.join(" ", cmd) + ": " + e);
        }
    }

    /** Runs {@code cmd} inside the namespace. */
    private static Run inNamespace(String... cmd) {
        List<String> all = new ArrayList<>(launchPrefix());
        all.addAll(List.of(cmd));
        return run(all.toArray(String[]::new));
    }

    /** What starts a command inside the namespace: {@code ip netns exec} execs it, so the process is the command. */
    private static List<String> launchPrefix() {
        return List.of("ip", "netns", "exec", namespace);
    }

    @BeforeAll
    static void makeTheImpairedNamespace() throws IOException {
        unavailable = impairedNamespace();
        if (unavailable != null) {
            System.out.println("NetImpairedTest skipped: " + unavailable);
        }
    }

    /** Makes the namespace and impairs its loopback: null, or what is missing for that. */
    private static String impairedNamespace() throws IOException {
        Run id = run("id", "-u");
        if (id.code() != 0 || !id.out().equals("0")) {
            return "it needs root (to make a network namespace and impair its loopback); this runs as uid " + id.out();
        }
        Run ip = run("ip", "-V");
        if (ip.code() != 0) {
            return "it needs the ip command (iproute2): " + ip.out();
        }
        String name = "courier-" + ProcessHandle.current().pid();
        Run add = run("ip", "netns", "add", name);
        if (add.code() != 0) {
            return "ip netns add " + name + " failed: " + add.out();
        }
        namespace = name;
        deleteAtExit = new Thread(NetImpairedTest::deleteNamespace, "delete-" + name);
        Runtime.getRuntime().addShutdownHook(deleteAtExit);
        Run lo = inNamespace("ip", "link", "set", "lo", "up");
        if (lo.code() != 0) {
            return "ip link set lo up in network namespace " + name + " failed: " + lo.out();
        }
        Run tc = inNamespace("tc", "qdisc", "add", "dev", "lo", "root", "netem", "loss", LOSS_PERCENT + "%", "delay",
                DELAY_MS + "ms");
        netem = tc.code() == 0;
        if (!netem) {
            noDelay = "tc netem is missing (tc qdisc add dev lo root netem ...: " + tc.out() + ")";
            Run nft = nftDrop();
            if (nft.code() != 0) {
                return "no way to drop packets in a network namespace: " + noDelay + ", and nftables failed ("
                        + nft.out() + ")";
            }
        }
        Path shm = Path.of("/dev/shm");
        driverRoot = Files.createTempDirectory(Files.isDirectory(shm) && Files.isWritable(shm) ? shm
                : Path.of(System.getProperty("java.io.tmpdir")), "courier-net-impaired-");
        return null;
    }

    @BeforeEach
    void needsTheImpairedNamespace() {
        assumeTrue(unavailable == null, () -> "NetImpairedTest skipped: " + unavailable);
    }

    /** An nftables table in the namespace dropping {@value #LOSS_PERCENT}% of the UDP packets sent; both counted. */
    private static Run nftDrop() {
        for (String rule : List.of("add table inet courier",
                "add chain inet courier out { type filter hook output priority 0 ; }",
                "add rule inet courier out meta l4proto udp counter",
                "add rule inet courier out meta l4proto udp numgen random mod 100 < " + LOSS_PERCENT + " counter drop")) {
            Run r = inNamespace("nft", rule);
            if (r.code() != 0) {
                return r;
            }
        }
        return new Run(0, "");
    }

    /** Packets sent on the namespace's loopback (dropped ones included) and dropped by the impairment. */
    private record Packets(long sent, long dropped) {
        Packets since(Packets before) {
            return new Packets(sent - before.sent, dropped - before.dropped);
        }

        @Override
        public String toString() {
            return dropped + " of " + sent + " packets dropped";
        }
    }

    /** The packets so far: netem's counts ("Sent ... N pkt (dropped D"), or the two nft counters (all UDP, dropped). */
    private static Packets packets() {
        Run r = netem ? inNamespace("tc", "-s", "qdisc", "show", "dev", "lo")
                : inNamespace("nft", "list", "chain", "inet", "courier", "out");
        Matcher m = Pattern.compile(netem ? "(\\d+) pkt \\(dropped (\\d+)" : "counter packets (\\d+)(?s:.*)counter packets (\\d+)")
                .matcher(r.out());
        assertTrue(r.code() == 0 && m.find(), "the packet counts: " + r.out());
        long a = Long.parseLong(m.group(1));
        long b = Long.parseLong(m.group(2));
        return netem ? new Packets(a + b, b) : new Packets(a, b);
    }

    private static void deleteNamespace() {
        String name = namespace;
        if (name != null) {
            run("ip", "netns", "del", name);
            namespace = null;
        }
    }

    @AfterAll
    static void deleteTheNamespace() throws IOException {
        deleteNamespace();
        if (deleteAtExit != null) {
            Runtime.getRuntime().removeShutdownHook(deleteAtExit);
            deleteAtExit = null;
        }
        if (driverRoot != null) {
            try (Stream<Path> s = Files.walk(driverRoot)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
            driverRoot = null;
        }
    }

    /** A {@link NetKernelChild} in the namespace, its media driver's folder under {@link #driverRoot}. */
    private ChildNode start(String mode, String name, int port, String... peers) throws IOException {
        ChildNode c = ChildNode.startKernel(launchPrefix(), List.of("-Dcourier.net.root=" + driverRoot), dir, mode, name,
                port, keyFile, HEARTBEAT_MS, DEAD_AFTER_MS, List.of(), peers);
        started.add(c);
        return c;
    }

    /** Node b serving ({@code svc}, its asynchronous channel), a and c its clients, each seeing the two others up. */
    private record Nodes(ChildNode a, ChildNode b, ChildNode c, int aPid, int bPid, int achid, int cPid) {
    }

    private Nodes threeNodes() throws IOException {
        int pa = ChildNode.freePort();
        int pb = ChildNode.freePort();
        int pc = ChildNode.freePort();
        ChildNode b = start("serve", "b", pb, at("a", pa), at("c", pc));
        ChildNode a = start("client", "a", pa, at("b", pb), at("c", pc));
        ChildNode c = start("client", "c", pc, at("a", pa), at("b", pb));
        awaitUp(a, "b", "c");
        awaitUp(b, "a", "c");
        awaitUp(c, "a", "b");
        String[] ready = b.await(l -> l.startsWith("READY ")).split(" ");
        return new Nodes(a, b, c, pidOf(a), Integer.parseInt(ready[1]), Integer.parseInt(ready[3]), pidOf(c));
    }

    private static int pidOf(ChildNode client) {
        return Integer.parseInt(client.await(l -> l.startsWith("READY ")).split(" ")[1]);
    }

    private static void awaitUp(ChildNode c, String... peers) {
        for (String p : peers) {
            c.await(l -> l.startsWith("NODEUP " + p + " "));
        }
    }

    /**
     * Checks the answers to {@code CALLS n prefix} sent to {@code c} after its line {@code mark}:
     * every call answered by b's server, in order, with the message reversed, the client's pid as
     * status and {@code nd} (b's number for the client's node); gives each call's round trip in
     * microseconds.
     */
    private static List<Long> checkCalls(ChildNode c, int mark, String prefix, int n, int nd, int pid) {
        int end = c.awaitIndexFrom(mark, l -> l.startsWith("CALLED ") || l.startsWith("CALLFAILED ")
                || l.startsWith("NONAME "), LONG_WAIT_MS);
        assertEquals("CALLED " + n, c.line(end), "node " + c.name + " calling b");
        List<String> replies = c.lines().subList(mark, end).stream().filter(l -> l.startsWith("REPLY ")).toList();
        assertEquals(n, replies.size(), "replies to " + c.name);
        List<Long> micros = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String[] w = replies.get(i).split(" ");
            assertEquals(new StringBuilder(prefix + "-" + i).reverse() + " nd=" + nd + " " + pid, w[1] + " " + w[2] + " " + w[3],
                    "reply " + i + " to " + c.name);
            micros.add(Long.parseLong(w[4]));
        }
        return micros;
    }

    /** No node of {@code nodes} heard of a node going down (other than {@code except}). */
    private static void assertNoneDown(String except, ChildNode... nodes) {
        for (ChildNode c : nodes) {
            for (String l : c.lines()) {
                assertTrue(!l.startsWith("NODEDOWN ") || l.startsWith("NODEDOWN " + except + " "),
                        "node " + c.name + " under " + LOSS_PERCENT + "% loss: " + l);
            }
        }
    }

    @Test
    void callsByGlobalNameAndAsyncMessagesAllArriveAcrossThreeNodesUnderLoss() throws Exception {
        Nodes n = threeNodes();
        Packets before = packets();
        int ma = n.a().mark();
        int mc = n.c().mark();
        n.a().command("CALLS " + CALLS + " from-a");
        n.c().command("CALLS " + CALLS + " from-c");
        // b numbers its peers by their sorted names: a is 1, c is 2.
        checkCalls(n.a(), ma, "from-a", CALLS, 1, n.aPid());
        checkCalls(n.c(), mc, "from-c", CALLS, 2, n.cPid());
        Packets afterCalls = packets();
        Packets calling = afterCalls.since(before);
        assertTrue(calling.dropped() > 0, "no packet dropped while the calls went (" + calling + "): they were not impaired");

        ma = n.a().mark();
        n.a().command("PUT b " + n.bPid() + " " + n.achid() + " " + MESSAGES);
        assertEquals("PUT " + MESSAGES, n.a().line(n.a().awaitIndexFrom(ma, l -> l.startsWith("PUT"), LONG_WAIT_MS)));
        List<Long> got = n.b().awaitGot(MESSAGES, LONG_WAIT_MS);
        assertEquals(MESSAGES, got.size(), "asynchronous messages b got");
        for (int i = 0; i < MESSAGES; i++) {
            assertEquals(i, (long) got.get(i), "message " + i + " in order, once");
        }
        Packets putting = packets().since(afterCalls);
        assertTrue(putting.dropped() > 0, "no packet dropped while the asynchronous messages went (" + putting
                + "): they were not impaired");
        assertNoneDown(null, n.a(), n.b(), n.c());
        System.out.printf("NetImpairedTest: under %d%% loss%s, %d calls (%s meanwhile) and %d asynchronous messages"
                + " (%s meanwhile)%n", LOSS_PERCENT, netem ? " and " + DELAY_MS + " ms delay" : "", 2 * CALLS, calling,
                MESSAGES, putting);
    }

    @Test
    void aKilledNodeIsNoticedWithinTheDeadAfterTimeAndLossAloneTakesNoNodeDown() throws Exception {
        Nodes n = threeNodes();
        long upAt = System.nanoTime();
        int ma = n.a().mark();
        int mc = n.c().mark();
        n.a().command("CALLS 50 before-a");
        n.c().command("CALLS 50 before-c");
        checkCalls(n.a(), ma, "before-a", 50, 1, n.aPid());
        checkCalls(n.c(), mc, "before-c", 50, 2, n.cPid());
        // Several dead-after times under loss, heartbeats lost among the rest: nobody down.
        long left = upAt + TimeUnit.MILLISECONDS.toNanos(4 * DEAD_AFTER_MS) - System.nanoTime();
        if (left > 0) {
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(left));
        }
        assertNoneDown(null, n.a(), n.b(), n.c());

        ma = n.a().mark();
        int mb = n.b().mark();
        long t0 = System.nanoTime();
        n.c().kill9();
        n.a().awaitFrom(ma, l -> l.startsWith("NODEDOWN c "));
        long toA = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        n.b().awaitFrom(mb, l -> l.startsWith("NODEDOWN c "));
        long toB = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(toA < DEAD_AFTER_MS + NOTICE_MARGIN_MS, "a noticed c down after " + toA + " ms (dead after "
                + DEAD_AFTER_MS + " ms)");
        assertTrue(toB < DEAD_AFTER_MS + NOTICE_MARGIN_MS, "b noticed c down after " + toB + " ms (dead after "
                + DEAD_AFTER_MS + " ms)");

        // a and b are still up to each other: calls go on, and only c was ever down.
        ma = n.a().mark();
        n.a().command("CALLS 50 after");
        checkCalls(n.a(), ma, "after", 50, 1, n.aPid());
        assertNoneDown("c", n.a(), n.b());
        System.out.printf("NetImpairedTest: killed node noticed down by a after %d ms, by b after %d ms (dead after %d ms)%n",
                toA, toB, DEAD_AFTER_MS);
    }

    @Test
    void aDelayedLoopbackMakesEveryCallTakeAtLeastTheDelayAndCallsStillSucceed() throws Exception {
        assumeTrue(noDelay == null, "the delay test is skipped: " + noDelay);
        int pa = ChildNode.freePort();
        int pb = ChildNode.freePort();
        ChildNode b = start("serve", "b", pb, at("a", pa));
        ChildNode a = start("client", "a", pa, at("b", pb));
        awaitUp(a, "b");
        int m = a.mark();
        a.command("CALLS 20 delayed");
        List<Long> micros = checkCalls(a, m, "delayed", 20, 1, pidOf(a));
        long fastest = micros.stream().mapToLong(Long::longValue).min().orElseThrow();
        assertTrue(fastest >= DELAY_MS * 1_000, "the fastest call took " + fastest + " µs, under the loopback's delay of "
                + DELAY_MS + " ms");
        assertNoneDown(null, a, b);
    }
}
