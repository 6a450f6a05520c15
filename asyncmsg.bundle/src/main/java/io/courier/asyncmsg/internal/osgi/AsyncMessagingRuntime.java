package io.courier.asyncmsg.internal.osgi;

import io.courier.asyncmsg.internal.AsyncSystem;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Lives as long as the asyncmsg bundle is active; when it stops, the library's delivery and
 * callback threads stop too, so that no thread outlives the bundle's class loader.
 */
@Component(immediate = true, service = {})
public final class AsyncMessagingRuntime {
    /** Nothing to do on start: the library starts its threads on first use. */
    public AsyncMessagingRuntime() {
    }

    @Deactivate
    void deactivate() {
        AsyncSystem.shutdownAll();
    }
}
