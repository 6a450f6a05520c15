package io.courier.kernel.internal;

import io.courier.kernel.Microkernel;
import io.courier.kernel.MicrokernelProvider;

/**
 * The kernel behind {@link Microkernel#boot()}, listed in
 * {@code META-INF/services/io.courier.kernel.MicrokernelProvider}.
 */
public final class MicrokernelProviderImpl implements MicrokernelProvider {
    /** Made by {@link java.util.ServiceLoader}. */
    public MicrokernelProviderImpl() {
    }

    @Override
    public Microkernel boot() {
        return new MicrokernelImpl();
    }
}
