package io.courier.itest;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * SPEC B2 with K14 and K16, as a user meets it: two runtimes started by {@code bin/start} in one
 * node, the checksum server in the first, the checksum client in the second. The second
 * runtime's {@code pidin} and {@code names} show the server's process and name with the first
 * runtime's OS pid, and the name is a {@code NameInfo} service there: the client's optional,
 * dynamic DS reference binds to it, as to a local server, and logs it. Once the first runtime
 * is killed with SIGKILL, the service is withdrawn (the client logs its release) and {@code
 * pidin} and {@code names} no longer show anything of it.
 */
public class RuntimesInOneNodeViewTest {
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final Pattern ATTACHED = Pattern.compile("checksum server: pid (\\d+) attached 'checksum' on chid (\\d+)");

    /** Types {@code command} then an echo, and returns the lines between (its output). */
    private static List<String> run(ChildRuntime runtime, String command) throws Exception {
        int mark = runtime.output().size();
        String end = "end-of-" + command.replace(' ', '-') + "-" + System.nanoTime();
        runtime.type(command);
        runtime.type("echo " + end);
        runtime.awaitFrom(mark, command + " answers", LIMIT, line -> ChildRuntime.bare(line).equals(end));
        List<String> lines = runtime.output();
        return lines.subList(mark, lines.size()).stream().map(ChildRuntime::bare).toList();
    }

    private static boolean any(List<String> lines, String regex) {
        Pattern p = Pattern.compile(regex);
        return lines.stream().anyMatch(l -> p.matcher(l).find());
    }

    @Test
    public void shouldShowAndPublishTheServerOfAnotherRuntimeOfTheNodeUntilItIsKilled() throws Exception {
        Path root = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "nodes-");
        String node = "itv-" + ProcessHandle.current().pid();
        try (ChildRuntime server = new ChildRuntime().node(node, root);
                ChildRuntime client = new ChildRuntime().node(node, root)) {
            server.start();
            client.start();
            server.mv("example-checksum-api");
            server.mv("example-checksum-server");
            String attached = server.await("the server attached its name", ChildRuntime.START_LIMIT,
                    line -> ATTACHED.matcher(line).find());
            Matcher m = ATTACHED.matcher(attached);
            assertTrue(m.find());
            String pid = m.group(1);
            String chid = m.group(2);
            long serverJvm = server.process().pid();
            long clientJvm = client.process().pid();
            client.mv("example-checksum-api");
            client.mv("example-checksum-client");
            client.awaitActive("io.courier.example-checksum-client", ChildRuntime.START_LIMIT);

            // The client's DS reference to the NameInfo service of 'checksum' bound to the other JVM's name.
            client.await("the client discovered the server of the other runtime as a service", LIMIT,
                    line -> line.contains("checksum client: server pid " + pid + " holds 'checksum'"));
            List<String> pidin = run(client, "pidin");
            String serverRow = "^" + serverJvm + "\\s+" + pid + "\\s+-\\s+io\\.courier\\.example-checksum-server\\s+-\\s+"
                    + "(RECEIVE|\\(several\\))\\s+\\d+ threads? \\(other JVM\\)";
            if (!any(pidin, serverRow)) {
                Thread.sleep(500); // the server's JVM writes its threads' states every 200 ms
                pidin = run(client, "pidin");
            }
            assertTrue(String.join("\n", pidin), any(pidin, serverRow));
            assertTrue("this runtime's own rows carry its OS pid:\n" + String.join("\n", pidin),
                    any(pidin, "^" + clientJvm + "\\s+\\d+\\s+\\S+\\s+io\\.courier\\."));
            List<String> names = run(client, "names");
            assertTrue(String.join("\n", names),
                    any(names, "^checksum\\s+pid " + pid + " chid " + chid + " jvm " + serverJvm + "$"));

            server.sigkill();
            long killed = System.nanoTime();
            client.await("the service of the dead runtime's name is withdrawn", LIMIT,
                    line -> line.contains("checksum client: server pid " + pid + " released 'checksum'"));
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
            assertTrue("withdrawn " + tookMs + " ms after the kill", tookMs <= 2_000);
            pidin = run(client, "pidin");
            assertFalse(String.join("\n", pidin), any(pidin, "^" + serverJvm + "\\s"));
            names = run(client, "names");
            assertFalse(String.join("\n", names), any(names, "^checksum\\s"));
        }
    }
}
