package io.courier.kernel.internal.osgi;

import io.courier.kernel.ConnectionInfo;
import io.courier.kernel.Credentials;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.kernel.NameInfo;
import io.courier.kernel.ProcessInfo;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The system of an OSGi runtime: boots the kernel when the kernel bundle starts, registers it as
 * the {@link Microkernel} service and closes it when the bundle stops.
 *
 * <p>Immediate, because a delayed component would be deactivated, and every process killed,
 * whenever its last user let go of the service.
 *
 * <p>SPEC P1.
 */
@Component(service = Microkernel.class, immediate = true)
public final class MicrokernelComponent implements Microkernel {
    private static final Logger LOG = LoggerFactory.getLogger(MicrokernelComponent.class);

    private final Microkernel microkernel;

    /** Boots the kernel. */
    @Activate
    public MicrokernelComponent() {
        microkernel = Microkernel.boot();
        LOG.info("Courier kernel booted");
    }

    /** The kernel itself, for the other components of this bundle. */
    Microkernel kernel() {
        return microkernel;
    }

    @Deactivate
    void deactivate() {
        microkernel.close();
        LOG.info("Courier kernel closed");
    }

    @Override
    public Kernel process(String name) {
        return microkernel.process(name);
    }

    @Override
    public Kernel process(String name, Credentials credentials) {
        return microkernel.process(name, credentials);
    }

    @Override
    public Optional<Kernel> process(int pid) {
        return microkernel.process(pid);
    }

    @Override
    public List<ProcessInfo> processes() {
        return microkernel.processes();
    }

    @Override
    public List<NameInfo> names() {
        return microkernel.names();
    }

    @Override
    public List<ConnectionInfo> connections() {
        return microkernel.connections();
    }

    /**
     * Refused: the kernel bundle owns the system's life, and one user of the service must not
     * kill every other user's processes.
     *
     * @throws KernelException EPERM always
     */
    @Override
    public void close() {
        throw new KernelException(Errno.EPERM, "the Microkernel service closes when the kernel bundle stops");
    }
}
