package io.courier.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The assembled runtime ({@code runtime/target/courier}) as a person runs it, without a terminal:
 * the test types Gogo commands through a pipe, drops every example bundle into {@code deploy/},
 * uses the Courier commands (plain {@code cat} and {@code ls} are Courier's there), closes the
 * input (the runtime must keep running), and stops it with SIGTERM: the components
 * are deactivated, and nothing the runtime printed, from start to stop, is an ERROR line or a
 * stack trace.
 */
public class RuntimeProcessTest {
    private static final Duration LIMIT = Duration.ofSeconds(15);
    private static final String[] COURIER_BUNDLES = {
        "io.courier.kernel", "io.courier.asyncmsg", "io.courier.shm", "io.courier.resmgr"};
    /** Every example bundle, API bundles first, as a user would drop them. */
    static final String[] EXAMPLES = {
        "example-checksum-api", "example-async-api", "example-shm-handles-api", "example-shm-posix-api",
        "example-hello", "example-checksum-server", "example-checksum-client", "example-async-server",
        "example-async-client", "example-shm-handles-server", "example-shm-handles-client",
        "example-shm-posix-creator", "example-shm-posix-user", "example-rm-sample", "example-rm-fs"};

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
        for (String name : COURIER_BUNDLES) {
            runtime.awaitActive(name, ChildRuntime.START_LIMIT);
        }
        for (String example : EXAMPLES) {
            runtime.mv(example);
        }
        for (String example : EXAMPLES) {
            runtime.awaitActive("io.courier." + example, LIMIT);
        }
        runtime.type("checksum hello");
        runtime.await("the checksum command answers", LIMIT, line -> ChildRuntime.bare(line).equals("532"));
        runtime.type("names");
        runtime.await("names lists the server", LIMIT, line -> ChildRuntime.bare(line).startsWith("checksum "));
        runtime.type("pidin");
        runtime.await("pidin shows the server RECEIVE-blocked", LIMIT,
                line -> line.contains("io.courier.example-checksum-server/checksum-server") && line.contains("RECEIVE"));
        runtime.type("pidin fd");
        runtime.await("pidin fd answers with its table", LIMIT,
                line -> ChildRuntime.bare(line).matches("pid +name +coid +server +chid +scoid"));
        runtime.await("the shm examples exchanged through shared memory", LIMIT,
                line -> line.contains("Got from server pid"));
        runtime.await("the POSIX shared memory user follows the creator", LIMIT,
                line -> line.contains("Data in shared memory was: 'data update: "));

        // Plain cat and ls are Courier's in the runtime's shell; the host's files stay at hand.
        runtime.await("the welcome, printed by the profile with gogo:cat", LIMIT,
                line -> line.startsWith("Courier on Apache Felix."));
        int mark = runtime.output().size();
        runtime.type("cat /dev/name/local");
        runtime.awaitFrom(mark, "cat of a directory lists its names", LIMIT,
                line -> ChildRuntime.bare(line).equals("shmem_server"));
        mark = runtime.output().size();
        runtime.type("ls /dev/name/local");
        runtime.awaitFrom(mark, "ls lists the attached names", LIMIT,
                line -> line.matches("(courier\\$ )?n[-rw]{9} +\\d+ +\\d+ +\\d+ checksum"));
        mark = runtime.output().size();
        runtime.type("cat /dev/sample");
        runtime.awaitFrom(mark, "cat reads a resource manager", LIMIT,
                line -> ChildRuntime.bare(line).equals("Hello from /dev/sample"));
        mark = runtime.output().size();
        runtime.type("ls /");
        runtime.awaitFrom(mark, "ls / is Courier's root", LIMIT, line -> line.matches(".*d[-rwx]{9} .* ramfs/"));
        mark = runtime.output().size();
        runtime.type("gogo:cat etc/motd");
        runtime.awaitFrom(mark, "gogo:cat still reads the host's files", LIMIT,
                line -> ChildRuntime.bare(line).startsWith("Drop a bundle jar into deploy/"));

        runtime.closeInput();
        runtime.await("the shell ends with its input", LIMIT, line -> line.contains("gosh: stopping shell"));
        Thread.sleep(500);
        assertTrue("the runtime keeps running when its input ends", runtime.process().isAlive());

        runtime.sigterm(Duration.ofSeconds(10));
        List<String> output = runtime.output();
        assertTrue("the kernel component was deactivated\n" + String.join("\n", output),
                output.stream().anyMatch(line -> line.contains("Courier kernel closed")));
        assertTrue("the shared memory creator unlinked /wally at its stop\n" + String.join("\n", output),
                output.stream().noneMatch(line -> line.contains("/wally was unlinked already")));
        assertEquals("no ERROR line and no stack trace from start to stop with every example deployed\n"
                + String.join("\n", output), List.of(), runtime.trouble());
    }

    /**
     * SPEC P4: a runtime killed with SIGKILL leaves nothing in the system's temporary folder: FileInstall
     * keeps its work folder in the runtime's bundle cache, which the next start empties.
     */
    @Test
    public void aKilledRuntimeLeavesNoFileInstallFolderInTheTemporaryFolder() throws Exception {
        java.nio.file.Path tmp = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
        List<java.nio.file.Path> before = fileInstallFolders(tmp);
        runtime.start();
        runtime.mv("example-hello");
        runtime.awaitActive("io.courier.example-hello", LIMIT);
        assertTrue("FileInstall's work folder is in the bundle cache",
                java.nio.file.Files.isDirectory(runtime.home().resolve("felix-cache/fileinstall")));
        runtime.sigkill();
        List<java.nio.file.Path> after = fileInstallFolders(tmp);
        after.removeAll(before);
        assertEquals("folders the killed runtime left in " + tmp, List.of(), after);
    }

    /**
     * SPEC P4: {@code exit 3} typed into the shell ends the runtime as SIGTERM does, its components
     * deactivated, the JVM's exit status 3, and prints nothing that says something went wrong
     * (Gogo's own {@code exit} printed an {@code InterruptedException} as the shell stopped).
     */
    @Test
    public void exitEndsTheRuntimeWithItsStatusAndStopsItsComponents() throws Exception {
        runtime.start();
        runtime.awaitActive("io.courier.kernel", ChildRuntime.START_LIMIT);
        runtime.type("exit 3");
        runtime.await("the kernel component was deactivated", LIMIT, line -> line.contains("Courier kernel closed"));
        assertTrue("the runtime ends after exit", runtime.process().waitFor(15, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(3, runtime.process().exitValue());
        List<String> output = runtime.output();
        assertTrue(String.join("\n", output), output.stream().noneMatch(line -> line.contains("InterruptedException")));
        assertEquals(String.join("\n", output), List.of(), runtime.trouble());
    }

    private static List<java.nio.file.Path> fileInstallFolders(java.nio.file.Path tmp) throws java.io.IOException {
        try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.list(tmp)) {
            return new java.util.ArrayList<>(s.filter(p -> p.getFileName().toString().startsWith("fileinstall-")).toList());
        }
    }
}
