package io.courier.itest;

import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The runtime's logging and settings as a user meets them, in the assembled runtime started as a
 * child process ({@link ChildRuntime}): lines reach the rolling file {@code log/courier.log} and
 * Gogo's {@code log} command; a {@code .cfg} file in {@code conf/}, there at start or dropped in
 * while it runs, configures Courier through FileInstall and ConfigAdmin, and a bad value in it
 * is logged while the value in use stays.
 */
public class RuntimeLogAndSettingsTest {
    private static final Duration START_LIMIT = Duration.ofSeconds(20);
    private static final Duration LIMIT = Duration.ofSeconds(10);

    private ChildRuntime runtime;

    @Before
    public void copyRuntime() throws Exception {
        runtime = new ChildRuntime();
    }

    @After
    public void killRuntime() throws Exception {
        runtime.close();
    }

    @Test
    public void shouldWriteTheLogFileAndShowRecentEntriesInGogo() throws Exception {
        runtime.start();
        runtime.await("the kernel booted", START_LIMIT, line -> line.contains("Courier kernel booted"));
        runtime.mv("example-checksum-api");
        runtime.mv("example-checksum-server");
        runtime.awaitActive("io.courier.example-checksum-server", LIMIT);

        Path file = runtime.home().resolve("log/courier.log");
        awaitInFile(file, "Courier kernel booted");
        awaitInFile(file, "bundle io.courier.example-checksum-server (");
        awaitInFile(file, "name 'checksum' attached by process ");

        runtime.type("log 100 info");
        runtime.await("Gogo's log shows the kernel's entries", LIMIT,
                line -> line.contains("io.courier.kernel") && line.contains("name 'checksum' attached by process "));
    }

    @Test
    public void shouldTakeSettingsFromCfgFilesInConf() throws Exception {
        // There at start: in ConfigAdmin before Courier's components start.
        Files.writeString(runtime.home().resolve("conf/io.courier.shm.cfg"), "maxSize = 8192\n");
        runtime.start();
        runtime.await("the shm setting applied at start", START_LIMIT,
                line -> line.contains("io.courier.shm: maxSize: 0 -> 8192"));

        // Dropped in while it runs, with a bad value beside a good one: the good one is taken,
        // the bad one is reported and the value in use stays.
        writeWhole("io.courier.kernel.cfg", "deadlock.detect = false\nidle.spins = lots\n");
        runtime.await("the kernel setting applied", LIMIT,
                line -> line.contains("io.courier.kernel: deadlock.detect: true -> false"));
        runtime.await("the bad value reported", LIMIT, line -> line.contains(
                "io.courier.kernel: idle.spins = 'lots' is not a whole number from 0 to 1000000; idle.spins stays 200"));

        // A file there since the start, changed. (Its write-back by FileInstall after the first
        // update was long done: an edit made before that write-back would be overwritten by it.)
        writeWhole("io.courier.shm.cfg", "maxSize = 4096\n");
        runtime.await("the changed shm setting applied", LIMIT,
                line -> line.contains("io.courier.shm: maxSize: 8192 -> 4096"));
        awaitInFile(runtime.home().resolve("log/courier.log"), "idle.spins = 'lots' is not a whole number");
        assertTrue("the runtime runs on", runtime.isAlive());
    }

    /** Writes a configuration file beside conf/ and moves it in whole, as FileInstall wants. */
    private void writeWhole(String name, String content) throws IOException {
        Path staged = Files.writeString(runtime.home().resolve(name), content);
        Files.move(staged, runtime.home().resolve("conf").resolve(name), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    private static void awaitInFile(Path file, String text) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!Files.isRegularFile(file) || Files.readAllLines(file, StandardCharsets.UTF_8).stream().noneMatch(l -> l.contains(text))) {
            if (System.nanoTime() - deadline > 0) {
                List<String> lines = Files.isRegularFile(file) ? Files.readAllLines(file) : List.of("(no " + file + ")");
                throw new AssertionError("not in " + file + " within " + LIMIT + ": " + text + "\n" + String.join("\n", lines));
            }
            Thread.sleep(50);
        }
    }
}
