package io.courier.shm;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.courier.kernel.Microkernel;
import io.courier.node.NodeFolder;
import io.courier.shm.internal.ShmRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * A node of its own for every test (a fresh root folder under {@code /dev/shm}, deleted after
 * it), a kernel of this JVM in it, and child JVMs ({@link NodeShmChild}) that join it.
 */
public abstract class NodeShmTestSupport {
    private static final Object BOOT = new Object();

    protected Path root;
    protected String nodeName;
    protected Microkernel mk;
    private final List<Child> children = new ArrayList<>();
    private final List<Microkernel> kernels = new ArrayList<>();

    @BeforeEach
    protected void makeNode() throws IOException {
        Path base = Path.of(NodeFolder.DEFAULT_ROOT);
        root = Files.createTempDirectory(Files.isDirectory(base) ? base : Path.of(System.getProperty("java.io.tmpdir")),
                "courier-shm-node-test-");
        nodeName = "s" + ProcessHandle.current().pid();
        mk = bootInNode();
    }

    /** A kernel of this JVM that joins the test's node (its own member). */
    protected Microkernel bootInNode() {
        Microkernel k;
        synchronized (BOOT) {
            System.setProperty(NodeFolder.NAME_PROPERTY, nodeName);
            System.setProperty(NodeFolder.ROOT_PROPERTY, root.toString());
            try {
                k = Microkernel.boot();
            } finally {
                System.clearProperty(NodeFolder.NAME_PROPERTY);
                System.clearProperty(NodeFolder.ROOT_PROPERTY);
            }
        }
        assertNotNull(k.nodeSelf(), "the kernel joined the node");
        kernels.add(k);
        // As the shm bundle's manager component does in a runtime: the shared memory starts with the kernel.
        ShmRegistry.of(k);
        return k;
    }

    /** The node folder. */
    protected Path nodeFolder() {
        return mk.nodeFolder().path();
    }

    /** The link files of handles in the node folder. */
    protected List<Path> links() {
        try (Stream<Path> s = Files.list(nodeFolder())) {
            return s.filter(p -> p.getFileName().toString().startsWith("shm-h-")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterEach
    protected void deleteNode() throws Exception {
        for (Child c : children) {
            if (c.process.isAlive()) {
                c.in.println("0 quit");
            }
            if (!c.process.waitFor(20, TimeUnit.SECONDS)) {
                c.process.destroyForcibly();
                c.process.waitFor(10, TimeUnit.SECONDS);
            }
        }
        for (Microkernel k : kernels) {
            k.close();
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

    /** Starts a child JVM in the node; its process 0 is {@link Child#pid}. */
    protected Child child() throws IOException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-D" + NodeFolder.NAME_PROPERTY + "=" + nodeName, "-D" + NodeFolder.ROOT_PROPERTY + "=" + root,
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", NodeShmChild.class.getName());
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Child c = new Child(p);
        children.add(c);
        String first = c.next();
        assertTrue(first.startsWith("PID "), first);
        c.pid = Integer.parseInt(first.substring(4));
        return c;
    }

    /** Waits up to {@code limit} for {@code condition}; fails with {@code what} otherwise. */
    protected static void await(Duration limit, String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("not within " + limit + ": " + what);
            }
            Thread.sleep(20);
        }
    }

    /** A child JVM of the node and its command line. */
    protected static final class Child {
        final Process process;
        int pid;
        private final PrintWriter in;
        private final BlockingQueue<String> out = new LinkedBlockingQueue<>();

        Child(Process process) {
            this.process = process;
            this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null;) {
                        out.add(line);
                    }
                } catch (IOException e) {
                    out.add("EOF " + e);
                }
            });
        }

        /** The next line the child printed (waits at most 30 s). */
        String next() {
            try {
                String line = out.poll(30, TimeUnit.SECONDS);
                if (line == null) {
                    fail("the child JVM said nothing for 30 s");
                }
                return line;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** Sends {@code command} for process {@code proc} and returns the answer. */
        String call(int proc, String command) {
            in.println(proc + " " + command);
            return next();
        }

        /** Sends {@code command} and returns the number after {@code prefix} in the answer; fails on another answer. */
        long number(int proc, String command, String prefix) {
            String answer = call(proc, command);
            if (!answer.startsWith(prefix + " ")) {
                fail(command + " answered " + answer);
            }
            return Long.parseLong(answer.substring(prefix.length() + 1));
        }

        /** The OS pid of the child JVM. */
        long osPid() {
            return process.pid();
        }

        /** Kills the JVM with SIGKILL and waits for it to end. */
        void kill9() throws InterruptedException {
            process.destroyForcibly();
            assertTrue(process.waitFor(10, TimeUnit.SECONDS), "the child JVM ended");
        }
    }
}
