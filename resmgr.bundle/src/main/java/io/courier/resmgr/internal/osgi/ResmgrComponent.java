package io.courier.resmgr.internal.osgi;

import io.courier.kernel.osgi.BundleProcess;
import io.courier.resmgr.Resmgr;
import io.courier.resmgr.internal.ResmgrImpl;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.ServiceScope;

/**
 * The {@link Resmgr} service: it acts for the process of the bundle that gets it (the
 * {@link io.courier.kernel.Kernel} service got on the bundle's behalf, {@link BundleProcess}), so a
 * bundle using the kernel and resource managers is one process; the process's death takes the
 * bundle's names out of the pathname space and closes its dispatches.
 */
@Component(service = Resmgr.class, scope = ServiceScope.BUNDLE)
public final class ResmgrComponent extends ResmgrImpl {
    private final BundleProcess process;

    /** Takes the process of the bundle that asked for the service. */
    @Activate
    public ResmgrComponent(ComponentContext context) {
        BundleProcess p = BundleProcess.of(context.getUsingBundle());
        super(p.kernel());
        this.process = p;
    }

    @Deactivate
    void deactivate() {
        process.close();
    }
}
