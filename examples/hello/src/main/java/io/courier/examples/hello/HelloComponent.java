package io.courier.examples.hello;

import io.courier.kernel.Kernel;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The smallest Courier bundle: getting the {@link Kernel} service makes this bundle a process;
 * the component creates a channel while it is active and destroys it when deactivated. Drop the
 * jar into the runtime's {@code deploy/} folder to start it, delete it to stop it.
 */
@Component
public final class HelloComponent {
    private static final Logger LOG = LoggerFactory.getLogger(HelloComponent.class);

    private final Kernel kernel;
    private final int chid;

    /** Creates the channel ({@code ChannelCreate(0)}). */
    @Activate
    public HelloComponent(@Reference(name = "kernel") Kernel kernel) {
        this.kernel = kernel;
        chid = kernel.channelCreate(0);
        LOG.info("hello: process {} (pid {}) created channel {}", kernel.name(), kernel.pid(), chid);
    }

    @Deactivate
    void deactivate() {
        kernel.channelDestroy(chid);
        LOG.info("hello: process {} destroyed channel {}", kernel.name(), chid);
    }
}
