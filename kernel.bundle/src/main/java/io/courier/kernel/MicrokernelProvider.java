package io.courier.kernel;

import org.osgi.annotation.versioning.ProviderType;

/**
 * What {@link Microkernel#boot()} finds through {@link Providers}: the kernel bundle implements
 * it. Users call {@code Microkernel.boot()}, not this.
 */
@ProviderType
public interface MicrokernelProvider {
    /** Starts an embedded kernel with the default configuration. */
    Microkernel boot();
}
