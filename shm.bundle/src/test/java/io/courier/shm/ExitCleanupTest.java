package io.courier.shm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.shm.internal.ShmRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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
        Matcher m = Pattern.compile("USED /late pid (\\d+)").matcher(out);
        assertTrue(m.find(), "child output:\n" + out);
        String prefix = "courier-" + m.group(1) + "-";
        Path parent = ShmRegistry.privateFolderParent();
        try (Stream<Path> s = Files.list(parent)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(prefix)),
                    "the child's private folder " + prefix + "* is left in " + parent);
        }
    }
}
