package io.courier.shm;

import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import java.nio.file.Path;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What {@link SharedMemory}'s static calls find through {@link io.courier.kernel.Providers}: the
 * shm bundle implements it. Users call {@code SharedMemory.of}, {@code list} and
 * {@code directory}, not this.
 */
@ProviderType
public interface SharedMemoryProvider {
    /** {@link SharedMemory#of(Kernel)}. */
    SharedMemory of(Kernel kernel);

    /** {@link SharedMemory#list(Microkernel)}. */
    List<ShmStat> list(Microkernel microkernel);

    /** {@link SharedMemory#directory(Microkernel)}. */
    Path directory(Microkernel microkernel);

    /** {@link SharedMemory#objects(Microkernel)}. */
    List<ShmStat> objects(Microkernel microkernel);

    /** {@link SharedMemory#mappings(Microkernel)}. */
    List<MappingInfo> mappings(Microkernel microkernel);
}
