package io.courier.itest;

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
 * The assembled runtime ({@code runtime/target/courier}) as a person runs it: a copy of its own
 * under {@code target/}, started by its {@code bin/start} as a child process without a terminal
 * (standard input a pipe, which Gogo reads), its output kept line by line. The copy's HTTP
 * service (the web console) listens on 127.0.0.1 at a port that was free when the copy was made
 * ({@link #httpPort()}), written into its {@code conf/org.apache.felix.http.cfg}.
 */
final class CourierRuntime implements AutoCloseable {
    /** The configuration file of the HTTP service, in {@code conf/}. */
    static final String HTTP_PID = "org.apache.felix.http";

    private final List<String> output = new CopyOnWriteArrayList<>();
    private final Path home;
    private final int httpPort;
    private Process felix;
    private Writer shell;
    private Thread reader;

    private CourierRuntime(Path home, int httpPort) {
        this.home = home;
        this.httpPort = httpPort;
    }

    /** A fresh copy of the assembled runtime, not started, its HTTP service on a free loopback port. */
    static CourierRuntime copy() throws IOException {
        Path runtime = Path.of(System.getProperty("courier.runtime", "../runtime/target/courier"));
        if (!Files.isRegularFile(runtime.resolve("bin/felix.jar"))) {
            throw new IllegalStateException(runtime + " holds no assembled runtime (built by the runtime module)");
        }
        // A copy of its own, so that a runtime started by hand in the same tree is left alone.
        Path home = Files.createDirectories(
                Files.createTempDirectory(Path.of("target"), "runtime-").resolve("courier").toAbsolutePath());
        for (String part : new String[] {"bin", "boot", "bundle", "conf", "etc"}) {
            copyTree(runtime.resolve(part), home.resolve(part));
        }
        CourierRuntime r = new CourierRuntime(home, freeLoopbackPort());
        r.configure(HTTP_PID, Map.of("org.apache.felix.http.host", "127.0.0.1", "org.osgi.service.http.port",
                Integer.toString(r.httpPort)));
        return r;
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The runtime's folder. */
    Path home() {
        return home;
    }

    /** The port the web console listens on, on 127.0.0.1. */
    int httpPort() {
        return httpPort;
    }

    /** The running runtime; null before {@link #start()}. */
    Process process() {
        return felix;
    }

    /** Every line the runtime printed so far. */
    List<String> output() {
        return output;
    }

    /**
     * Writes {@code conf/<pid>.cfg} (key=value lines), as a person configures the runtime:
     * FileInstall gives it to ConfigAdmin at start, or within a poll when the runtime runs.
     */
    void configure(String pid, Map<String, String> properties) throws IOException {
        List<String> lines = new ArrayList<>();
        properties.forEach((k, v) -> lines.add(k + "=" + v));
        Path staged = Files.write(home.resolveSibling(pid + ".cfg"), lines, StandardCharsets.UTF_8);
        Files.move(staged, home.resolve("conf/" + pid + ".cfg"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    /** Starts it: {@code bash bin/start}, with this JVM's Java as {@code JAVA_HOME}. */
    void start() throws IOException {
        ProcessBuilder builder = new ProcessBuilder("bash", "bin/start").directory(home.toFile()).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        felix = builder.start();
        shell = new OutputStreamWriter(felix.getOutputStream(), StandardCharsets.UTF_8);
        reader = Thread.ofPlatform().daemon().name("felix-output").start(this::readOutput);
    }

    /** Drops {@code artifactId}'s jar (from this reactor) into {@code deploy/}: copied beside it, then moved in. */
    void deploy(String artifactId) throws IOException {
        Path staged = Files.copy(CourierTestSupport.courierJar(artifactId), home.resolve(artifactId + ".jar"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.createDirectories(home.resolve("deploy"));
        Files.move(staged, home.resolve("deploy/" + artifactId + ".jar"), StandardCopyOption.ATOMIC_MOVE);
    }

    /** Types {@code command} into Gogo. */
    void type(String command) throws IOException {
        shell.write(command + "\n");
        shell.flush();
    }

    /** Closes Gogo's input, as the end of a pipe does. */
    void closeInput() throws IOException {
        shell.close();
    }

    /** Waits until a line matches; after {@code limit}, or if the runtime died, fails with its output. */
    void await(String what, Duration limit, Predicate<String> line) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (output.stream().noneMatch(line)) {
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

    /**
     * Stops it with SIGTERM, through the process handle ({@code Process.destroy()} would also
     * close the output still to be read); true when it ended within {@code limit}. Its output is
     * then read to the end.
     */
    boolean terminate(Duration limit) throws InterruptedException {
        if (!felix.toHandle().destroy()) {
            return false;
        }
        boolean ended = felix.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
        if (ended) {
            reader.join(Duration.ofSeconds(2));
        }
        return ended;
    }

    /** A line without the Gogo prompts that the shell prints before its output. */
    static String bare(String line) {
        return line.replace("courier$ ", "").trim();
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

    /** Kills the runtime if it still runs (it was started here, so its pid is ours) and keeps its output beside it. */
    @Override
    public void close() throws IOException {
        if (felix != null && felix.isAlive()) {
            felix.destroyForcibly();
        }
        Files.write(home.resolveSibling("output.log"), output, StandardCharsets.UTF_8);
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
