package io.courier.resmgr;

import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * What {@code /dev/shmem} lists: implemented by whoever keeps the shared memory objects (the
 * shm bundle), and plugged in with {@link Resmgr#shmemDirectoryAttach}, or in OSGi by
 * registering it as a service, which the resmgr bundle picks up. Without one,
 * {@code /dev/shmem} is an empty directory.
 */
@ConsumerType
public interface ShmemDirectory {
    /** A snapshot of the objects. Called on the pathname manager's thread; keep it quick. */
    List<ShmemEntry> objects();

    /** A plugged-in directory; {@link #close()} unplugs it. */
    interface Registration extends AutoCloseable {
        /** Unplugs it; idempotent. */
        @Override
        void close();
    }
}
