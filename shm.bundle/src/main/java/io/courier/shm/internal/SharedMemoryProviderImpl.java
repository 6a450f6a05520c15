package io.courier.shm.internal;

import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import io.courier.shm.MappingInfo;
import io.courier.shm.SharedMemory;
import io.courier.shm.SharedMemoryProvider;
import io.courier.shm.ShmStat;
import java.nio.file.Path;
import java.util.List;

/**
 * The implementation behind {@link SharedMemory}'s static calls, listed in
 * {@code META-INF/services/io.courier.shm.SharedMemoryProvider}.
 */
public final class SharedMemoryProviderImpl implements SharedMemoryProvider {
    /** Made by {@link java.util.ServiceLoader}. */
    public SharedMemoryProviderImpl() {
    }

    @Override
    public SharedMemory of(Kernel kernel) {
        return new SharedMemoryImpl(kernel);
    }

    @Override
    public List<ShmStat> list(Microkernel microkernel) {
        return ShmRegistry.of(microkernel).list();
    }

    @Override
    public Path directory(Microkernel microkernel) {
        return ShmRegistry.of(microkernel).namesDirectory();
    }

    @Override
    public List<ShmStat> objects(Microkernel microkernel) {
        return ShmRegistry.objects(microkernel);
    }

    @Override
    public List<MappingInfo> mappings(Microkernel microkernel) {
        return ShmRegistry.mappings(microkernel);
    }
}
