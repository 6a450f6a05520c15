package io.courier.node;

import io.courier.testing.ChildJvms;
import io.courier.node.internal.RingLayout;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * A second JVM of the node for the tests: started with this JVM's {@code java} and class path,
 * it runs one scripted action against the node {@code NAME} under {@code ROOT} and reports on
 * standard output, a line per step.
 */
public final class NodeChild {
    private NodeChild() {
    }

    /** Starts a child JVM running {@code action args...}. */
    public static Process start(String... actionAndArgs) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", NodeChild.class.getName()));
        cmd.addAll(List.of(actionAndArgs));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Reads the child's lines until one starts with {@code prefix} (bounded), returning it. */
    public static String expectLine(Process child, BufferedReader out, String prefix) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        StringBuilder seen = new StringBuilder();
        while (System.nanoTime() < end) {
            String line = out.readLine();
            if (line == null) {
                throw new AssertionError("the child ended (" + child.waitFor() + ") before '" + prefix + "':\n" + seen);
            }
            seen.append(line).append('\n');
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        throw new AssertionError("no '" + prefix + "' from the child within 30 s:\n" + seen);
    }

    public static BufferedReader output(Process child) {
        return new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Ends a child that is still running (only the processes the tests started). */
    public static void stop(Process child) throws InterruptedException {
        if (child.isAlive()) {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * {@code join ROOT NAME}: joins and stays until killed. {@code futex-wait ROOT NAME FILE}: waits
     * on word 0 of FILE while it is 0. {@code echo ROOT NAME IN OUT COUNT}: reads COUNT records
     * from ring IN and sends each back on ring OUT, then prints the CRC32 of all it read.
     * {@code garbage ROOT NAME FILE}: writes a tail far beyond the capacity into ring FILE.
     */
    public static void main(String[] args) throws Exception {
        ChildJvms.haltAfter(60_000);
        NodeFolder folder = NodeFolder.open(Path.of(args[1]), args[2]);
        switch (args[0]) {
            case "join" -> {
                MemberTable t = MemberTable.open(folder);
                Member m = t.join(new MemberListener() {
                });
                System.out.println("JOINED " + m.slot() + " " + m.pid());
                System.out.flush();
                Thread.sleep(55_000);
            }
            case "futex-wait" -> {
                try (Arena arena = Arena.ofConfined();
                        FileChannel ch = FileChannel.open(folder.path().resolve(args[3]), StandardOpenOption.READ,
                                StandardOpenOption.WRITE)) {
                    MemorySegment seg = ch.map(FileChannel.MapMode.READ_WRITE, 0, 4096, arena);
                    System.out.println("WAITING");
                    System.out.flush();
                    Futex.Result r = Futex.await(seg, 0, 0, TimeUnit.SECONDS.toNanos(20));
                    System.out.println("RESULT " + r + " " + seg.get(ValueLayout.JAVA_INT, 0));
                }
            }
            case "echo" -> {
                int count = Integer.parseInt(args[5]);
                CRC32 crc = new CRC32();
                ByteBuffer buf = ByteBuffer.allocateDirect(1 << 16);
                ByteBuffer[] bufs = {buf};
                try (Ring in = Ring.open(folder, args[3], "parent"); Ring out = Ring.open(folder, args[4], "parent")) {
                    System.out.println("ECHOING");
                    System.out.flush();
                    for (int i = 0; i < count; i++) {
                        if (!in.await(TimeUnit.SECONDS.toNanos(20))) {
                            System.out.println("TIMEOUT at " + i);
                            System.exit(4);
                        }
                        buf.clear();
                        int n = in.read(bufs);
                        buf.flip();
                        crc.update(buf.duplicate());
                        while (!out.offer(in.lastType(), bufs)) {
                            Thread.onSpinWait();
                        }
                        if (n != buf.remaining()) {
                            System.out.println("SHORT " + n);
                        }
                    }
                }
                System.out.println("CRC " + crc.getValue());
            }
            case "garbage" -> {
                try (Arena arena = Arena.ofConfined();
                        FileChannel ch = FileChannel.open(folder.path().resolve(args[3]), StandardOpenOption.READ,
                                StandardOpenOption.WRITE)) {
                    MemorySegment seg = ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size(), arena);
                    seg.set(ValueLayout.JAVA_LONG, RingLayout.TAIL_OFFSET, Long.MAX_VALUE / 3);
                    seg.set(ValueLayout.JAVA_INT, RingLayout.DOORBELL_OFFSET, RingLayout.AWAKE);
                    Futex.wake(seg, RingLayout.DOORBELL_OFFSET, 1);
                    System.out.println("WROTE");
                }
            }
            default -> {
                System.out.println("unknown action " + args[0]);
                System.exit(2);
            }
        }
        System.out.flush();
        System.exit(0);
    }
}
