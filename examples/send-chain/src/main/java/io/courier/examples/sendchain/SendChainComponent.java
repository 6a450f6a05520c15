package io.courier.examples.sendchain;

import io.courier.kernel.Microkernel;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The send chain ({@link SendChain}) while this bundle is active. Its processes are made through
 * the {@link Microkernel} service, so the bundle is not a process itself: chain-a to chain-d (and
 * chain-load) are. The configuration {@value #PID} (for instance
 * {@code conf/io.courier.example.sendchain.cfg} in the runtime) may set {@code clients}, the
 * number of extra threads SEND-blocked in chain-load (default 0); a change builds the chain
 * again.
 */
@Component(configurationPid = SendChainComponent.PID)
public final class SendChainComponent {
    /** The configuration PID. */
    public static final String PID = "io.courier.example.sendchain";

    private final SendChain chain;

    /** Builds the chain; returns once it stands. */
    @Activate
    public SendChainComponent(@Reference(name = "microkernel") Microkernel mk, Map<String, Object> properties) {
        Object clients = properties.getOrDefault("clients", "0");
        chain = SendChain.start(mk, Integer.parseInt(clients.toString().trim()));
    }

    @Deactivate
    void deactivate() {
        chain.close();
    }
}
