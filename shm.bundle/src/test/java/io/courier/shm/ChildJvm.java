package io.courier.shm;

import io.courier.testing.ChildJvms;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A second JVM on the machine, started with the test class path and {@code java} from
 * {@code java.home}: it boots its own kernel whose shared memory folder is the parent's
 * ({@value SharedMemory#DIRECTORY_PROPERTY}), so both map the same files. {@link #main} runs
 * one scripted action in the child.
 */
final class ChildJvm {
    /** Offsets of the echo protocol in the shared object. */
    static final long ECHO_READY = 0;
    static final long ECHO_ACK = 16;
    static final long ECHO_INPUT = 64;
    static final long ECHO_OUTPUT = 72;
    static final long ECHO_PATTERN = 4096;

    private ChildJvm() {
    }

    /** Starts a child JVM running {@code action args...} against the shared memory folder {@code dir}. */
    static Process start(Path dir, String... actionAndArgs) throws IOException {
        return start(List.of("-D" + SharedMemory.DIRECTORY_PROPERTY + "=" + dir), actionAndArgs);
    }

    /** Starts a child JVM running {@code action args...} with a shared memory folder of its own (the default). */
    static Process startPrivate(String... actionAndArgs) throws IOException {
        return start(List.of(), actionAndArgs);
    }

    private static Process start(List<String> properties, String... actionAndArgs) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path")));
        cmd.addAll(properties);
        cmd.addAll(List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", ChildJvm.class.getName()));
        cmd.addAll(List.of(actionAndArgs));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Waits (bounded) for the child to end and returns its output; fails unless it exited with 0. */
    static String finish(Process child) throws Exception {
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            fail("the child JVM did not end: " + new String(child.getInputStream().readNBytes(
                    child.getInputStream().available()), StandardCharsets.UTF_8));
        }
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, child.exitValue(), "child output:\n" + out);
        return out;
    }

    /**
     * {@code first-use-at-exit NAME}: the JVM begins to exit before shared memory is first used;
     * a shutdown hook (as a bundle started while the runtime is told to exit) then boots a kernel,
     * creates the object, closes the kernel and says how it went.
     */
    private static void firstUseAtExit(String name) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Microkernel mk = Microkernel.boot();
                SharedMemory shm = SharedMemory.of(mk.process("late"));
                int fd = shm.shmOpen(name, SharedMemory.O_RDWR | SharedMemory.O_CREAT, 0600);
                shm.ftruncate(fd, 4096);
                shm.close(fd);
                mk.close();
                System.out.println("USED " + name + " pid " + ProcessHandle.current().pid());
            } catch (Throwable t) {
                System.out.println("FIRST USE FAILED " + t);
            }
        }));
        System.exit(0);
    }

    /** The byte the echo child writes at {@code i} of the pattern. */
    static byte pattern(long i) {
        return (byte) (i * 31 + 7);
    }

    /**
     * The child's side. {@code echo NAME SIZE}: maps the object, doubles the parent's input,
     * writes a pattern, posts the READY semaphore and waits for the ACK semaphore.
     * {@code lock-and-exit NAME OFFSET}: locks the mutex at OFFSET and exits holding it.
     * {@code unlink-at-exit NAME}: creates the object and exits; a shutdown hook of its own, as
     * Felix's stopping a bundle would, unlinks it while the JVM exits.
     */
    public static void main(String[] args) {
        ChildJvms.haltAfter(30_000);
        if (args[0].equals("first-use-at-exit")) {
            firstUseAtExit(args[1]);
            return;
        }
        Microkernel mk = Microkernel.boot();
        Kernel k = mk.process("child");
        SharedMemory shm = SharedMemory.of(k);
        String name = args[1];
        switch (args[0]) {
            case "echo" -> {
                long size = Long.parseLong(args[2]);
                int fd = shm.shmOpen(name, SharedMemory.O_RDWR, 0);
                Mapping m = shm.mmap(size, SharedMemory.PROT_READ | SharedMemory.PROT_WRITE, SharedMemory.MAP_SHARED,
                        fd, 0);
                shm.close(fd);
                var seg = m.segment();
                seg.set(ValueLayout.JAVA_LONG, ECHO_OUTPUT, 2 * seg.get(ValueLayout.JAVA_LONG, ECHO_INPUT));
                for (long i = ECHO_PATTERN; i < size; i++) {
                    seg.set(ValueLayout.JAVA_BYTE, i, pattern(i));
                }
                m.semaphore(ECHO_READY).post();
                m.semaphore(ECHO_ACK).await(Duration.ofSeconds(20));
                System.out.println("ECHOED pid " + ProcessHandle.current().pid());
                mk.close();
            }
            case "lock-and-exit" -> {
                long offset = Long.parseLong(args[2]);
                int fd = shm.shmOpen(name, SharedMemory.O_RDWR, 0);
                Mapping m = shm.mmap(4096, SharedMemory.PROT_READ | SharedMemory.PROT_WRITE, SharedMemory.MAP_SHARED,
                        fd, 0);
                Errno r = m.mutex(offset).lock();
                System.out.println("LOCKED " + r + " pid " + ProcessHandle.current().pid());
                System.out.flush();
                // Like the seed's child: exit() with the mutex held, no unlock, no kernel shutdown.
                System.exit(0);
            }
            case "unlink-at-exit" -> {
                int fd = shm.shmOpen(name, SharedMemory.O_RDWR | SharedMemory.O_CREAT, 0600);
                shm.ftruncate(fd, 4096);
                shm.close(fd);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        Thread.sleep(300); // the shared memory cleanup hook runs meanwhile
                        shm.shmUnlink(name);
                        System.out.println("UNLINKED " + name);
                    } catch (InterruptedException | RuntimeException e) {
                        System.out.println("UNLINK FAILED " + e);
                    }
                }));
                System.exit(0);
            }
            default -> {
                System.out.println("unknown action " + args[0]);
                System.exit(2);
            }
        }
        System.exit(0);
    }
}
