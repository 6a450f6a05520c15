package io.courier.shm.internal.osgi;

import io.courier.kernel.Microkernel;
import io.courier.shm.internal.ShmRegistry;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The shared memory manager of an OSGi runtime: starts it (its {@code shm} process and folder)
 * with the bundle, and closes it, unmapping and closing everything, when the bundle stops or the
 * kernel goes, so that no mapping outlives the bundle's classes.
 */
@Component(service = {}, immediate = true)
public final class SharedMemoryManagerComponent {
    private final Microkernel microkernel;

    /** Starts the manager of {@code microkernel}. */
    @Activate
    public SharedMemoryManagerComponent(@Reference(name = "microkernel") Microkernel microkernel) {
        this.microkernel = microkernel;
        ShmRegistry.of(microkernel);
    }

    @Deactivate
    void deactivate() {
        ShmRegistry.shutdown(microkernel);
    }
}
