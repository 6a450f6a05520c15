package io.courier.kernel.internal.osgi;

import io.courier.kernel.Microkernel;
import io.courier.kernel.NameInfo;
import io.courier.kernel.internal.MicrokernelImpl;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes every attached name as a {@link NameInfo} service (SPEC K14 in OSGi), so that clients
 * find servers with a DS reference or a service tracker as well as with {@code nameOpen}:
 * {@code @Reference(target = "(courier.name=checksum)") NameInfo server}. Withdrawn by
 * {@code nameDetach} and by the server's death.
 *
 * <p>Registration runs on a thread of its own, in order: the server that attached the name is
 * still inside {@code nameAttach}, and a client activated by the new service must be free to
 * {@code nameOpen} it, which needs that server to receive.
 */
@Component(immediate = true, service = {})
public final class NamePublisher implements MicrokernelImpl.NameWatcher {
    /** The service property holding the name. */
    public static final String NAME = "courier.name";
    /** The service property holding the server's pid. */
    public static final String PID = "courier.pid";
    /** The service property holding the name's chid. */
    public static final String CHID = "courier.chid";

    private static final Logger LOG = LoggerFactory.getLogger(NamePublisher.class);

    private final BundleContext context;
    private final ExecutorService registrar = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("courier-names").unstarted(r));
    private final Map<NameInfo, ServiceRegistration<NameInfo>> published = new ConcurrentHashMap<>();
    private final Runnable stopWatching;

    /** Starts publishing the names of the kernel. */
    @Activate
    public NamePublisher(@Reference(name = "microkernel") Microkernel microkernel, BundleContext context) {
        this.context = context;
        Microkernel mk = microkernel instanceof MicrokernelComponent c ? c.kernel() : microkernel;
        stopWatching = mk instanceof MicrokernelImpl impl ? impl.watchNames(this) : () -> { };
    }

    @Override
    public void attached(NameInfo name) {
        registrar.execute(() -> {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(NAME, name.name());
            props.put(PID, name.pid());
            props.put(CHID, name.chid());
            published.put(name, context.registerService(NameInfo.class, name, props));
        });
    }

    @Override
    public void detached(NameInfo name) {
        registrar.execute(() -> {
            ServiceRegistration<NameInfo> reg = published.remove(name);
            if (reg != null) {
                try {
                    reg.unregister();
                } catch (IllegalStateException e) {
                    LOG.debug("name {} was unregistered already", name.name());
                }
            }
        });
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        stopWatching.run();
        registrar.shutdown();
        if (!registrar.awaitTermination(5, TimeUnit.SECONDS)) {
            LOG.warn("name registrations did not finish in time");
        }
        for (ServiceRegistration<NameInfo> reg : published.values()) {
            try {
                reg.unregister();
            } catch (IllegalStateException e) {
                LOG.debug("unregistered already", e);
            }
        }
        published.clear();
    }
}
