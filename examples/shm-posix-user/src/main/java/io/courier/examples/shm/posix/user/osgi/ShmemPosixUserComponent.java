package io.courier.examples.shm.posix.osgi;

import io.courier.examples.shm.posix.ShmemPosixUser;
import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import io.courier.shm.SharedMemory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code shmem_posix_user /wally} as a process of its own (the creator is the bundle's
 * process): follows the configuration and logs each update.
 */
@Component(immediate = true)
public final class ShmemPosixUserComponent {
    private static final Logger LOG = LoggerFactory.getLogger(ShmemPosixUserComponent.class);

    private final Kernel process;
    private final ShmemPosixUser user;

    /** Starts the user process. */
    @Activate
    public ShmemPosixUserComponent(@Reference(name = "microkernel") Microkernel microkernel) {
        process = microkernel.process("shmem_posix_user");
        user = new ShmemPosixUser(SharedMemory.of(process), ShmemPosixCreatorComponent.NAME,
                text -> LOG.info("Data in shared memory was: '{}'", text));
    }

    @Deactivate
    void deactivate() {
        user.close();
        process.exit();
    }
}
