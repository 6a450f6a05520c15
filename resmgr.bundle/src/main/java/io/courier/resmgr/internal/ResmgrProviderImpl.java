package io.courier.resmgr.internal;

import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import io.courier.resmgr.MountInfo;
import io.courier.resmgr.Resmgr;
import io.courier.resmgr.ResmgrProvider;
import java.util.List;

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

    @Override
    public List<MountInfo> mounts(Microkernel microkernel) {
        return ResmgrImpl.mounts(microkernel);
    }
}
