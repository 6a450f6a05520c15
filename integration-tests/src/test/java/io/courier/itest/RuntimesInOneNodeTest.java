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
            server.mv("example-checksum-api");
            server.mv("example-checksum-server");
            client.mv("example-checksum-api");
            client.mv("example-checksum-client");
            server.await("the server attached its name", ChildRuntime.START_LIMIT,
                    line -> line.contains("checksum server: pid") && line.contains("attached 'checksum'"));
            client.awaitActive("io.courier.example-checksum-client", ChildRuntime.START_LIMIT);

            int mark = client.output().size();
            client.type("checksum hello");
            client.awaitFrom(mark, "the server in the other runtime answers", LIMIT,
                    line -> ChildRuntime.bare(line).equals("532"));

            server.process().destroyForcibly(); // SIGKILL
            if (!server.process().waitFor(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the server's runtime did not end on SIGKILL");
            }
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
}
