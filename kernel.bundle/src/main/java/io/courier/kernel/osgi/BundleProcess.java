package io.courier.kernel.osgi;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import org.osgi.annotation.versioning.ProviderType;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * The process of a bundle, for the per-bundle services of the other Courier bundles
 * ({@code AsyncMessaging}, {@code SharedMemory}, {@code Resmgr}): it is the {@link Kernel}
 * service got on the bundle's behalf, so a bundle that uses the kernel and, say, shared memory is
 * one process, with one pid, whichever service it got first. The process dies when the bundle
 * has released every such use.
 */
@ProviderType
public final class BundleProcess implements AutoCloseable {
    private final BundleContext context;
    private final ServiceReference<Kernel> reference;
    private final Kernel kernel;
    private boolean closed;

    private BundleProcess(BundleContext context, ServiceReference<Kernel> reference, Kernel kernel) {
        this.context = context;
        this.reference = reference;
        this.kernel = kernel;
    }

    /**
     * Gets {@code bundle}'s process.
     *
     * @throws KernelException ESRCH when the bundle has no context (it is not starting or active)
     *     or no {@link Kernel} service is registered; the kernel's error when it cannot make the
     *     process
     */
    public static BundleProcess of(Bundle bundle) {
        BundleContext context = bundle.getBundleContext();
        if (context == null) {
            throw new KernelException(Errno.ESRCH, "bundle " + bundle.getSymbolicName() + " is not active");
        }
        ServiceReference<Kernel> ref = context.getServiceReference(Kernel.class);
        Kernel k = ref == null ? null : context.getService(ref);
        if (k == null) {
            throw new KernelException(Errno.ESRCH, "no Kernel service for bundle " + bundle.getSymbolicName());
        }
        return new BundleProcess(context, ref, k);
    }

    /** The bundle's process. */
    public Kernel kernel() {
        return kernel;
    }

    /** Releases this use of the process; the last release is its death. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            context.ungetService(reference);
        } catch (IllegalStateException e) {
            // the bundle stopped: the framework released its services already
        }
    }
}
