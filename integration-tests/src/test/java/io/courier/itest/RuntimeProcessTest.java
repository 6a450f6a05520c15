package io.courier.itest;

import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The assembled runtime ({@code runtime/target/courier}) as a person runs it, without a terminal:
 * a child process started by its {@code bin/start}, with standard input a pipe. The test types
 * Gogo's {@code lb} through the pipe, drops a bundle into {@code deploy/}, closes the input (the
 * runtime must keep running), and stops it with SIGTERM (the components must be deactivated).
 */
public class RuntimeProcessTest {
    private static final Duration START_LIMIT = Duration.ofSeconds(20);
    private static final Duration LIMIT = Duration.ofSeconds(5);
    private static final String[] COURIER_BUNDLES = {
        "io.courier.kernel", "io.courier.asyncmsg", "io.courier.shm", "io.courier.resmgr"};

    private final List<String> output = new CopyOnWriteArrayList<>();
    private Path home;
    private Process felix;
    private Writer shell;

    @Before
    public void copyRuntime() throws IOException {
        Path runtime = Path.of(System.getProperty("courier.runtime", "../runtime/target/courier"));
        assertTrue(runtime + " holds the assembled runtime (built by the runtime module)",
                Files.isRegularFile(runtime.resolve("bin/felix.jar")));
        // A copy of its own, so that a runtime started by hand in the same tree is left alone.
        home = Files.createDirectories(
                Files.createTempDirectory(Path.of("target"), "runtime-").resolve("courier").toAbsolutePath());
        for (String part : new String[] {"bin", "boot", "bundle", "conf", "etc"}) {
            copyTree(runtime.resolve(part), home.resolve(part));
        }
    }

    @After
    public void killRuntime() throws IOException {
        if (felix != null && felix.isAlive()) {
            felix.destroyForcibly();
        }
        Files.write(home.resolveSibling("output.log"), output, StandardCharsets.UTF_8);
    }

    @Test
    public void shouldRunWithoutATerminalHotDeployAndStopCleanlyOnSigterm() throws Exception {
        ProcessBuilder builder = new ProcessBuilder("bash", "bin/start").directory(home.toFile()).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        felix = builder.start();
        shell = new OutputStreamWriter(felix.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = Thread.ofPlatform().daemon().name("felix-output").start(this::readOutput);

        await("the kernel booted", START_LIMIT, line -> line.contains("Courier kernel booted"));
        for (String name : COURIER_BUNDLES) {
            awaitActive(name, START_LIMIT);
        }

        Path jar = home.resolve("deploy/example-hello.jar");
        Files.createDirectories(jar.getParent());
        Path staged = Files.copy(CourierTestSupport.courierJar("example-hello"), home.resolve("example-hello.jar"));
        Files.move(staged, jar, StandardCopyOption.ATOMIC_MOVE);
        awaitActive("io.courier.example-hello", LIMIT);

        // The checksum example pair, dropped in as a user would, driven through Gogo.
        for (String example : new String[] {"example-checksum-server", "example-checksum-client"}) {
            Path staging = Files.copy(CourierTestSupport.courierJar(example), home.resolve(example + ".jar"));
            Files.move(staging, home.resolve("deploy/" + example + ".jar"), StandardCopyOption.ATOMIC_MOVE);
        }
        awaitActive("io.courier.example-checksum-client", LIMIT);
        type("checksum hello");
        await("the checksum command answers", LIMIT, line -> bare(line).equals("532"));
        type("names");
        await("names lists the server", LIMIT, line -> bare(line).startsWith("checksum "));
        type("pidin");
        await("pidin shows the server RECEIVE-blocked", LIMIT,
                line -> line.contains("io.courier.example-checksum-server/checksum-server") && line.contains("RECEIVE"));
        type("pidin fd");
        await("pidin fd answers with its table", LIMIT, line -> bare(line).matches("pid +name +coid +server +chid +scoid"));

        shell.close();
        await("the shell ends with its input", LIMIT, line -> line.contains("gosh: stopping shell"));
        Thread.sleep(500);
        assertTrue("the runtime keeps running when its input ends", felix.isAlive());

        // SIGTERM, through the handle: Process.destroy() would also close the output we still read.
        assertTrue(felix.toHandle().destroy());
        assertTrue("the runtime stops within 10 s of SIGTERM", felix.waitFor(10, TimeUnit.SECONDS));
        reader.join(TimeUnit.SECONDS.toMillis(2));
        assertTrue("the kernel component was deactivated\n" + String.join("\n", output),
                output.stream().anyMatch(line -> line.contains("Courier kernel closed")));
    }

    /** Types {@code lb -s} until Gogo lists {@code symbolicName} as Active. */
    private void awaitActive(String symbolicName, Duration limit) throws IOException, InterruptedException {
        Pattern active = Pattern.compile("\\|Active\\s*\\|\\s*\\d+\\|" + Pattern.quote(symbolicName) + " \\(");
        long deadline = System.nanoTime() + limit.toNanos();
        while (output.stream().noneMatch(line -> active.matcher(line).find())) {
            if (System.nanoTime() - deadline > 0 || !felix.isAlive()) {
                throw new AssertionError("not Active within " + limit + ": " + symbolicName + "\n"
                        + String.join("\n", output));
            }
            shell.write("lb -s\n");
            shell.flush();
            Thread.sleep(200);
        }
    }

    /** A line without the Gogo prompts that the shell prints before its output. */
    private static String bare(String line) {
        return line.replace("courier$ ", "").trim();
    }

    private void type(String command) throws IOException {
        shell.write(command + "\n");
        shell.flush();
    }

    private void await(String what, Duration limit, Predicate<String> line) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (output.stream().noneMatch(line)) {
            if (System.nanoTime() - deadline > 0 || !felix.isAlive()) {
                throw new AssertionError("not within " + limit + ": " + what + "\n" + String.join("\n", output));
            }
            Thread.sleep(20);
        }
    }

    private void readOutput() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(felix.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                output.add(line);
            }
        } catch (IOException e) {
            output.add("(output unreadable: " + e + ")");
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            paths.forEach(path -> {
                try {
                    Path copy = to.resolve(from.relativize(path).toString());
                    if (Files.isDirectory(path)) {
                        Files.createDirectories(copy);
                    } else {
                        Files.copy(path, copy, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
