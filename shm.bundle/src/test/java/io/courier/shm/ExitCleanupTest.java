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
}
