package io.courier.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lock of a file the node's JVMs share, taken by a thread whose interrupt is set: it is
 * taken, the interrupt is kept, and the channel stays open for the JVM's other threads (the
 * node's name and path tables lock theirs so). {@link FileChannel#lock()} would close the
 * channel instead.
 */
class FileLocksTest {
    @TempDir
    Path dir;

    @Test
    void anInterruptedThreadTakesTheLockAndLeavesTheChannelOpen() throws Exception {
        try (FileChannel ch = FileChannel.open(dir.resolve("table"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            CompletableFuture<String> seen = new CompletableFuture<>();
            Thread.ofPlatform().start(() -> {
                try {
                    Thread.currentThread().interrupt();
                    FileLock l = FileLocks.lock(ch);
                    boolean valid = l.isValid();
                    l.release();
                    seen.complete("valid " + valid + ", interrupt kept " + Thread.currentThread().isInterrupted()
                            + ", open " + ch.isOpen());
                } catch (Throwable e) {
                    seen.completeExceptionally(e);
                }
            });
            assertEquals("valid true, interrupt kept true, open true", seen.get(10, TimeUnit.SECONDS));
            FileLock again = FileLocks.lock(ch);
            assertEquals(true, again.isValid());
            again.release();
            assertEquals(0, Files.size(dir.resolve("table")));
        }
    }
}
