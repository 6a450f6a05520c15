package io.courier.shm.internal.osgi;

import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.kernel.osgi.Settings;
import io.courier.shm.internal.ShmRegistry;
import java.nio.file.Path;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared memory manager of an OSGi runtime: starts it (its {@code shm} process and folder)
 * with the bundle, and closes it, unmapping and closing everything, when the bundle stops or the
 * kernel goes, so that no mapping outlives the bundle's classes.
 *
 * <p>Its settings come from the configuration {@value #PID} ({@link ShmConfig}): a new largest
 * size applies at the next {@code ftruncate}; a new folder restarts the manager
 * ({@link ShmRegistry#configure}); a bad value, or a folder that cannot be used, is logged and
 * the settings in use stay.
 */
@Component(service = {}, immediate = true, configurationPid = SharedMemoryManagerComponent.PID)
@Designate(ocd = ShmConfig.class)
public final class SharedMemoryManagerComponent {
    /** The configuration PID: {@code conf/io.courier.shm.cfg} in the runtime. */
    static final String PID = "io.courier.shm";
    private static final Logger LOG = LoggerFactory.getLogger(SharedMemoryManagerComponent.class);

    private final Microkernel microkernel;
    /** The settings in use; SCR calls activation and {@link #modified} one at a time. */
    private ShmRegistry.Settings settings;

    /** Starts the manager of {@code microkernel} with the settings of its configuration. */
    @Activate
    public SharedMemoryManagerComponent(@Reference(name = "microkernel") Microkernel microkernel,
            Map<String, Object> properties) {
        this.microkernel = microkernel;
        this.settings = ShmRegistry.Settings.fromSystemProperties();
        modified(properties);
        try {
            ShmRegistry.of(microkernel);
        } catch (KernelException e) {
            LOG.warn("{}: dir = '{}' cannot be used ({}); the manager starts on a private folder", PID,
                    settings.dir(), e.getMessage());
            settings = new ShmRegistry.Settings(null, settings.maxSize());
            ShmRegistry.configure(microkernel, settings);
            ShmRegistry.of(microkernel);
        }
    }

    /** A new configuration: a new size at once, a new folder by a restart of the manager. */
    @Modified
    void modified(Map<String, Object> properties) {
        ShmRegistry.Settings defaults = ShmRegistry.Settings.fromSystemProperties();
        Settings s = Settings.of(PID, properties);
        String dir = s.stringValue("dir", text(defaults.dir()), text(settings.dir()));
        long maxSize = s.longValue("maxSize", defaults.maxSize(), settings.maxSize(), 0, Long.MAX_VALUE);
        ShmRegistry.Settings next = new ShmRegistry.Settings(dir.isEmpty() ? null : Path.of(dir), maxSize);
        try {
            if (ShmRegistry.configure(microkernel, next)) {
                LOG.info("{}: the shared memory manager restarted on {}", PID,
                        next.dir() == null ? "a private folder" : next.dir());
            }
            settings = next;
            s.log();
        } catch (KernelException e) {
            s.log();
            LOG.warn("{}: dir = '{}' cannot be used ({}); dir stays {}", PID, dir, e.getMessage(), text(settings.dir()));
            ShmRegistry.configure(microkernel, new ShmRegistry.Settings(settings.dir(), maxSize));
            settings = new ShmRegistry.Settings(settings.dir(), maxSize);
        }
    }

    private static String text(Path dir) {
        return dir == null ? "" : dir.toString();
    }

    @Deactivate
    void deactivate() {
        ShmRegistry.shutdown(microkernel);
        ShmRegistry.forget(microkernel);
    }
}
