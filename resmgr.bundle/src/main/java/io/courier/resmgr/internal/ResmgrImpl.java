package io.courier.resmgr.internal;

import io.courier.resmgr.Resmgr;
import io.courier.kernel.Kernel;
import java.util.Objects;

/** {@link Resmgr} for one process. */
public final class ResmgrImpl implements Resmgr {
    private final Kernel kernel;

    /** The view of {@code kernel}'s process. */
    public ResmgrImpl(Kernel kernel) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
    }

    @Override
    public Kernel kernel() {
        return kernel;
    }
}
