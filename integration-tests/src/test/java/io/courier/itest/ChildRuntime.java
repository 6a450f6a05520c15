package io.courier.itest;

import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The assembled runtime ({@code runtime/target/courier}) as a person runs it, without a terminal:
 * a copy of its own (so a runtime started by hand in the same tree is left alone), started as a
 * child process by its {@code bin/start}, with standard input a pipe that takes Gogo commands.
 * The copy's HTTP service (the web console) listens on 127.0.0.1 at a port that was free when the
 * copy was made ({@link #httpPort()}), written into its {@code conf/org.apache.felix.http.cfg}, so
 * that runtimes of parallel builds never compete for one.
 */
final class ChildRuntime implements AutoCloseable {
    /** The configuration PID of the HTTP service, a file in {@code conf/}. */
    static final String HTTP_PID = "org.apache.felix.http";

    private final Path home;
    private final int httpPort;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private Process felix;
    private Writer shell;
    private Thread reader;

    /** A fresh copy of the assembled runtime under {@code target/}. */
    ChildRuntime() throws IOException {
        Path runtime = CourierTestSupport.runtimeHome();
        assertTrue(runtime + " holds the assembled runtime (built by the runtime module)",
                Files.isRegularFile(runtime.resolve("bin/felix.jar")));
        home = Files.createDirectories(
                Files.createTempDirectory(Path.of("target"), "runtime-").resolve("courier").toAbsolutePath());
        for (String part : new String[] {"bin", "boot", "bundle", "conf", "etc"}) {
            copyTree(runtime.resolve(part), home.resolve(part));
        }
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            httpPort = free.getLocalPort();
        }
        configure(HTTP_PID, Map.of("org.apache.felix.http.host", "127.0.0.1", "org.osgi.service.http.port",
                Integer.toString(httpPort)));
    }

    /** The port the web console listens on, on 127.0.0.1. */
    int httpPort() {
        return httpPort;
    }

    /**
     * Writes {@code conf/<pid>.cfg} ({@code key=value} lines), whole (moved in from beside the
     * folder): FileInstall gives it to ConfigAdmin at start, or at its next poll once running.
     */
    void configure(String pid, Map<String, String> properties) throws IOException {
        List<String> lines = new ArrayList<>();
        properties.forEach((k, v) -> lines.add(k + "=" + v));
        Path staged = Files.write(home.resolveSibling(pid + ".cfg"), lines, StandardCharsets.UTF_8);
        Files.move(staged, home.resolve("conf/" + pid + ".cfg"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    /** The runtime folder of the copy. */
    Path home() {
        return home;
    }

    /** Starts {@code bin/start} with this JVM's JDK. */
    void start() throws IOException {
        ProcessBuilder builder = new ProcessBuilder("bash", "bin/start").directory(home.toFile()).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        felix = builder.start();
        shell = new OutputStreamWriter(felix.getOutputStream(), StandardCharsets.UTF_8);
        reader = Thread.ofPlatform().daemon().name("felix-output").start(this::readOutput);
    }

    /** Whether the runtime's JVM is running. */
    boolean isAlive() {
        return felix.isAlive();
    }

    /** Every line the runtime has written so far. */
    List<String> output() {
        return List.copyOf(output);
    }

    /** Types a command into Gogo. */
    void type(String command) throws IOException {
        shell.write(command + "\n");
        shell.flush();
    }

    /** Closes the runtime's standard input, as the end of a pipe does. */
    void closeInput() throws IOException {
        shell.close();
    }

    /** Copies {@code jar} into {@code deploy/} as {@code name}, whole (moved in from beside the folder). */
    void deploy(Path jar, String name) throws IOException {
        Path deploy = Files.createDirectories(home.resolve("deploy"));
        Path staged = Files.copy(jar, home.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, deploy.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    /** Waits for an output line that {@code matches}; fails after {@code limit} or when the runtime ends. */
    void await(String what, Duration limit, Predicate<String> matches) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (output.stream().noneMatch(matches)) {
            if (System.nanoTime() - deadline > 0 || !felix.isAlive()) {
                throw new AssertionError("not within " + limit + ": " + what + "\n" + String.join("\n", output));
            }
            Thread.sleep(20);
        }
    }

    /** Types {@code lb -s} until Gogo lists {@code symbolicName} as Active. */
    void awaitActive(String symbolicName, Duration limit) throws IOException, InterruptedException {
        Pattern active = Pattern.compile("\\|Active\\s*\\|\\s*\\d+\\|" + Pattern.quote(symbolicName) + " \\(");
        long deadline = System.nanoTime() + limit.toNanos();
        while (output.stream().noneMatch(line -> active.matcher(line).find())) {
            if (System.nanoTime() - deadline > 0 || !felix.isAlive()) {
                throw new AssertionError("not Active within " + limit + ": " + symbolicName + "\n"
                        + String.join("\n", output));
            }
            type("lb -s");
            Thread.sleep(200);
        }
    }

    /** A line without the Gogo prompts that the shell prints before its output. */
    static String bare(String line) {
        return line.replace("courier$ ", "").trim();
    }

    /**
     * SIGTERM through the process handle ({@code Process.destroy()} would also close the output
     * still being read); true when the runtime ended within {@code limit}.
     */
    boolean terminate(Duration limit) throws InterruptedException {
        assertTrue(felix.toHandle().destroy());
        boolean ended = felix.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
        reader.join(TimeUnit.SECONDS.toMillis(2));
        return ended;
    }

    /** Kills a runtime still running, and keeps its output beside its folder. */
    @Override
    public void close() throws IOException {
        if (felix != null && felix.isAlive()) {
            felix.destroyForcibly();
        }
        Files.write(home.resolveSibling("output.log"), output, StandardCharsets.UTF_8);
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
