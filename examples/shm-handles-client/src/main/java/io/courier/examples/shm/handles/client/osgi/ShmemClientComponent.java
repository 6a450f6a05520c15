package io.courier.examples.shm.handles.osgi;

import io.courier.examples.shm.handles.ShmemClient;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code shmem_qnx_client} as a process of its own: once the server is up, makes one exchange
 * and logs the answer.
 */
@Component(immediate = true)
public final class ShmemClientComponent {
    private static final Logger LOG = LoggerFactory.getLogger(ShmemClientComponent.class);

    private final Kernel process;
    private final Thread run;

    /** Starts the client process and its exchange. */
    @Activate
    public ShmemClientComponent(@Reference(name = "microkernel") Microkernel microkernel) {
        process = microkernel.process("shmem_qnx_client");
        run = Thread.ofVirtual().name("shmem_qnx_client").start(this::exchange);
    }

    private void exchange() {
        for (int tries = 0; tries < 50 && process.isAlive(); tries++) {
            try {
                LOG.info("Got from server: {}", ShmemClient.exchange(process, ShmemClient.DEFAULT_CLIENT_STRING));
                return;
            } catch (KernelException e) {
                // The server may not be up yet.
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    @Deactivate
    void deactivate() {
        run.interrupt();
        process.exit();
    }
}
