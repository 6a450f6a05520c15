package io.courier.shm;

import io.courier.shm.internal.SharedMemoryImpl;
import io.courier.kernel.Kernel;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One process's view of Courier's shared memory calls ({@code shm_*()}): the calls that process
 * makes. In OSGi each bundle that gets the {@code SharedMemory} service is a process of its own;
 * outside OSGi {@link #of(Kernel)} gives the view of any process.
 */
@ProviderType
public interface SharedMemory {
    /** The shared memory view of {@code kernel}'s process. */
    static SharedMemory of(Kernel kernel) {
        return new SharedMemoryImpl(kernel);
    }

    /** The process this view acts for. */
    Kernel kernel();
}
