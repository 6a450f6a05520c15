package io.courier.asyncmsg.internal.osgi;

import io.courier.asyncmsg.iocp.IoCompletionPort;
import io.courier.asyncmsg.iocp.internal.PortRegistry;
import io.courier.asyncmsg.internal.AsyncSystem;
import io.courier.kernel.osgi.Settings;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Lives as long as the asyncmsg bundle is active; when it stops, the library's delivery and
 * callback threads stop too, so that no thread outlives the bundle's class loader.
 *
 * <p>It holds the bundle's settings (configuration {@value #PID}, {@link AsyncMsgConfig}): each
 * change applies to the next use; a bad value is logged and the value in use stays.
 */
@Component(immediate = true, service = {}, configurationPid = AsyncMessagingRuntime.PID)
@Designate(ocd = AsyncMsgConfig.class)
public final class AsyncMessagingRuntime {
    /** The configuration PID: {@code conf/io.courier.asyncmsg.cfg} in the runtime. */
    static final String PID = "io.courier.asyncmsg";

    /** Applies the settings of the configuration; the library starts its threads on first use. */
    @Activate
    public AsyncMessagingRuntime(Map<String, Object> properties) {
        modified(properties);
    }

    /** A new configuration: the port limit applies to the next port created. */
    @Modified
    void modified(Map<String, Object> properties) {
        Settings s = Settings.of(PID, properties);
        PortRegistry.maxPerProcess(s.intValue("iocp.maxPortsPerProcess", IoCompletionPort.MAX_PER_PROCESS,
                PortRegistry.maxPerProcess(), 1, 65536));
        s.log();
    }

    @Deactivate
    void deactivate() {
        AsyncSystem.shutdownAll();
        PortRegistry.maxPerProcess(IoCompletionPort.MAX_PER_PROCESS);
    }
}
