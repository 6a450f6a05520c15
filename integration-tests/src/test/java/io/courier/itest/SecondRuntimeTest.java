package io.courier.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * SPEC B2 on the users' path: {@code ./courier run} run a second time in one checkout while the
 * first runtime runs. The second finds the first's folder in use and starts beside it, in
 * {@code runtime/target/courier-2} with a bundle cache, a {@code deploy/} folder and a web console
 * port of its own, in the same node: a client dropped into the first one's {@code deploy/} is
 * answered by the server dropped into the second's, found by name, and the first's {@code pidin}
 * shows that server in the other JVM. {@code bin/start} of a folder in use refuses with a message
 * and exit code 1, before any Java starts. The first runtime is a network node too
 * ({@code conf/io.courier.net.cfg}); the second is not (it would only fail to bind the first's
 * port), and says so. Neither runtime prints an ERROR line or a stack trace.
 * Once the first is killed with SIGKILL, its folder is free again: {@code ./courier run} starts
 * there, not beside it.
 */
public class SecondRuntimeTest {
    private static final Duration LIMIT = Duration.ofSeconds(10);

    @Test
    public void courierRunAgainStartsASecondRuntimeBesideTheFirstInItsNode() throws Exception {
        Path root = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "nodes-");
        String node = "beside-" + ProcessHandle.current().pid();
        try (ChildRuntime first = ChildRuntime.inCheckout().node(node, root);
                ChildRuntime second = ChildRuntime.besideInCheckout(first).node(node, root)) {
            ChildRuntime.NetPair.fresh().alpha(first); // the first is network node alpha too
            first.start();
            first.await("the first runtime is network node alpha", LIMIT,
                    line -> line.contains("node alpha on 127.0.0.1:") && line.contains("joined the network"));
            second.start();
            second.await("the second runtime says where it starts", LIMIT,
                    line -> line.contains("starting runtime 2 beside it in " + second.home()));
            second.await("the second runtime says it is not a network node", LIMIT,
                    line -> line.contains("runtime 2 is not a network node: conf/io.courier.net.cfg stays with runtime 1"));
            assertTrue("the first's network node is not in the second's conf/",
                    !Files.exists(second.home().resolve("conf/io.courier.net.cfg")));
            second.await("its web console listens on the port after the first's", LIMIT,
                    line -> line.contains("Started ServerConnector") && line.contains("127.0.0.1:" + second.httpPort()));
            assertEquals(first.httpPort() + 1, second.httpPort());

            Process refused = new ProcessBuilder("bash", "bin/start").directory(first.home().toFile()).redirectErrorStream(true)
                    .start();
            refused.getOutputStream().close();
            String said = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue("bin/start of a folder in use ends at once", refused.waitFor(10, TimeUnit.SECONDS));
            assertEquals(said, 1, refused.exitValue());
            assertTrue(said, said.contains("another runtime runs in " + first.home()));

            ChildRuntime.deployChecksumPair(second, first);
            int mark = first.output().size();
            first.type("checksum hello");
            first.awaitFrom(mark, "the server in the second runtime answers", LIMIT,
                    line -> ChildRuntime.bare(line).equals("532"));
            mark = first.output().size();
            first.type("pidin");
            first.awaitFrom(mark, "pidin in the first shows the server in the other JVM", LIMIT,
                    line -> line.contains("example-checksum-server") && line.contains("other JVM"));

            assertEquals(List.of(), first.trouble());
            assertEquals(List.of(), second.trouble());

            // The first killed: the OS let go of its folder's lock, and ./courier run starts there again.
            first.sigkill();
            try (ChildRuntime again = ChildRuntime.againInCheckout(first).node(node, root)) {
                again.start();
                again.await("./courier run starts in the folder the killed runtime left", LIMIT,
                        line -> line.contains("starting Felix in " + first.home()));
                assertTrue(again.output().stream().noneMatch(line -> line.contains("beside it")));
            }
        }
    }

    /**
     * Two {@code ./courier run} started at the same moment beside a running runtime: each takes a
     * folder of its own ({@code courier-2} and {@code courier-3}: a run takes its folder's lock
     * before it fills it, and {@code bin/start} keeps that lock), and neither is refused.
     */
    @Test
    public void twoRunsStartedTogetherBesideTheFirstEachTakeAFolderOfTheirOwn() throws Exception {
        Path root = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "nodes-");
        String node = "together-" + ProcessHandle.current().pid();
        try (ChildRuntime first = ChildRuntime.inCheckout().node(node, root);
                ChildRuntime a = ChildRuntime.besideInCheckout(first, 2).node(node, root);
                ChildRuntime b = ChildRuntime.besideInCheckout(first, 3).node(node, root)) {
            first.start();
            // A thread each (the common pool may have one), let go at once.
            java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            String failed = null;
            try {
                List<java.util.concurrent.Future<?>> starts = List.of(two.submit(() -> start(a, go)),
                        two.submit(() -> start(b, go)));
                go.countDown();
                for (java.util.concurrent.Future<?> f : starts) {
                    try {
                        f.get(60, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException e) {
                        failed = (failed == null ? "" : failed + "; ") + e.getCause().getMessage();
                    }
                }
            } finally {
                two.shutdownNow();
            }
            if (failed != null) {
                throw new AssertionError("a run did not start: " + failed + "\nA: " + a.output() + "\nB: " + b.output());
            }
            java.util.Set<String> folders = new java.util.HashSet<>();
            for (ChildRuntime r : List.of(a, b)) {
                String line = r.await("the run says where it starts", LIMIT, l -> l.contains("beside it in "));
                folders.add(line.replaceAll(".*beside it in (\\S+) .*", "$1"));
                assertTrue(r.output().stream().noneMatch(l -> l.contains("another runtime runs in")));
                assertEquals(List.of(), r.trouble());
            }
            assertEquals(java.util.Set.of(first.home().resolveSibling("courier-2").toString(),
                    first.home().resolveSibling("courier-3").toString()), folders);
        }
    }

    private static void start(ChildRuntime r, java.util.concurrent.CountDownLatch go) {
        try {
            if (!go.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not let go");
            }
            r.start();
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
