package io.courier.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * Issue 20 (SPEC B2 with B6) in a real browser: two runtimes started by {@code bin/start} in one
 * node, the checksum server deployed in the first. The second runtime's console, page "Node and
 * network", lists both JVMs (its own marked) and the server's process with the first runtime's
 * OS pid beside its own processes; once the first runtime is killed with SIGKILL, the page
 * (reloaded) shows nothing of it. Neither runtime is configured for a network: the page says so.
 */
public class WebConsoleNodeTest {
    private static final String USER = "courier";
    private static final String PASSWORD = "pw-" + UUID.randomUUID();
    private static final Duration LIMIT = Duration.ofSeconds(15);
    private static final Pattern ATTACHED = Pattern.compile("checksum server: pid (\\d+) attached 'checksum' on chid (\\d+)");
    private static final String SERVER = "io.courier.example-checksum-server";

    /** The rows of a table as the browser shows them: one line each, its cells' text separated by tabs. */
    private static List<String[]> rows(WebConsole console, String id) {
        return Arrays.stream(console.text(id).split("\n")).map(line -> line.split("\t", -1)).toList();
    }

    private static boolean anyRow(List<String[]> rows, java.util.function.Predicate<String[]> row) {
        return rows.stream().anyMatch(row);
    }

    @Test
    public void theConsoleOfOneRuntimeShowsTheOtherJvmOfTheNodeAndItsProcessesUntilItIsKilled() throws Exception {
        Path root = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "nodes-");
        String node = "itw-" + ProcessHandle.current().pid();
        try (ChildRuntime server = new ChildRuntime().node(node, root)) {
            server.start();
            server.mv("example-checksum-api");
            server.mv("example-checksum-server");
            Matcher m = ATTACHED.matcher(server.await("the server attached its name", ChildRuntime.START_LIMIT,
                    line -> ATTACHED.matcher(line).find()));
            assertTrue(m.find());
            String pid = m.group(1);
            String serverJvm = Long.toString(server.process().pid());

            try (WebConsole console = WebConsole.start(USER, PASSWORD, runtime -> runtime.node(node, root))) {
                String consoleJvm = Long.toString(console.runtime.process().pid());
                console.logIn();
                console.open("courier-node");

                // Both JVMs, this one marked; the server's process with its JVM's OS pid, beside this JVM's own.
                console.waitFor("both JVMs of the node listed", d -> {
                    List<String[]> jvms = rows(console, "courier-table-jvms");
                    return anyRow(jvms, r -> r.length > 2 && r[1].equals(serverJvm) && r[2].isEmpty())
                            && anyRow(jvms, r -> r.length > 2 && r[1].equals(consoleJvm) && r[2].equals("this JVM"));
                });
                console.waitFor("the server's process with the first runtime's OS pid", d -> anyRow(
                        rows(console, "courier-table-node-processes"), r -> r.length == 6 && r[0].equals(serverJvm)
                                && r[2].equals(pid) && r[3].equals(SERVER)));
                List<String[]> processes = rows(console, "courier-table-node-processes");
                assertTrue("this JVM's processes beside the other's: " + console.text("courier-table-node-processes"),
                        anyRow(processes, r -> r.length == 6 && r[0].equals(consoleJvm)
                                && r[3].startsWith("io.courier.")));
                assertFalse("the server runs in the other JVM only",
                        anyRow(processes, r -> r.length == 6 && r[0].equals(consoleJvm) && r[3].equals(SERVER)));
                String summary = console.text("courier-node-summary");
                assertTrue(summary, summary.startsWith("Node " + node + ": 2 JVMs,"));
                assertTrue(summary, summary.contains("OS pid " + consoleJvm));
                assertEquals("No network configured: this node is on no network (conf/io.courier.net.cfg).",
                        console.text("courier-network-none"));

                // The same, as a script reads it.
                @SuppressWarnings("unchecked")
                Map<String, Object> data = (Map<String, Object>) console.json("courier-node", "").get("node");
                assertEquals(node, data.get("name"));
                assertTrue(data.toString(), ((List<?>) data.get("processes")).stream().map(p -> (Map<?, ?>) p)
                        .anyMatch(p -> SERVER.equals(p.get("process")) && pid.equals(String.valueOf(p.get("pid")))
                                && serverJvm.equals(String.valueOf(p.get("osPid"))) && Boolean.FALSE.equals(p.get("self"))));
                console.screenshot("console-node");

                server.sigkill();
                long deadline = System.nanoTime() + LIMIT.toNanos();
                for (;;) {
                    console.open("courier-node"); // a reload
                    String jvms = console.text("courier-table-jvms");
                    String table = console.text("courier-table-node-processes");
                    if (!jvms.contains(serverJvm) && !table.contains(serverJvm) && !table.contains(SERVER)) {
                        break;
                    }
                    if (System.nanoTime() - deadline > 0) {
                        throw new AssertionError("the killed runtime still shown after " + LIMIT + ":\n" + jvms + "\n" + table);
                    }
                    Thread.sleep(250);
                }
                assertTrue(console.text("courier-table-jvms"), anyRow(rows(console, "courier-table-jvms"),
                        r -> r.length > 2 && r[1].equals(consoleJvm) && r[2].equals("this JVM")));
                String after = console.text("courier-node-summary");
                assertTrue(after, after.startsWith("Node " + node + ": 1 JVM,"));
                assertTrue(console.text("courier-table-node-processes"),
                        anyRow(rows(console, "courier-table-node-processes"), r -> r.length == 6 && r[0].equals(consoleJvm)));
            }
        }
    }
}
