package io.courier.shm.internal;

import io.courier.shm.SharedMemory;
import io.courier.kernel.Kernel;
import java.util.Objects;

/** {@link SharedMemory} for one process. */
public final class SharedMemoryImpl implements SharedMemory {
    private final Kernel kernel;

    /** The view of {@code kernel}'s process. */
    public SharedMemoryImpl(Kernel kernel) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
    }

    @Override
    public Kernel kernel() {
        return kernel;
    }
}
