package io.courier.shm.internal.osgi;

import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import io.courier.shm.SharedMemory;
import io.courier.shm.internal.ForwardingSharedMemory;
import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;

/**
 * The {@link SharedMemory} service: each bundle that gets it is given a process of its own, named
 * after the bundle, which dies when the bundle releases the service; its fds close and its
 * mappings go with it (SPEC S3, P2).
 *
 * <p>It takes the {@link Microkernel} rather than the {@link Kernel} service: a
 * {@code Kernel} got here would be this bundle's own process, shared by all its users.
 */
@Component(service = SharedMemory.class, scope = ServiceScope.BUNDLE)
public final class SharedMemoryComponent extends ForwardingSharedMemory {
    private final Kernel process;
    private final SharedMemory view;

    /** Makes the process of the bundle that asked for the service. */
    @Activate
    public SharedMemoryComponent(@Reference(name = "microkernel") Microkernel microkernel, ComponentContext context) {
        process = microkernel.process(processName(context.getUsingBundle()));
        view = SharedMemory.of(process);
    }

    private static String processName(Bundle bundle) {
        String name = bundle.getSymbolicName();
        return name != null ? name : "bundle." + bundle.getBundleId();
    }

    @Override
    protected SharedMemory delegate() {
        return view;
    }

    @Deactivate
    void deactivate() {
        // The bundle may have ended its process itself; a dead process stays dead.
        if (process.isAlive()) {
            process.exit();
        }
    }
}
