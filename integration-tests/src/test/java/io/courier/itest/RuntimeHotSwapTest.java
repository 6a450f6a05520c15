package io.courier.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * SPEC B1 against the assembled runtime, as a user does it: {@code ./courier run}'s folder, the
 * checksum and asynchronous example pairs dropped into {@code deploy/}, a load started from the
 * shell ({@code asyncload ... &} and {@code checksumload}), and each server jar replaced
 * {@value #SWAPS} times while it runs, alternately copied over and moved in. Then the servers are
 * deleted: the client stays Active and a call answers ENOENT; put back, calls succeed again.
 * SIGTERM ends it. The figures are the runtime's own: {@code checksumload}'s line, {@code
 * asyncstat}'s, and the runs of numbers each asynchronous server instance logged at its stop,
 * which must follow each other from #1 with no gap and no overlap, each in order.
 */
public class RuntimeHotSwapTest {
    /** Replacements of each server jar under load. */
    static final int SWAPS = 10;
    private static final long LOAD_MILLIS = 20_000;
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final String[] BUNDLES = {"example-checksum-api", "example-async-api", "example-checksum-server",
        "example-async-server", "example-checksum-client", "example-async-client"};
    private static final String[] SERVERS = {"example-checksum-server", "example-async-server"};
    private static final Pattern LOAD = Pattern.compile("checksumload: sent (\\d+) answered (\\d+) wrong (\\d+)"
            + " failed \\{(.*)} lost (\\d+) longest-stall (\\d+) ms.*");
    private static final Pattern STAT = Pattern.compile(
            "asyncstat: put (\\d+) delivered (\\d+) failed \\{(.*)} pending (-?\\d+) longest-wait (\\d+) ms");
    private static final Pattern RUN = Pattern.compile(
            "asynch_server: pid (\\d+) got #(\\d+)\\.\\.#(\\d+) from pid (\\d+): (\\d+), (in order|NOT in order)");

    private ChildRuntime runtime;

    @Before
    public void copyRuntime() throws Exception {
        runtime = new ChildRuntime();
    }

    @After
    public void killRuntime() throws Exception {
        runtime.close();
    }

    /** A line saying a server instance came up. */
    private static Predicate<String> up(String server) {
        return server.contains("checksum")
                ? line -> line.contains("checksum server: pid") && line.contains("attached 'checksum'")
                : line -> line.contains("asynch_server: pid") && line.contains(" achid ");
    }

    @Test
    public void shouldLoseNothingWhileServerJarsAreReplacedUnderLoadInTheRuntime() throws Exception {
        runtime.start();
        for (String bundle : BUNDLES) {
            runtime.mv(bundle);
        }
        for (String bundle : BUNDLES) {
            runtime.awaitActive("io.courier." + bundle, ChildRuntime.START_LIMIT);
        }
        runtime.type("asyncload " + LOAD_MILLIS + " &");
        runtime.type("checksumload 3 " + LOAD_MILLIS);
        long loadStart = System.nanoTime();
        Thread.sleep(300);

        List<Long> pickups = new ArrayList<>();
        for (int swap = 1; swap <= SWAPS; swap++) {
            for (String server : SERVERS) {
                long before = runtime.count(up(server));
                long t0 = System.nanoTime();
                if (swap % 2 == 1) {
                    runtime.cpOver(server);
                } else {
                    runtime.mv(server);
                }
                long deadline = System.nanoTime() + LIMIT.toNanos();
                while (runtime.count(up(server)) <= before) {
                    assertTrue(server + " replaced (swap " + swap + ")\n" + String.join("\n", runtime.output()),
                            System.nanoTime() - deadline < 0);
                    Thread.sleep(5);
                }
                pickups.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            }
        }
        long swapsDone = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - loadStart);
        assertTrue("every swap happened under load (" + swapsDone + " ms of " + LOAD_MILLIS + ")",
                swapsDone < LOAD_MILLIS);

        Matcher load = LOAD.matcher(ChildRuntime.bare(runtime.await("checksumload's figures",
                Duration.ofMillis(LOAD_MILLIS + 40_000), line -> LOAD.matcher(ChildRuntime.bare(line)).matches())));
        assertTrue(load.matches());
        Thread.sleep(Math.max(0, LOAD_MILLIS + 500 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - loadStart)));
        Matcher stat = awaitSettled();

        // The servers deleted: the client stays, a call answers ENOENT; put back, calls work again.
        int mark = runtime.output().size();
        for (String server : SERVERS) {
            runtime.rm(server);
        }
        for (String server : SERVERS) {
            runtime.awaitFrom(mark, server + " uninstalled", LIMIT,
                    line -> line.contains("Uninstalling bundle") && line.contains("io.courier." + server + ")"));
        }
        mark = runtime.output().size();
        runtime.type("checksum hello");
        runtime.awaitFrom(mark, "a call without its server answers ENOENT", LIMIT, line -> line.contains("ENOENT"));
        runtime.awaitActive("io.courier.example-checksum-client", LIMIT);
        runtime.awaitActive("io.courier.example-async-client", LIMIT);
        for (String server : SERVERS) {
            runtime.mv(server);
        }
        runtime.awaitActive("io.courier.example-checksum-server", LIMIT);
        mark = runtime.output().size();
        runtime.type("checksum hello");
        runtime.awaitFrom(mark, "calls succeed again", LIMIT, line -> ChildRuntime.bare(line).equals("532"));

        runtime.sigterm(Duration.ofSeconds(10));
        List<long[]> runs = new ArrayList<>();
        boolean allInOrder = true;
        for (String line : runtime.output()) {
            Matcher m = RUN.matcher(line);
            if (m.find()) {
                runs.add(new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), Long.parseLong(m.group(5))});
                allInOrder &= m.group(6).equals("in order");
            }
        }
        runs.sort(Comparator.comparingLong(r -> r[0]));
        long next = 1;
        long gapsOrOverlaps = 0;
        for (long[] r : runs) {
            if (r[0] != next || r[2] != r[1] - r[0] + 1) {
                gapsOrOverlaps++;
            }
            next = r[1] + 1;
        }
        long put = Long.parseLong(stat.group(1));
        List<Long> sorted = pickups.stream().sorted().toList();
        System.out.printf("RuntimeHotSwapTest: %d swaps of each server jar in %d ms under load; swap picked up and"
                + " the new server up in %d ms (median), %d ms (longest)%n"
                + "  sync:  sent %s answered %s wrong %s failed {%s} lost %s longest stall %s ms%n"
                + "  async: put %d delivered %s failed {%s} pending %s; %d server runs, numbers #1..#%d"
                + " with %d gaps or overlaps, %s; longest put-to-callback %s ms%n",
                SWAPS, swapsDone, sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1),
                load.group(1), load.group(2), load.group(3), load.group(4), load.group(5), load.group(6),
                put, stat.group(2), stat.group(3), stat.group(4), runs.size(), next - 1, gapsOrOverlaps,
                allInOrder ? "each in order" : "NOT ALL IN ORDER", stat.group(5));

        assertEquals("no sync call lost (every call returned)", "0", load.group(5));
        assertEquals("no wrong checksum", "0", load.group(3));
        assertEquals("a swap costs a sync client no error", "", load.group(4));
        assertEquals("every async message put was delivered", stat.group(1), stat.group(2));
        assertEquals("no async callback reported a failure", "", stat.group(3));
        assertTrue("each server instance under load got a share: " + runs.size() + " runs", runs.size() > SWAPS);
        assertEquals("the runs follow each other from #1: none lost, none twice", 0, gapsOrOverlaps);
        assertTrue("each run in order", allInOrder);
        assertTrue("every number put up to asyncstat arrived: #" + (next - 1) + " of " + put, next - 1 >= put);
        assertTrue("a swap is picked up and served well under a second (median " + sorted.get(sorted.size() / 2)
                + " ms)", sorted.get(sorted.size() / 2) < 1000);
        assertEquals("no ERROR line and no stack trace\n" + String.join("\n", runtime.output()), List.of(),
                runtime.trouble());
    }

    /** Types {@code asyncstat} until every message put has had its callback. */
    private Matcher awaitSettled() throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        for (;;) {
            int mark = runtime.output().size();
            runtime.type("asyncstat");
            Matcher m = STAT.matcher(ChildRuntime.bare(runtime.awaitFrom(mark, "asyncstat answers", LIMIT,
                    line -> STAT.matcher(ChildRuntime.bare(line)).matches())));
            assertTrue(m.matches());
            if (m.group(4).equals("0")) {
                return m;
            }
            assertTrue("every async callback ran: " + m.group(), System.nanoTime() - deadline < 0);
            Thread.sleep(100);
        }
    }
}
