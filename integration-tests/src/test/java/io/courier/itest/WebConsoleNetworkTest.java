package io.courier.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * Issue 21 (SPEC B3 with B6): two runtimes started by {@code bin/start}, each a node of a network
 * through {@code conf/io.courier.net.cfg}. The console of one (its JSON, and the page "Node and
 * network" in a real browser) names this node and lists the other with its nd and address, up;
 * once the other runtime is killed with SIGKILL, down. Neither runtime is in a node of JVMs: the
 * page says so.
 */
public class WebConsoleNetworkTest {
    private static final String USER = "courier";
    private static final String PASSWORD = "pw-" + UUID.randomUUID();
    private static final Duration LIMIT = Duration.ofSeconds(20);

    /** The row of node {@code name} in the console's JSON, or null when it lists none. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> node(Map<String, Object> data, String name) {
        Map<String, Object> network = (Map<String, Object>) data.get("network");
        for (Object n : (List<Object>) network.get("nodes")) {
            Map<String, Object> row = (Map<String, Object>) n;
            if (name.equals(row.get("name"))) {
                return row;
            }
        }
        return null;
    }

    /** Reads the console's JSON until node {@code name} is {@code up} (or not); returns that answer. */
    private static Map<String, Object> awaitJson(WebConsole console, String name, boolean up) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        for (;;) {
            Map<String, Object> data = console.json("courier-node", "");
            Map<String, Object> row = node(data, name);
            if (row != null && Boolean.valueOf(up).equals(row.get("up"))) {
                return data;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(name + " not " + (up ? "up" : "down") + " within " + LIMIT + ": " + data);
            }
            Thread.sleep(200);
        }
    }

    /** Reloads the page until the network table's row of {@code name} reads {@code cells}. */
    private static void awaitRow(WebConsole console, String cells) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        for (;;) {
            console.open("courier-node"); // a reload
            String table = console.text("courier-table-network");
            if (List.of(table.split("\n")).stream().anyMatch(line -> line.startsWith(cells))) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("no row " + cells.replace('\t', '|') + " within " + LIMIT + ":\n" + table);
            }
            Thread.sleep(250);
        }
    }

    @Test
    public void theConsoleListsTheOtherNodeUpAndDownOnceItIsKilled() throws Exception {
        ChildRuntime.NetPair net = ChildRuntime.NetPair.fresh();
        int pb = net.betaPort();
        try (ChildRuntime b = new ChildRuntime()) {
            net.beta(b);
            b.start();
            try (WebConsole a = WebConsole.start(USER, PASSWORD, net::alpha)) {
                Map<String, Object> data = awaitJson(a, "beta", true);
                @SuppressWarnings("unchecked")
                Map<String, Object> network = (Map<String, Object>) data.get("network");
                assertEquals(true, network.get("configured"));
                assertEquals("alpha", network.get("name"));
                Map<String, Object> alpha = node(data, "alpha");
                assertEquals(0L, alpha.get("nd"));
                assertEquals(true, alpha.get("self"));
                Map<String, Object> beta = node(data, "beta");
                assertEquals(1L, beta.get("nd"));
                assertEquals("127.0.0.1:" + pb, beta.get("address"));
                assertEquals(false, beta.get("self"));

                a.logIn();
                a.open("courier-node");
                assertEquals("Not in a node: this JVM (OS pid " + a.runtime.process().pid()
                        + ") runs alone. Its processes are on the Processes page.", a.text("courier-node-none"));
                awaitRow(a, "0\talpha\t(this node)\tup");
                awaitRow(a, "1\tbeta\t127.0.0.1:" + pb + "\tup");
                String summary = a.text("courier-network-summary");
                assertTrue(summary, summary.startsWith("This node is alpha on the network; 1 of 1 other nodes up."));

                b.sigkill();
                long killed = System.nanoTime();
                awaitRow(a, "1\tbeta\t127.0.0.1:" + pb + "\tdown");
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
                assertTrue("beta shown down " + ms + " ms after the kill", ms <= 10_000);
                assertEquals(false, node(a.json("courier-node", ""), "beta").get("up"));
                String after = a.text("courier-network-summary");
                assertTrue(after, after.startsWith("This node is alpha on the network; 0 of 1 other nodes up."));
                a.screenshot("console-network");
            }
        }
    }
}
