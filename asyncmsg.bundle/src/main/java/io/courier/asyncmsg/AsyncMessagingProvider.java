package io.courier.asyncmsg;

import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What {@link AsyncMessaging#of(Kernel)} finds through {@link io.courier.kernel.Providers}: the
 * asyncmsg bundle implements it. Users call {@code AsyncMessaging.of}, not this.
 */
@ProviderType
public interface AsyncMessagingProvider {
    /** The asynchronous messaging view of {@code kernel}'s process. */
    AsyncMessaging of(Kernel kernel);

    /** {@link AsyncMessaging#channels(Microkernel)}. */
    List<AsyncChannelInfo> channels(Microkernel microkernel);

    /** {@link AsyncMessaging#connections(Microkernel)}. */
    List<AsyncConnectionInfo> connections(Microkernel microkernel);
}
