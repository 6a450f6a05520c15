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
 * a copy of its folder, started by its {@code bin/start} as a child process whose standard input
 * is a pipe the test types Gogo commands into, and whose output (standard output and error) the
 * test reads line by line. Jars go into its {@code deploy/} folder the ways users put them there.
 * The copy's HTTP service (the web console) listens on 127.0.0.1 at a port that was free when the
 * copy was made ({@link #httpPort()}), written into its {@code conf/org.apache.felix.http.cfg}, so
 * that runtimes of parallel builds never compete for one.
 */
final class ChildRuntime implements AutoCloseable {
    /** How long the runtime may take to start. */
    static final Duration START_LIMIT = Duration.ofSeconds(20);
    /** A line that says something went wrong: an ERROR, an exception's stack, a failed profile. */
    private static final Pattern TROUBLE = Pattern.compile(
            "\\bERROR\\b|^\\s+at [\\w$.]+\\(|^Caused by: |^Exception in thread |^\\S+(Exception|Error): ");

    /** The configuration PID of the HTTP service, a file in {@code conf/}. */
    static final String HTTP_PID = "org.apache.felix.http";

    private final int httpPort;
    /** The node it joins ({@code COURIER_NODE}); none unless {@link #node} says so. */
    private String node = "";
    private Path nodeRoot;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final Path home;
    /**
     * Where its network node's media driver keeps its folder ({@code COURIER_NET_ROOT}): a folder
     * of its own, under {@code /dev/shm} where there is one, deleted by {@link #close()}, so that
     * a runtime a test kills leaves nothing there.
     */
    private final Path netRoot;
    /** How it is started: {@code bash bin/start} in {@link #home}, or {@code ./courier run} in a checkout. */
    private final List<String> command;
    private final Path workDir;
    private Process felix;
    private Writer shell;
    private Thread reader;

    /** A fresh copy of the assembled runtime under {@code target/}, so that one started by hand in the tree is left alone. */
    ChildRuntime() throws IOException {
        this(Files.createDirectories(Files.createTempDirectory(Path.of("target"), "runtime-").resolve("courier").toAbsolutePath()),
                null, -1);
    }

    /**
     * The runtime in {@code home}: with {@code httpPort} -1, a fresh copy of the assembled runtime
     * made there, on a free port; else the folder that {@code ./courier run} makes, with the port
     * it gives. Started by {@code bin/start}, or by {@code ./courier run} when {@code checkout} is
     * a checkout's folder.
     */
    private ChildRuntime(Path home, Path checkout, int httpPort) throws IOException {
        this.home = home;
        if (httpPort < 0) {
            Path runtime = CourierTestSupport.runtimeHome();
            assertTrue(runtime + " holds the assembled runtime (built by the runtime module)",
                    Files.isRegularFile(runtime.resolve("bin/felix.jar")));
            for (String part : new String[] {"bin", "boot", "bundle", "etc"}) {
                copyTree(runtime.resolve(part), home.resolve(part));
            }
            copyTree(shippedConf(), home.resolve("conf"));
            try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                this.httpPort = free.getLocalPort();
            }
            configure(HTTP_PID, Map.of("org.apache.felix.http.host", "127.0.0.1", "org.osgi.service.http.port",
                    Integer.toString(this.httpPort)));
        } else {
            this.httpPort = httpPort;
        }
        Path shm = Path.of("/dev/shm");
        netRoot = Files.createTempDirectory(Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of("target"),
                "courier-itest-net-");
        command = checkout == null ? List.of("bash", "bin/start") : List.of("bash", checkout.resolve("courier").toString(), "run");
        workDir = checkout == null ? home : checkout;
    }

    /**
     * The runtime of a checkout made for the test, as a user who cloned the project has it:
     * {@code courier} (the project's own script) beside {@code runtime/target/courier}, a copy of
     * the assembled runtime marked built (the checkout has no sources to be newer), started by
     * {@code ./courier run}.
     */
    static ChildRuntime inCheckout() throws IOException {
        Path checkout = Files.createTempDirectory(Path.of("target"), "checkout-").toAbsolutePath();
        Path project = CourierTestSupport.runtimeHome().toAbsolutePath().getParent().getParent().getParent();
        Files.copy(project.resolve("courier"), checkout.resolve("courier"));
        ChildRuntime r = new ChildRuntime(Files.createDirectories(checkout.resolve("runtime/target/courier")), checkout, -1);
        Files.writeString(r.home.resolve(".built"), "");
        return r;
    }

    /**
     * The configuration the build ships ({@code runtime/src/main/dist/conf}), which every test
     * runtime starts from. Not the assembled runtime's {@code conf/}: a person who ran {@code
     * ./courier run} may have changed it (a network node, a console password the console saved
     * there), and a test runtime with that node would bind its port and call its peers.
     */
    static Path shippedConf() {
        Path conf = CourierTestSupport.runtimeHome().resolve("../../src/main/dist/conf").normalize();
        assertTrue(conf + " holds the configuration the build ships", Files.isRegularFile(conf.resolve("config.properties")));
        return conf;
    }

    /**
     * The runtime that {@code ./courier run}, run again in {@code first}'s checkout while
     * {@code first} runs, starts beside it: in {@code runtime/target/courier-2}, its web console
     * on the port after {@code first}'s.
     */
    static ChildRuntime besideInCheckout(ChildRuntime first) throws IOException {
        return besideInCheckout(first, 2);
    }

    /** As {@link #besideInCheckout(ChildRuntime)}, for runtime {@code n}: {@code courier-n}, the first's port plus {@code n - 1}. */
    static ChildRuntime besideInCheckout(ChildRuntime first, int n) throws IOException {
        return new ChildRuntime(first.workDir.resolve("runtime/target/courier-" + n), first.workDir, first.httpPort + n - 1);
    }

    /** {@code ./courier run} run again in {@code first}'s checkout, in {@code first}'s folder, once {@code first} has ended. */
    static ChildRuntime againInCheckout(ChildRuntime first) throws IOException {
        return new ChildRuntime(first.home, first.workDir, first.httpPort);
    }

    /**
     * Joins node {@code name} with its folder under {@code root} when started, as {@code
     * COURIER_NODE} and {@code COURIER_NODE_ROOT} tell {@code bin/start}. Without it a test's
     * runtime runs alone: it never shares names with a runtime a person started on the machine.
     */
    ChildRuntime node(String name, Path root) {
        node = name;
        nodeRoot = root;
        return this;
    }

    /** The port the web console listens on, on 127.0.0.1. */
    int httpPort() {
        return httpPort;
    }

    /** A UDP port free on the loopback now, for a network node. */
    static int freeUdpPort() throws IOException {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The network's shared key, owner-only, in a new {@code net.key} file of a new folder under {@code target}. */
    static Path netKey() throws IOException {
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "net-");
        Path key = dir.resolve("net.key");
        Files.writeString(key, "a key shared by both nodes, not a default\n");
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return key;
    }

    /**
     * Two network nodes, alpha and beta, on free loopback UDP ports, sharing a fresh key: what
     * each runtime of a two-node test is configured with ({@link #alpha}, {@link #beta}).
     */
    record NetPair(Path key, int alphaPort, int betaPort) {
        static NetPair fresh() throws IOException {
            return new NetPair(netKey(), freeUdpPort(), freeUdpPort());
        }

        /** Configures {@code r} as node alpha, beta its peer. */
        void alpha(ChildRuntime r) throws IOException {
            r.netNode("alpha", alphaPort, "beta", betaPort, key);
        }

        /** Configures {@code r} as node beta, alpha its peer. */
        void beta(ChildRuntime r) throws IOException {
            r.netNode("beta", betaPort, "alpha", alphaPort, key);
        }
    }

    /**
     * Configures this runtime as network node {@code name} on loopback {@code port} with the one
     * peer {@code peer} at {@code peerPort}, sharing {@code key}, dead after 1.5 s of silence.
     */
    void netNode(String name, int port, String peer, int peerPort, Path key) throws IOException {
        configure("io.courier.net", Map.of("name", name, "port", Integer.toString(port),
                "peers", peer + "@127.0.0.1:" + peerPort, "keyFile", key.toString(), "deadAfterMillis", "1500"));
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

    /** The runtime's folder. */
    Path home() {
        return home;
    }

    /** The folders its network node's media driver has now under its {@code COURIER_NET_ROOT}. */
    List<Path> netFolders() throws IOException {
        try (Stream<Path> s = Files.list(netRoot)) {
            return s.toList();
        }
    }

    /** The hot-deployment folder. */
    Path deploy() {
        return home.resolve("deploy");
    }

    /** Starts {@code bin/start} and waits until the kernel has booted. */
    ChildRuntime start() throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("COURIER_NODE", node);
        if (nodeRoot != null) {
            builder.environment().put("COURIER_NODE_ROOT", nodeRoot.toString());
        }
        builder.environment().put("COURIER_NET_ROOT", netRoot.toString());
        felix = builder.start();
        shell = new OutputStreamWriter(felix.getOutputStream(), StandardCharsets.UTF_8);
        reader = Thread.ofPlatform().daemon().name("felix-output").start(this::readOutput);
        await("the kernel booted", START_LIMIT, line -> line.contains("Courier kernel booted"));
        return this;
    }

    /** The Felix process. */
    Process process() {
        return felix;
    }

    /** Whether the runtime's JVM is running. */
    boolean isAlive() {
        return felix.isAlive();
    }

    /** Every line printed so far. */
    List<String> output() {
        return output;
    }

    /** Types a command into Gogo. */
    void type(String command) throws IOException {
        shell.write(command + "\n");
        shell.flush();
    }

    /** Closes Gogo's input, as a terminal's end of file. */
    void closeInput() throws IOException {
        shell.close();
    }

    /** Waits until some line matches; returns the first that does. */
    String await(String what, Duration limit, Predicate<String> line) throws InterruptedException {
        return awaitFrom(0, what, limit, line);
    }

    /** Waits until a line printed at index {@code from} or later matches; returns it. */
    String awaitFrom(int from, String what, Duration limit, Predicate<String> line) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        for (;;) {
            List<String> lines = output;
            for (int i = from; i < lines.size(); i++) {
                if (line.test(lines.get(i))) {
                    return lines.get(i);
                }
            }
            if (System.nanoTime() - deadline > 0 || !felix.isAlive()) {
                throw new AssertionError("not within " + limit + ": " + what + "\n" + String.join("\n", output));
            }
            Thread.sleep(20);
        }
    }

    /** How many lines match. */
    long count(Predicate<String> line) {
        return output.stream().filter(line).count();
    }

    /** Types {@code lb -s} until Gogo lists {@code symbolicName} as Active. */
    void awaitActive(String symbolicName, Duration limit) throws IOException, InterruptedException {
        Pattern active = Pattern.compile("\\|Active\\s*\\|\\s*\\d+\\|" + Pattern.quote(symbolicName) + " \\(");
        long deadline = System.nanoTime() + limit.toNanos();
        int from = output.size();
        while (output.stream().skip(from).noneMatch(line -> active.matcher(line).find())) {
            if (System.nanoTime() - deadline > 0 || !felix.isAlive()) {
                throw new AssertionError("not Active within " + limit + ": " + symbolicName + "\n"
                        + String.join("\n", output));
            }
            type("lb -s");
            Thread.sleep(200);
        }
    }

    /** Copies a reactor bundle beside the deploy folder, then moves it in whole ({@code mv}), over any old one. */
    void mv(String artifact) throws IOException {
        deploy(CourierTestSupport.courierJar(artifact), artifact + ".jar");
    }

    /**
     * The checksum example split across two runtimes, as a user drops it in: its API and server
     * into {@code server}'s {@code deploy/}, its API and client into {@code client}'s. Returns the
     * server's line that says it attached its name, once the client is Active too.
     */
    static String deployChecksumPair(ChildRuntime server, ChildRuntime client) throws IOException, InterruptedException {
        server.mv("example-checksum-api");
        server.mv("example-checksum-server");
        client.mv("example-checksum-api");
        client.mv("example-checksum-client");
        String attached = server.await("the server attached its name", START_LIMIT,
                line -> line.contains("checksum server: pid") && line.contains("attached 'checksum'"));
        client.awaitActive("io.courier.example-checksum-client", START_LIMIT);
        return attached;
    }

    /** Copies {@code jar} into {@code deploy/} as {@code name}, whole (moved in from beside the folder). */
    void deploy(Path jar, String name) throws IOException {
        Files.createDirectories(deploy());
        Path staged = Files.copy(jar, home.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, deploy().resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** {@code cp} a reactor bundle over its jar in the deploy folder: written in place. */
    void cpOver(String artifact) throws IOException {
        Files.createDirectories(deploy());
        Files.write(deploy().resolve(artifact + ".jar"), Files.readAllBytes(CourierTestSupport.courierJar(artifact)));
    }

    /** {@code rm} a bundle's jar from the deploy folder. */
    void rm(String artifact) throws IOException {
        Files.delete(deploy().resolve(artifact + ".jar"));
    }

    /** Sends SIGKILL ({@code kill -9}) and fails unless the runtime's JVM ends within 10 s. */
    void sigkill() throws InterruptedException {
        felix.destroyForcibly();
        assertTrue("the runtime in " + home + " ends within 10 s of SIGKILL", felix.waitFor(10, TimeUnit.SECONDS));
    }

    /** Sends SIGTERM and fails unless the runtime ends within {@code limit}. */
    void sigterm(Duration limit) throws InterruptedException {
        assertTrue("the runtime stops within " + limit + " of SIGTERM", terminate(limit));
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

    /** The lines that say something went wrong: ERROR lines and stack traces. */
    List<String> trouble() {
        List<String> out = new ArrayList<>();
        for (String line : output) {
            if (TROUBLE.matcher(line).find()) {
                out.add(line);
            }
        }
        return out;
    }

    /**
     * Types the async example client's {@code asyncstat} until at least {@code atLeast} of its
     * messages were delivered, none failed; fails with the runtime's output past {@code limit},
     * or at once if a message failed. Returns the last {@code asyncstat} line.
     */
    String awaitAsyncDelivered(long atLeast, Duration limit, String where) throws IOException, InterruptedException {
        Pattern stat = Pattern.compile("asyncstat: put (\\d+) delivered (\\d+) failed \\{\\} pending (\\d+).*");
        long end = System.nanoTime() + limit.toNanos();
        while (true) {
            int mark = output().size();
            type("asyncstat");
            String line = bare(awaitFrom(mark, "asyncstat answers", Duration.ofSeconds(10),
                    l -> bare(l).startsWith("asyncstat:")));
            java.util.regex.Matcher m = stat.matcher(line);
            if (m.matches() && Long.parseLong(m.group(2)) >= atLeast) {
                return line;
            }
            if (line.contains("failed {") && !line.contains("failed {}")) {
                throw new AssertionError("messages failed " + where + ": " + line + "\n" + String.join("\n", output()));
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("not " + atLeast + " delivered " + where + " within " + limit + ": " + line
                        + "\n" + String.join("\n", output()));
            }
            Thread.sleep(300);
        }
    }

    /** A line without the Gogo prompts that the shell prints before its output. */
    static String bare(String line) {
        return line.replace("courier$ ", "").trim();
    }

    /**
     * Kills the runtime if it still runs, keeps its output in {@code <folder>-output.log} beside its
     * folder, and deletes its {@code COURIER_NET_ROOT} once its JVM has ended.
     */
    @Override
    public void close() throws IOException {
        try {
            if (felix != null && felix.isAlive()) {
                felix.destroyForcibly();
                felix.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            Files.write(home.resolveSibling(home.getFileName() + "-output.log"), output, StandardCharsets.UTF_8);
            try (Stream<Path> s = Files.walk(netRoot)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
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
