package io.courier.asyncmsg.internal.node;

import io.courier.kernel.IdleStrategy;
import io.courier.kernel.internal.MicrokernelImpl;
import io.courier.node.NodeFolder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A node of its own for every test (a fresh root under {@code /dev/shm}, deleted afterwards), a
 * kernel of this JVM joined to it, and the server JVMs the test starts ({@link AsyncNodeChild}),
 * whose output lines are read on a thread of their own.
 */
public abstract class AsyncNodeTestSupport {
    protected Path root;
    protected String nodeName;
    protected MicrokernelImpl mk;
    private final List<Child> children = new ArrayList<>();

    /** A child JVM and its output, line by line. */
    protected static final class Child {
        final Process process;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final StringBuilder seen = new StringBuilder();
        private final Writer in;

        Child(Process process) {
            this.process = process;
            this.in = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null;) {
                        lines.add(l);
                    }
                } catch (IOException e) {
                    // The child was killed.
                }
                lines.add("<EOF>");
            });
        }

        /** The next line starting with {@code prefix} (others are kept in {@link #seen}), within 30 s. */
        public String expect(String prefix) throws InterruptedException {
            return expect(prefix, 30_000);
        }

        public String expect(String prefix, long millis) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            for (;;) {
                long left = end - System.nanoTime();
                String l = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
                if (l == null) {
                    throw new AssertionError("no '" + prefix + "' from the child within " + millis + " ms; seen:\n" + seen);
                }
                seen.append(l).append('\n');
                if (l.equals("<EOF>")) {
                    throw new AssertionError("the child ended before '" + prefix + "'; seen:\n" + seen);
                }
                if (l.startsWith(prefix)) {
                    return l;
                }
            }
        }

        /** The next line, or null when none comes within {@code millis}. */
        public String poll(long millis) throws InterruptedException {
            String l = lines.poll(millis, TimeUnit.MILLISECONDS);
            if (l != null) {
                seen.append(l).append('\n');
            }
            return l;
        }

        public void command(String line) throws IOException {
            in.write(line + "\n");
            in.flush();
        }

        /** SIGKILL, by this process's own handle. */
        public void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @BeforeEach
    void makeNode() throws IOException {
        Path base = Path.of(NodeFolder.DEFAULT_ROOT);
        root = Files.createTempDirectory(Files.isDirectory(base) ? base : Path.of(System.getProperty("java.io.tmpdir")),
                "courier-asyncmsg-node-test-");
        nodeName = "a" + ProcessHandle.current().pid();
        mk = new MicrokernelImpl(IdleStrategy.BACKOFF, NodeFolder.open(root, nodeName));
    }

    @AfterEach
    void deleteNode() throws Exception {
        for (Child c : children) {
            c.kill();
        }
        if (mk != null) {
            mk.close();
        }
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    /** Starts a server JVM running {@code action ROOT NAME args...}. */
    protected Child child(String action, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                AsyncNodeChild.class.getName(), action, root.toString(), nodeName));
        cmd.addAll(List.of(args));
        Child c = new Child(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        children.add(c);
        return c;
    }

    /** Waits (at most 30 s) until {@code done}; fails with {@code what} otherwise. */
    protected static void eventually(String what, BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within 30 s: " + what);
            }
            Thread.sleep(5);
        }
    }
}
