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
 * {@code nameDetach} and by the server's death. In a node, the names of the other JVMs are
 * published too ({@link #REMOTE} true, {@link #OS_PID} their JVM's), as the kernel's
 * {@link MicrokernelImpl.NameWatcher#attachedInNode} tells them, and withdrawn when they go
 * there or their JVM dies.
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
    /** The service property holding the OS pid of the JVM that holds the name. */
    public static final String OS_PID = "courier.os.pid";
    /** The service property saying whether another JVM of the node holds the name. */
    public static final String REMOTE = "courier.remote";

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
        publish(name, ProcessHandle.current().pid(), false);
    }

    @Override
    public void attachedInNode(NameInfo name, long osPid) {
        publish(name, osPid, true);
    }

    private void publish(NameInfo name, long osPid, boolean remote) {
        registrar.execute(() -> {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(NAME, name.name());
            props.put(PID, name.pid());
            props.put(CHID, name.chid());
            props.put(OS_PID, osPid);
            props.put(REMOTE, remote);
            ServiceRegistration<NameInfo> old = published.put(name, context.registerService(NameInfo.class, name, props));
            if (old != null) {
                unregister(old, name);
            }
        });
    }

    @Override
    public void detachedInNode(NameInfo name, long osPid) {
        detached(name);
    }

    private static void unregister(ServiceRegistration<NameInfo> reg, NameInfo name) {
        try {
            reg.unregister();
        } catch (IllegalStateException e) {
            LOG.debug("name {} was unregistered already", name.name());
        }
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
