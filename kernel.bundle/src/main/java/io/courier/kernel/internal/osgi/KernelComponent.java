package io.courier.kernel.internal.osgi;

import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Kernel} service: each bundle that gets it becomes a process of its own, named after
 * the bundle's symbolic name, and the process dies (SPEC K15 cleanup) when the bundle releases
 * the service, which the framework does at the latest when the bundle stops.
 *
 * <p>When the kernel cannot make the process, construction fails with its
 * {@link io.courier.kernel.KernelException}; SCR logs it and the bundle gets no service.
 *
 * <p>SPEC P1, P2.
 */
@Component(service = Kernel.class, scope = ServiceScope.BUNDLE)
public final class KernelComponent extends ForwardingKernel {
    private static final Logger LOG = LoggerFactory.getLogger(KernelComponent.class);

    private final Kernel process;

    /** Makes the process of the bundle that asked for the service. */
    @Activate
    public KernelComponent(@Reference(name = "microkernel") Microkernel microkernel, ComponentContext context) {
        Bundle bundle = context.getUsingBundle();
        process = microkernel.process(processName(bundle));
        LOG.info("bundle {} ({}) is process {}", bundle.getSymbolicName(), bundle.getBundleId(), process.pid());
    }

    /** The process name for {@code bundle}: its symbolic name, or its id when it has none. */
    static String processName(Bundle bundle) {
        String name = bundle.getSymbolicName();
        return name != null ? name : "bundle." + bundle.getBundleId();
    }

    @Override
    protected Kernel delegate() {
        return process;
    }

    @Deactivate
    void deactivate() {
        // The bundle may have ended its process itself; a dead process stays dead.
        if (process.isAlive()) {
            process.exit();
        }
    }
}
