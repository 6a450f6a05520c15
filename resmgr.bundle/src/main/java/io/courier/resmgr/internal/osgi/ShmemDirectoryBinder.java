package io.courier.resmgr.internal.osgi;

import io.courier.resmgr.Resmgr;
import io.courier.resmgr.ShmemDirectory;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Plugs every {@link ShmemDirectory} service (whoever keeps the shared memory objects registers
 * one) into {@code /dev/shmem}, and unplugs it when the service goes. Optional and dynamic: the
 * shm bundle may come and go while the pathname space runs.
 */
@Component(immediate = true)
public final class ShmemDirectoryBinder {
    private final Resmgr rm;
    private final Map<ShmemDirectory, ShmemDirectory.Registration> plugged =
            Collections.synchronizedMap(new IdentityHashMap<>());

    /** Plugs directories in as {@code rm}'s process. */
    @Activate
    public ShmemDirectoryBinder(@Reference(name = "resmgr") Resmgr rm) {
        this.rm = rm;
    }

    @Reference(name = "shmem", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addShmem(ShmemDirectory directory) {
        plugged.put(directory, rm.shmemDirectoryAttach(directory));
    }

    void removeShmem(ShmemDirectory directory) {
        ShmemDirectory.Registration r = plugged.remove(directory);
        if (r != null) {
            r.close();
        }
    }

    @Deactivate
    void deactivate() {
        synchronized (plugged) {
            plugged.values().forEach(ShmemDirectory.Registration::close);
            plugged.clear();
        }
    }
}
