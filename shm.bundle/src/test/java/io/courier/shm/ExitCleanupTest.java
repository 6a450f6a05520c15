package io.courier.shm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SPEC S3 at a JVM's exit: the JVM removes its private shared memory folder (a shutdown hook),
 * while other hooks may still run, as Felix stops its bundles on SIGTERM. A component that
 * unlinks its object then must not find it gone (ENOENT): the name stays its own.
 */
@Timeout(90)
class ExitCleanupTest {
    @Test
    void s3AnObjectCanBeUnlinkedByItsOwnerWhileTheJvmExitsAndRemovesItsFolder() throws Exception {
        String out = ChildJvm.finish(ChildJvm.startPrivate("unlink-at-exit", "/at-exit"));
        assertTrue(out.contains("UNLINKED /at-exit"), "child output:\n" + out);
    }

    @Test
    void s3SharedMemoryFirstUsedWhileTheJvmExitsWorksAndLeavesNoFolder() throws Exception {
        String out = ChildJvm.finish(ChildJvm.startPrivate("first-use-at-exit", "/late"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("USED /late pid (\\d+)").matcher(out);
        assertTrue(m.find(), "child output:\n" + out);
        String prefix = "courier-" + m.group(1) + "-";
        try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.list(tmpfs())) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(prefix)),
                    "the child's private folder " + prefix + "* is left in " + tmpfs());
        }
    }

    private static java.nio.file.Path tmpfs() {
        java.nio.file.Path shm = java.nio.file.Path.of("/dev/shm");
        return java.nio.file.Files.isDirectory(shm) && java.nio.file.Files.isWritable(shm) ? shm
                : java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
    }
}
