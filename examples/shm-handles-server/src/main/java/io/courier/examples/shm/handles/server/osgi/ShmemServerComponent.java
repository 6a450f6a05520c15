package io.courier.examples.shm.handles.server.osgi;

import io.courier.examples.shm.handles.server.ShmemServer;
import io.courier.kernel.Kernel;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code shmem_qnx_server} as a bundle: the bundle's process serves {@code shmem_server}. */
@Component(immediate = true)
public final class ShmemServerComponent {
    private static final Logger LOG = LoggerFactory.getLogger(ShmemServerComponent.class);

    private final ShmemServer server;

    /** Attaches the name and starts serving. */
    @Activate
    public ShmemServerComponent(@Reference(name = "kernel") Kernel kernel) {
        server = new ShmemServer(kernel, "Answer from server", text -> LOG.info("Got from client: {}", text));
    }

    @Deactivate
    void deactivate() {
        server.close();
    }
}
