package io.courier.resmgr;

import io.courier.resmgr.internal.ResmgrImpl;
import io.courier.kernel.Kernel;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One process's view of Courier's resource manager calls ({@code resmgr_*()}): the calls that process
 * makes. In OSGi each bundle that gets the {@code Resmgr} service is a process of its own;
 * outside OSGi {@link #of(Kernel)} gives the view of any process.
 */
@ProviderType
public interface Resmgr {
    /** The resource manager view of {@code kernel}'s process. */
    static Resmgr of(Kernel kernel) {
        return new ResmgrImpl(kernel);
    }

    /** The process this view acts for. */
    Kernel kernel();
}
