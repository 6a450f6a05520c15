package io.courier.node;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.util.concurrent.locks.LockSupport;

/**
 * The lock of a whole file that the JVMs of a node share (a table in the node's folder), taken
 * without the caller's interrupt closing the channel. {@link FileChannel#lock()} waits
 * interruptibly, and a file channel is closed, for every thread of the JVM, when a thread whose
 * interrupt is set is inside a blocking operation on it: one interrupted caller would leave the
 * table unusable in that JVM until it restarts. Here the wait is a loop of {@link
 * FileChannel#tryLock()}, which never blocks; the caller's interrupt is left as it was.
 */
public final class FileLocks {
    /** The pause between two tries once a few quick ones failed: the holders keep it a moment. */
    private static final long PAUSE_NANOS = 20_000;

    private FileLocks() {
    }

    /**
     * Locks all of {@code channel}'s file (exclusively), waiting while another JVM holds the lock.
     * The caller holds the JVM's own lock for the file, so no other thread of this JVM asks.
     *
     * @throws IOException as {@link FileChannel#tryLock()}
     */
    public static FileLock lock(FileChannel channel) throws IOException {
        for (int tries = 0;; tries++) {
            FileLock l = channel.tryLock();
            if (l != null) {
                return l;
            }
            if (tries < 100) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(PAUSE_NANOS); // returns at once while interrupted: a short spin then
            }
        }
    }
}
