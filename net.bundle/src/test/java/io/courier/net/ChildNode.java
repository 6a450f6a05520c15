package io.courier.net;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A {@link NetChild} JVM as the tests drive it: its output lines kept (and waited for, with a
 * limit), its standard error in a file (its log), killed by pid.
 */
final class ChildNode implements AutoCloseable {
    static final long WAIT_MS = 20_000;
    final String name;
    final int port;
    final Process process;
    final Path log;
    private final List<String> lines = new ArrayList<>();
    private final OutputStream stdin;

    private ChildNode(String name, int port, Process process, Path log) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.log = log;
        this.stdin = process.getOutputStream();
        Thread.ofPlatform().daemon().name("out-" + name).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                        lines.notifyAll();
                    }
                }
            } catch (IOException e) {
                // The child ended.
            }
        });
    }

    /** Starts node {@code name} on {@code port} with {@code peers} ("name@127.0.0.1:port"). */
    static ChildNode start(Path dir, String name, int port, Path keyFile, long heartbeatMs, long deadAfterMs,
            String... peers) throws IOException {
        List<String> args = new ArrayList<>(List.of(name, Integer.toString(port), keyFile.toString(),
                Long.toString(heartbeatMs), Long.toString(deadAfterMs)));
        args.addAll(List.of(peers));
        return startJava(dir, name, port, NetChild.class.getName(), args, l -> l.startsWith("READY "));
    }

    /** Starts {@code mainClass} with {@code args} in a JVM of its own (node {@code name}), once it says a line {@code ready} takes. */
    static ChildNode startJava(Path dir, String name, int port, String mainClass, List<String> args,
            Predicate<String> ready) throws IOException {
        return startJava(List.of(), List.of(), dir, name, port, mainClass, args, ready);
    }

    /**
     * As {@link #startJava(Path, String, int, String, List, Predicate)}, the java command run
     * through {@code prefix} (a command that execs the rest, such as {@code ip netns exec NS}, so
     * that the process is the JVM and its pid the JVM's) with {@code jvmOptions} added.
     */
    static ChildNode startJava(List<String> prefix, List<String> jvmOptions, Path dir, String name, int port,
            String mainClass, List<String> args, Predicate<String> ready) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-Xmx128m", "-Dorg.slf4j.simpleLogger.showDateTime=true"));
        cmd.addAll(jvmOptions);
        if (jvmOptions.stream().noneMatch(o -> o.startsWith("-Dcourier.net.root="))) {
            // Its media driver's folder in the test's own, deleted with it even when the child is killed.
            cmd.add("-Dcourier.net.root=" + dir.toAbsolutePath());
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(args);
        Path log = Files.createTempFile(dir, name + "-", ".log");
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        ChildNode c = new ChildNode(name, port, p, log);
        c.await(ready);
        return c;
    }

    /**
     * A {@link NetKernelChild} in {@code mode} ({@code serve}, {@code call} or {@code client}) as
     * node {@code name}, started as {@link #startJava(List, List, Path, String, int, String, List,
     * Predicate)} does; {@code extra} are the mode's arguments before the peers.
     */
    static ChildNode startKernel(List<String> prefix, List<String> jvmOptions, Path dir, String mode, String name,
            int port, Path keyFile, long heartbeatMs, long deadAfterMs, List<String> extra, String... peers)
            throws IOException {
        List<String> args = new ArrayList<>(List.of(mode, name, Integer.toString(port), keyFile.toString(),
                Long.toString(heartbeatMs), Long.toString(deadAfterMs)));
        args.addAll(extra);
        args.addAll(List.of(peers));
        return startJava(prefix, jvmOptions, dir, name, port, NetKernelChild.class.getName(), args,
                l -> l.startsWith("READY ") || l.startsWith("REPLY ") || l.startsWith("NONAME "));
    }

    /**
     * The numbers a {@link NetKernelChild} server printed in its {@code GOT} lines, in the order
     * got, once {@code total} came (or after {@code timeoutMs}); fails at a {@code GETFAILED}.
     */
    List<Long> awaitGot(int total, long timeoutMs) {
        List<Long> got = new ArrayList<>();
        int mark = 0;
        long end = System.currentTimeMillis() + timeoutMs;
        while (got.size() < total && System.currentTimeMillis() < end) {
            int at = awaitIndexFrom(mark, l -> l.startsWith("GOT ") || l.startsWith("GETFAILED"));
            String line = line(at);
            mark = at + 1;
            if (!line.startsWith("GOT ")) {
                fail("node " + name + ": " + line + " after " + got.size() + " messages");
            }
            for (String n : line.substring(4).split(",")) {
                got.add(Long.parseLong(n));
            }
        }
        return got;
    }

    /** What it said so far. */
    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** Sends a command line. */
    void command(String line) {
        try {
            stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("node " + name + " does not take commands", e);
        }
    }

    /** The first line (from the start) that matches, waiting for it at most {@link #WAIT_MS}. */
    String await(Predicate<String> p) {
        return awaitFrom(0, p);
    }

    /** The first line at or after index {@code from} that matches. */
    String awaitFrom(int from, Predicate<String> p) {
        return line(awaitIndexFrom(from, p));
    }

    /** Line {@code i} of what it said. */
    String line(int i) {
        synchronized (lines) {
            return lines.get(i);
        }
    }

    /** The index of the first line at or after {@code from} that matches, waiting for it at most {@link #WAIT_MS}. */
    int awaitIndexFrom(int from, Predicate<String> p) {
        return awaitIndexFrom(from, p, WAIT_MS);
    }

    /** The index of the first line at or after {@code from} that matches, waiting for it at most {@code waitMs}. */
    int awaitIndexFrom(int from, Predicate<String> p, long waitMs) {
        long end = System.currentTimeMillis() + waitMs;
        synchronized (lines) {
            while (true) {
                for (int i = from; i < lines.size(); i++) {
                    if (p.test(lines.get(i))) {
                        return i;
                    }
                }
                long left = end - System.currentTimeMillis();
                if (left <= 0 || !process.isAlive() && lines.size() == from) {
                    fail("node " + name + " did not say what was awaited; it said " + lines + "\nits log:\n" + logText());
                }
                try {
                    lines.wait(Math.min(left, 100));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
        }
    }

    /** How many lines it said so far (a mark for {@link #awaitFrom}). */
    int mark() {
        synchronized (lines) {
            return lines.size();
        }
    }

    /** Asks for the count of records from {@code peer} on the current link: {received, error or "ok"}. */
    String[] count(String peer) {
        int m = mark();
        command("COUNT " + peer);
        String[] w = awaitFrom(m, l -> l.startsWith("COUNT " + peer + " ")).split(" ");
        return new String[] {w[2], w[3]};
    }

    String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** How many lines of its log contain {@code s}. */
    long logLines(String s) {
        return logText().lines().filter(l -> l.contains(s)).count();
    }

    /** kill -9 by pid. */
    void kill9() throws IOException, InterruptedException {
        signal("-KILL");
        process.waitFor(10, TimeUnit.SECONDS);
    }

    void signal(String sig) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", sig, Long.toString(process.pid())).inheritIO().start();
        if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
            fail("kill " + sig + " " + process.pid() + " failed");
        }
    }

    @Override
    public void close() throws IOException {
        if (process.isAlive()) {
            try {
                signal("-CONT");
                stdin.close();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    /** A UDP port free on the loopback now (bound to port 0, then let go). */
    static int freePort() {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
