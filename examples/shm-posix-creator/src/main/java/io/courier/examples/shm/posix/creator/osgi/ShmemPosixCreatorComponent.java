package io.courier.examples.shm.posix.creator.osgi;

import io.courier.examples.shm.posix.ShmemPosix;
import io.courier.examples.shm.posix.creator.ShmemPosixCreator;
import io.courier.shm.SharedMemory;
import java.time.Duration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code shmem_posix_creator /wally} as a bundle: getting the {@link SharedMemory} service makes
 * the bundle a process; it creates {@code /wally} and updates it every second.
 */
@Component(immediate = true)
public final class ShmemPosixCreatorComponent {
    private final ShmemPosixCreator creator;

    /** Creates the object and starts updating it. */
    @Activate
    public ShmemPosixCreatorComponent(@Reference(name = "shm") SharedMemory shm) {
        creator = new ShmemPosixCreator(shm, ShmemPosix.NAME, Duration.ofSeconds(1));
    }

    @Deactivate
    void deactivate() {
        creator.close();
    }
}
