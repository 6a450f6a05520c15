package io.courier.shm.internal.osgi;

import io.courier.kernel.Kernel;
import io.courier.kernel.osgi.BundleProcess;
import io.courier.shm.SharedMemory;
import io.courier.shm.internal.ForwardingSharedMemory;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.ServiceScope;

/**
 * The {@link SharedMemory} service: it acts for the process of the bundle that gets it; when the
 * bundle is done with the process, its fds close and its mappings go with it (SPEC S3, P2).
 *
 * <p>The process is the using bundle's own: the {@link Kernel} service got on its behalf
 * ({@link BundleProcess}), so a bundle using both services is one process.
 */
@Component(service = SharedMemory.class, scope = ServiceScope.BUNDLE)
public final class SharedMemoryComponent extends ForwardingSharedMemory {
    private final BundleProcess process;
    private final SharedMemory view;

    /** Takes the process of the bundle that asked for the service. */
    @Activate
    public SharedMemoryComponent(ComponentContext context) {
        process = BundleProcess.of(context.getUsingBundle());
        view = SharedMemory.of(process.kernel());
    }

    @Override
    protected SharedMemory delegate() {
        return view;
    }

    @Deactivate
    void deactivate() {
        process.close();
    }
}
