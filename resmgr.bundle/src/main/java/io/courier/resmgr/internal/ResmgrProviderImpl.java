package io.courier.resmgr.internal;

import io.courier.kernel.Kernel;
import io.courier.resmgr.Resmgr;
import io.courier.resmgr.ResmgrProvider;

/**
 * The implementation behind {@link Resmgr#of(Kernel)}, listed in
 * {@code META-INF/services/io.courier.resmgr.ResmgrProvider}.
 */
public final class ResmgrProviderImpl implements ResmgrProvider {
    /** Made by {@link java.util.ServiceLoader}. */
    public ResmgrProviderImpl() {
    }

    @Override
    public Resmgr of(Kernel kernel) {
        return new ResmgrImpl(kernel);
    }
}
