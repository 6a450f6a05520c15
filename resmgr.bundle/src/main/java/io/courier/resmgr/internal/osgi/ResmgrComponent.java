package io.courier.resmgr.internal.osgi;

import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import io.courier.resmgr.Resmgr;
import io.courier.resmgr.internal.ResmgrImpl;
import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;

/**
 * The {@link Resmgr} service: each bundle that gets it is given a process of its own, named
 * after the bundle, which dies when the bundle releases the service; its death takes the
 * bundle's names out of the pathname space and closes its dispatches.
 *
 * <p>It takes the {@link Microkernel} rather than the {@link Kernel} service: a
 * {@code Kernel} got here would be this bundle's own process, shared by all its users.
 */
@Component(service = Resmgr.class, scope = ServiceScope.BUNDLE)
public final class ResmgrComponent extends ResmgrImpl {
    /** Makes the process of the bundle that asked for the service. */
    @Activate
    public ResmgrComponent(@Reference(name = "microkernel") Microkernel microkernel, ComponentContext context) {
        super(microkernel.process(processName(context.getUsingBundle())));
    }

    private static String processName(Bundle bundle) {
        String name = bundle.getSymbolicName();
        return name != null ? name : "bundle." + bundle.getBundleId();
    }

    @Deactivate
    void deactivate() {
        // The bundle may have ended its process itself; a dead process stays dead.
        if (kernel().isAlive()) {
            kernel().exit();
        }
    }
}
