package io.courier.resmgr;

import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What {@link Resmgr#of(Kernel)} finds through {@link io.courier.kernel.Providers}: the resmgr
 * bundle implements it. Users call {@code Resmgr.of}, not this.
 */
@ProviderType
public interface ResmgrProvider {
    /** The resource manager view of {@code kernel}'s process. */
    Resmgr of(Kernel kernel);

    /** {@link Resmgr#mounts(Microkernel)}. */
    List<MountInfo> mounts(Microkernel microkernel);
}
