package io.courier.itest;

import static io.courier.itest.ChildRuntime.bare;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The assembled runtime ({@code runtime/target/courier}) as a person runs it, without a terminal
 * ({@link ChildRuntime}): the test types Gogo's {@code lb} through the pipe, drops a bundle into
 * {@code deploy/}, closes the input (the runtime must keep running), and stops it with SIGTERM
 * (the components must be deactivated).
 */
public class RuntimeProcessTest {
    private static final Duration START_LIMIT = Duration.ofSeconds(20);
    private static final Duration LIMIT = Duration.ofSeconds(5);

    private ChildRuntime runtime;

    @Before
    public void copyRuntime() throws Exception {
        runtime = new ChildRuntime();
    }

    @After
    public void killRuntime() throws Exception {
        runtime.close();
    }

    @Test
    public void shouldRunWithoutATerminalHotDeployAndStopCleanlyOnSigterm() throws Exception {
        runtime.start();
        runtime.await("the kernel booted", START_LIMIT, line -> line.contains("Courier kernel booted"));
        for (String name : CourierTestSupport.COURIER_BUNDLES) {
            runtime.awaitActive(name, START_LIMIT);
        }

        runtime.deploy(CourierTestSupport.courierJar("example-hello"), "example-hello.jar");
        runtime.awaitActive("io.courier.example-hello", LIMIT);

        // The checksum example pair, dropped in as a user would, driven through Gogo.
        for (String example : new String[] {"example-checksum-server", "example-checksum-client"}) {
            runtime.deploy(CourierTestSupport.courierJar(example), example + ".jar");
        }
        runtime.awaitActive("io.courier.example-checksum-client", LIMIT);
        runtime.type("checksum hello");
        runtime.await("the checksum command answers", LIMIT, line -> bare(line).equals("532"));
        runtime.type("names");
        runtime.await("names lists the server", LIMIT, line -> bare(line).startsWith("checksum "));
        runtime.type("pidin");
        runtime.await("pidin shows the server RECEIVE-blocked", LIMIT,
                line -> line.contains("io.courier.example-checksum-server/checksum-server") && line.contains("RECEIVE"));
        runtime.type("pidin fd");
        runtime.await("pidin fd answers with its table", LIMIT, line -> bare(line).matches("pid +name +coid +server +chid +scoid"));

        runtime.closeInput();
        runtime.await("the shell ends with its input", LIMIT, line -> line.contains("gosh: stopping shell"));
        Thread.sleep(500);
        assertTrue("the runtime keeps running when its input ends", runtime.isAlive());

        assertTrue("the runtime stops within 10 s of SIGTERM", runtime.terminate(Duration.ofSeconds(10)));
        assertTrue("the kernel component was deactivated\n" + String.join("\n", runtime.output()),
                runtime.output().stream().anyMatch(line -> line.contains("Courier kernel closed")));
    }
}
