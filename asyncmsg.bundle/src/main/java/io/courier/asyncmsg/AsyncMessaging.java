package io.courier.asyncmsg;

import io.courier.asyncmsg.internal.AsyncMessagingImpl;
import io.courier.kernel.Kernel;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One process's view of Courier's asynchronous messaging calls ({@code asyncmsg_*()}): the calls that process
 * makes. In OSGi each bundle that gets the {@code AsyncMessaging} service is a process of its own;
 * outside OSGi {@link #of(Kernel)} gives the view of any process.
 */
@ProviderType
public interface AsyncMessaging {
    /** The asynchronous messaging view of {@code kernel}'s process. */
    static AsyncMessaging of(Kernel kernel) {
        return new AsyncMessagingImpl(kernel);
    }

    /** The process this view acts for. */
    Kernel kernel();
}
