package io.courier.itest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * SPEC B2 as a user meets it: two runtimes started by {@code bin/start} (what {@code ./courier
 * run} runs) in one node, the checksum server's jars dropped into the first one's {@code deploy/},
 * the client's into the second's. The client finds the server by name in the other JVM and its
 * {@code checksum} command is answered from there. Then the server's JVM is killed with SIGKILL:
 * the client's next call ends with a defined errno, not a hang, and its runtime lives on.
 */
public class RuntimesInOneNodeTest {
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final Pattern ERRNO = Pattern.compile("\\b(ESRCH|EBADF|ENOENT)\\b");

    @Test
    public void shouldAnswerAClientInOneRuntimeFromAServerInAnotherOfTheNode() throws Exception {
        Path root = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "nodes-");
        String node = "it-" + ProcessHandle.current().pid();
        try (ChildRuntime server = new ChildRuntime().node(node, root);
                ChildRuntime client = new ChildRuntime().node(node, root)) {
            server.start();
            client.start();
            ChildRuntime.deployChecksumPair(server, client);

            int mark = client.output().size();
            client.type("checksum hello");
            client.awaitFrom(mark, "the server in the other runtime answers", LIMIT,
                    line -> ChildRuntime.bare(line).equals("532"));

            server.sigkill();
            mark = client.output().size();
            client.type("checksum hello");
            client.awaitFrom(mark, "a call after the server's JVM died ends with an errno", LIMIT,
                    line -> ERRNO.matcher(line).find());
            mark = client.output().size();
            client.type("echo still-here");
            client.awaitFrom(mark, "the client's runtime lives on", LIMIT,
                    line -> ChildRuntime.bare(line).equals("still-here"));
        }
    }

    /**
     * A hot standby across the JVMs of a node: the checksum server deployed in two runtimes. The
     * second finds the name taken, says so in one line (no ERROR, no stack trace) and stands by;
     * a client beside it is answered by the first. When the first runtime is killed with SIGKILL,
     * the second takes the name over within seconds and the client, opening the name again, is
     * answered by it.
     */
    @Test
    public void aSecondServerStandsByAndTakesTheNameOverWhenTheFirstJvmIsKilled() throws Exception {
        Path root = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "nodes-");
        String node = "standby-" + ProcessHandle.current().pid();
        try (ChildRuntime first = new ChildRuntime().node(node, root);
                ChildRuntime second = new ChildRuntime().node(node, root)) {
            first.start();
            second.start();
            first.mv("example-checksum-api");
            first.mv("example-checksum-server");
            first.await("the first server attached the name", ChildRuntime.START_LIMIT,
                    line -> line.contains("checksum server: pid") && line.contains("attached 'checksum'"));
            second.mv("example-checksum-api");
            second.mv("example-checksum-server");
            second.mv("example-checksum-client");
            second.await("the second server stands by", ChildRuntime.START_LIMIT,
                    line -> line.contains("'checksum' is served by another process of the node; standing by"));
            second.awaitActive("io.courier.example-checksum-client", ChildRuntime.START_LIMIT);
            int mark = second.output().size();
            second.type("checksum hello");
            second.awaitFrom(mark, "the first runtime's server answers", LIMIT, line -> ChildRuntime.bare(line).equals("532"));

            first.sigkill();
            long killed = System.nanoTime();
            second.awaitFrom(mark, "the standby takes the name over", LIMIT,
                    line -> line.contains("checksum server: pid") && line.contains("took over 'checksum'"));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
            if (ms > 5_000) {
                throw new AssertionError("the standby took the name over " + ms + " ms after the kill");
            }
            System.out.println("the standby checksum server took the name over " + ms + " ms after the SIGKILL");
            // The client's connection died with the first server; its next calls open the name again.
            long end = System.nanoTime() + LIMIT.toNanos();
            while (true) {
                mark = second.output().size();
                second.type("checksum hello");
                String line = ChildRuntime.bare(second.awaitFrom(mark, "checksum answers", LIMIT,
                        l -> ChildRuntime.bare(l).equals("532") || ERRNO.matcher(l).find()));
                if (line.equals("532")) {
                    break;
                }
                if (System.nanoTime() > end) {
                    throw new AssertionError("the standby server never answered; last: " + line);
                }
                Thread.sleep(100);
            }
            if (!second.trouble().isEmpty()) {
                throw new AssertionError("the second runtime printed " + second.trouble());
            }
        }
    }

    /**
     * The async example server as a hot standby: deployed in two runtimes of the node, the second
     * stands by (one line, no ERROR). A client beside it, connected by the asynchronous name
     * (store and forward, within its JVM), has its messages kept; once the first runtime is
     * killed with SIGKILL, the standby takes the name over and the kept messages and the next
     * ones are delivered to it, none failed.
     */
    @Test
    public void theAsyncServerStandsByAndTakesOverWithTheMessagesKeptForItsName() throws Exception {
        Path root = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "nodes-");
        String node = "standby-async-" + ProcessHandle.current().pid();
        try (ChildRuntime first = new ChildRuntime().node(node, root);
                ChildRuntime second = new ChildRuntime().node(node, root)) {
            second.configure("io.courier.examples.async.client.AsyncClientComponent", java.util.Map.of("period.ms", "50"));
            first.start();
            second.start();
            first.mv("example-async-api");
            first.mv("example-async-server");
            first.await("the first server attached its names", ChildRuntime.START_LIMIT,
                    line -> line.contains("asynch_server: pid") && line.contains("achid"));
            second.mv("example-async-api");
            second.mv("example-async-server");
            second.await("the second server stands by", ChildRuntime.START_LIMIT,
                    line -> line.contains("asynch_server: pid") && line.contains("is served by another process of the node;"
                            + " standing by"));
            second.mv("example-async-client");
            second.awaitActive("io.courier.example-async-client", ChildRuntime.START_LIMIT);

            first.sigkill();
            second.await("the standby takes the name over", LIMIT,
                    line -> line.contains("asynch_server: pid") && line.contains("took over"));
            second.awaitAsyncDelivered(20, ChildRuntime.START_LIMIT, "to the standby once it took over");
            if (!second.trouble().isEmpty()) {
                throw new AssertionError("the second runtime printed " + second.trouble());
            }
        }
    }

    /**
     * The seed's asyncmsg pair (technote example 6) split across two runtimes of one node, as a
     * user sets it up: the server's jars in one runtime's {@code deploy/}, the client's in the
     * other's, the client in chid mode ({@code conf/*.cfg}, ConfigAdmin). It asks the server in the
     * other JVM for its asynchronous chid by name, attaches to it, and its messages are delivered
     * there, none failed. When the server's JVM is killed with SIGKILL, what the client puts then
     * fails with an errno, and its runtime lives on.
     */
    @Test
    public void shouldDeliverTheAsyncExampleClientsMessagesToItsServerInAnotherRuntime() throws Exception {
        Path root = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "nodes-");
        String node = "it-async-" + ProcessHandle.current().pid();
        try (ChildRuntime server = new ChildRuntime().node(node, root);
                ChildRuntime client = new ChildRuntime().node(node, root)) {
            client.configure("io.courier.examples.async.client.AsyncClientComponent",
                    java.util.Map.of("mode", "chid", "period.ms", "50"));
            server.start();
            client.start();
            server.mv("example-async-api");
            server.mv("example-async-server");
            server.awaitActive("io.courier.example-async-server", ChildRuntime.START_LIMIT);
            client.mv("example-async-api");
            client.mv("example-async-client");
            client.awaitActive("io.courier.example-async-client", ChildRuntime.START_LIMIT);
            client.awaitAsyncDelivered(20, ChildRuntime.START_LIMIT, "to the server in the other runtime");

            server.sigkill();
            long end = System.nanoTime() + ChildRuntime.START_LIMIT.toNanos();
            while (true) {
                int mark = client.output().size();
                client.type("asyncstat");
                String line = ChildRuntime.bare(client.awaitFrom(mark, "asyncstat answers", LIMIT,
                        l -> ChildRuntime.bare(l).startsWith("asyncstat:")));
                if (ERRNO.matcher(line).find()) {
                    break; // messages put after the server's JVM died failed with its errno
                }
                if (System.nanoTime() > end) {
                    throw new AssertionError("no message failed after the server's JVM died: " + line);
                }
                Thread.sleep(300);
            }
            int mark = client.output().size();
            client.type("echo still-here");
            client.awaitFrom(mark, "the client's runtime lives on", LIMIT,
                    line -> ChildRuntime.bare(line).equals("still-here"));
        }
    }

    /**
     * The pathname space is the node's: the example resource manager deployed in one runtime is
     * listed, read and written by path from the other's shell ({@code ls}, {@code cat},
     * {@code write}), its messages crossing JVMs, and the manager's log never calls the other
     * runtime's living client dead; when its JVM is killed the path is gone.
     */
    @Test
    public void shouldReachAResourceManagerOfAnotherRuntimeByPath() throws Exception {
        Path root = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "nodes-");
        String node = "itp-" + ProcessHandle.current().pid();
        try (ChildRuntime manager = new ChildRuntime().node(node, root);
                ChildRuntime user = new ChildRuntime().node(node, root)) {
            manager.start();
            user.start();
            manager.mv("example-rm-sample");
            manager.await("the manager attached /dev/sample", ChildRuntime.START_LIMIT,
                    line -> line.contains("/dev/sample attached by pid"));
            user.awaitActive("io.courier.resmgr", ChildRuntime.START_LIMIT);

            int mark = user.output().size();
            user.type("ls /dev");
            user.awaitFrom(mark, "ls in the other runtime lists the path", LIMIT,
                    line -> line.matches(".*c[-rw]{9} .* sample"));
            mark = user.output().size();
            user.type("cat /dev/sample");
            user.awaitFrom(mark, "cat in the other runtime reads the manager", LIMIT,
                    line -> ChildRuntime.bare(line).equals("Hello from /dev/sample"));
            user.type("write /dev/sample written across JVMs");
            mark = user.output().size();
            user.type("cat /dev/sample");
            user.awaitFrom(mark, "what the other runtime wrote reads back", LIMIT,
                    line -> ChildRuntime.bare(line).equals("written across JVMs"));
            mark = manager.output().size();
            manager.type("cat /dev/sample");
            manager.awaitFrom(mark, "the manager's own runtime reads it too", LIMIT,
                    line -> ChildRuntime.bare(line).equals("written across JVMs"));
            // Each cat of the other runtime closed its last connection here, and its process lives
            // on: the manager's log does not call it dead (its stand-in is released quietly).
            java.util.List<String> died = manager.output().stream()
                    .filter(line -> line.matches(".*process \\d+ \\(pid \\d+ of node member .*\\) died.*")).toList();
            if (!died.isEmpty()) {
                throw new AssertionError("the manager's runtime reports a living client dead: " + died);
            }

            manager.sigkill();
            Thread.sleep(1000); // the member watcher declares the JVM dead within about 200 ms
            mark = user.output().size();
            user.type("cat /dev/sample");
            user.awaitFrom(mark, "the path of the killed JVM is gone", LIMIT,
                    line -> line.contains("ENOENT"));
        }
    }
}
