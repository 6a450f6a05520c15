package io.courier.examples.shm.posix.user.osgi;

import io.courier.examples.shm.posix.ShmemPosix;
import io.courier.examples.shm.posix.user.ShmemPosixUser;
import io.courier.shm.SharedMemory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code shmem_posix_user /wally} as a bundle (its process): follows the configuration and logs
 * each update. It waits for the creator's object, and re-opens it when a restarted creator made
 * a new one, so the creator bundle may be replaced while this one runs.
 */
@Component(immediate = true)
public final class ShmemPosixUserComponent {
    private static final Logger LOG = LoggerFactory.getLogger(ShmemPosixUserComponent.class);

    private final ShmemPosixUser user;

    /** Starts following the object. */
    @Activate
    public ShmemPosixUserComponent(@Reference(name = "shm") SharedMemory shm) {
        user = new ShmemPosixUser(shm, ShmemPosix.NAME, text -> LOG.info("Data in shared memory was: '{}'", text));
    }

    @Deactivate
    void deactivate() {
        user.close();
    }
}
