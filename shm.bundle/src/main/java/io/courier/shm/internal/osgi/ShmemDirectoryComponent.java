package io.courier.shm.internal.osgi;

import io.courier.kernel.Microkernel;
import io.courier.resmgr.ShmemDirectory;
import io.courier.resmgr.ShmemEntry;
import io.courier.shm.SharedMemory;
import io.courier.shm.ShmStat;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code /dev/shmem} (SPEC S3, R5): the shared memory objects of the kernel, offered to the
 * resource managers, which list them under {@code /dev/shmem}.
 */
@Component(service = ShmemDirectory.class)
public final class ShmemDirectoryComponent implements ShmemDirectory {
    private final Microkernel mk;

    /** The objects of {@code mk}. */
    @Activate
    public ShmemDirectoryComponent(@Reference(name = "microkernel") Microkernel mk) {
        this.mk = mk;
    }

    @Override
    public List<ShmemEntry> objects() {
        return SharedMemory.list(mk).stream().map(ShmemDirectoryComponent::entry).toList();
    }

    private static ShmemEntry entry(ShmStat s) {
        String name = s.name().startsWith("/") ? s.name().substring(1) : s.name();
        return new ShmemEntry(name, s.size(), s.mode(), s.uid(), s.gid());
    }
}
