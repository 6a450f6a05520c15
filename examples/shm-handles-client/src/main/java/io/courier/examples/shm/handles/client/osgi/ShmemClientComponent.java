package io.courier.examples.shm.handles.client.osgi;

import io.courier.examples.shm.handles.ShmemQnx;
import io.courier.examples.shm.handles.client.ShmemClient;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.NameInfo;
import io.courier.kernel.osgi.NameServices;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code shmem_qnx_client} as a bundle (its process): each time a server attaches
 * {@value ShmemQnx#SHMEM_SERVER_NAME} (its {@code NameInfo} service appears), makes one exchange
 * with it and logs the answer. The server bundle may come, go and be replaced: this one stays.
 */
@Component(immediate = true)
public final class ShmemClientComponent {
    private static final Logger LOG = LoggerFactory.getLogger(ShmemClientComponent.class);

    private final Kernel kernel;
    /** Cleared (volatile) when the component stops, so that the end of an exchange cut off by it is not logged. */
    private volatile boolean active = true;

    /** The bundle's process is the client. */
    @Activate
    public ShmemClientComponent(@Reference(name = "kernel") Kernel kernel) {
        this.kernel = kernel;
    }

    /** A server holds the name now: one exchange with it, on a thread of its own (not DS's). */
    @Reference(target = "(" + NameServices.NAME + "=" + ShmemQnx.SHMEM_SERVER_NAME + ")", unbind = "serverGone",
            cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void serverUp(NameInfo server) {
        Thread.ofVirtual().name("shmem_qnx_client").start(() -> exchange(server));
    }

    void serverGone(NameInfo server) {
        LOG.debug("server pid {} released {}", server.pid(), server.name());
    }

    private void exchange(NameInfo server) {
        try {
            LOG.info("Got from server pid {}: {}", server.pid(),
                    ShmemClient.exchange(kernel, ShmemClient.DEFAULT_CLIENT_STRING));
        } catch (KernelException e) {
            if (active) {
                LOG.info("server pid {} went before the exchange ended: {}", server.pid(), e.getMessage());
            }
        }
    }

    /** An exchange still running fails with the process's death (the bundle stops): not worth a line. */
    @Deactivate
    void deactivate() {
        active = false;
    }
}
