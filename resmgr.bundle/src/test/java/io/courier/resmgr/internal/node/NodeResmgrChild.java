package io.courier.resmgr.internal.node;

import io.courier.testing.ChildJvms;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.internal.MicrokernelImpl;
import io.courier.node.NodeFolder;
import io.courier.resmgr.IoAttr;
import io.courier.resmgr.IoFunc;
import io.courier.resmgr.IoWriteLayout;
import io.courier.resmgr.Mode;
import io.courier.resmgr.Ocb;
import io.courier.resmgr.ResmgrAttachment;
import io.courier.resmgr.ResmgrContext;
import io.courier.resmgr.ResmgrHandler;
import io.courier.resmgr.internal.ResmgrImpl;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A second JVM of the node for the pathname space's node tests: started with this JVM's
 * {@code java} and class path, it boots a kernel that joins the node {@code NAME} under
 * {@code ROOT} and then obeys commands on standard input, a line each, answering a line on
 * standard output: {@code attach PATH FLAGS} attaches a {@link RamFiles} device at PATH for a
 * process of its own ({@code ATTACHED <pid> <chid>}), {@code detach PATH} detaches it
 * ({@code DETACHED}), {@code exit} ends it. It halts itself after 60 s so that it never outlives a
 * broken test.
 */
public final class NodeResmgrChild {
    private NodeResmgrChild() {
    }

    /**
     * Files in memory: the mount point itself holds bytes, and so does every path below it (made
     * on first lookup). A file's bytes start as {@code remote:<path below the mount>}; writes
     * replace or extend them at the OCB's offset; reads, lseek, stat and devctl are the iofunc
     * layer's.
     */
    public static final class RamFiles implements ResmgrHandler {
        private final String tag;
        private final Map<String, IoAttr> attrs = new ConcurrentHashMap<>();
        private final Map<IoAttr, byte[]> content = new ConcurrentHashMap<>();

        public RamFiles(String tag) {
            this.tag = tag;
        }

        @Override
        public IoAttr lookup(ResmgrContext ctx, IoAttr mount, String path) {
            IoAttr a = path.isEmpty() ? mount : attrs.computeIfAbsent(path, p -> new IoAttr(Mode.S_IFREG | 0666, 0, 0));
            content.computeIfAbsent(a, x -> {
                byte[] b = (tag + ":" + path).getBytes(StandardCharsets.UTF_8);
                x.size(b.length);
                return b;
            });
            return a;
        }

        @Override
        public ByteBuffer read(ResmgrContext ctx, Ocb ocb, int nbytes) {
            return IoFunc.readAt(ocb, ByteBuffer.wrap(content.getOrDefault(ocb.attr(), new byte[0])), nbytes);
        }

        @Override
        public int write(ResmgrContext ctx, Ocb ocb, int nbytes) {
            ByteBuffer data = ByteBuffer.allocate(nbytes);
            ctx.msgRead(data, IoWriteLayout.SIZE);
            long at = IoFunc.writeOffset(ocb);
            byte[] old = content.getOrDefault(ocb.attr(), new byte[0]);
            byte[] now = java.util.Arrays.copyOf(old, (int) Math.max(old.length, at + nbytes));
            System.arraycopy(data.array(), 0, now, (int) at, nbytes);
            content.put(ocb.attr(), now);
            ocb.offset(at + nbytes);
            ocb.attr().size(now.length);
            ocb.attr().markModified();
            return nbytes;
        }
    }

    /** Starts a child JVM in the node {@code name} under {@code root}. */
    public static Process start(Path root, String name) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", NodeResmgrChild.class.getName(),
                root.toString(), name));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** A child and its pipes, for the tests. */
    public static final class Child implements AutoCloseable {
        public final Process process;
        private final BufferedReader out;
        private final BufferedWriter in;

        public Child(Path root, String name) throws Exception {
            process = start(root, name);
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
            expect("READY");
        }

        /** Sends {@code command} and returns the answer line starting with {@code prefix}, split on spaces. */
        public String[] ask(String command, String prefix) throws Exception {
            in.write(command);
            in.newLine();
            in.flush();
            return expect(prefix).split(" ");
        }

        /** Reads lines until one starts with {@code prefix} (at most 30 s). */
        public String expect(String prefix) throws Exception {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            StringBuilder seen = new StringBuilder();
            while (System.nanoTime() < end) {
                String line = out.readLine();
                if (line == null) {
                    throw new AssertionError("the child ended (" + process.waitFor(10, TimeUnit.SECONDS) + ") before '"
                            + prefix + "':\n" + seen);
                }
                seen.append(line).append('\n');
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
            throw new AssertionError("no '" + prefix + "' from the child within 30 s:\n" + seen);
        }

        /** Kills the child with SIGKILL, by its own handle, and waits for it to be gone. */
        public void kill() throws InterruptedException {
            process.destroyForcibly();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the child did not die");
            }
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                try {
                    kill();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    public static void main(String[] args) throws Exception {
        ChildJvms.haltAfter(60_000);
        NodeFolder folder = NodeFolder.open(Path.of(args[0]), args[1]);
        MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, folder);
        Map<String, ResmgrAttachment> attached = new HashMap<>();
        Map<String, ResmgrImpl> managers = new HashMap<>();
        System.out.println("READY " + mk.nodeSelf().slot());
        System.out.flush();
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = commands.readLine()) != null;) {
            String[] f = line.trim().split(" ");
            try {
                switch (f[0]) {
                    case "attach" -> {
                        Kernel k = mk.process("nodetest-mgr");
                        ResmgrImpl rm = new ResmgrImpl(k);
                        int flags = Integer.parseInt(f[2]);
                        ResmgrAttachment a = rm.resmgrAttach(f[1], flags,
                                new IoAttr(Mode.S_IFCHR | 0666, k.credentials().uid(), k.credentials().gid()),
                                new RamFiles("remote"));
                        attached.put(f[1], a);
                        managers.put(f[1], rm);
                        System.out.println("ATTACHED " + k.pid() + " " + a.dispatch().chid());
                    }
                    case "detach" -> {
                        managers.remove(f[1]).resmgrDetach(attached.remove(f[1]));
                        System.out.println("DETACHED");
                    }
                    case "exit" -> {
                        System.out.println("BYE");
                        System.out.flush();
                        System.exit(0);
                    }
                    default -> System.out.println("FAILED unknown command " + line);
                }
            } catch (RuntimeException e) {
                System.out.println("FAILED " + e);
            }
            System.out.flush();
        }
        System.exit(0);
    }
}
