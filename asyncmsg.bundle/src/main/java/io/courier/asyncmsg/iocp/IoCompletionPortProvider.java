package io.courier.asyncmsg.iocp;

import io.courier.kernel.Kernel;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What {@link IoCompletionPort}'s static calls find through {@link io.courier.kernel.Providers}:
 * the asyncmsg bundle implements it. Users call {@code IoCompletionPort.create()} and
 * {@code IoCompletionPort.ports()}, not this.
 */
@ProviderType
public interface IoCompletionPortProvider {
    /** {@link IoCompletionPort#create()}. */
    IoCompletionPort create();

    /** {@link IoCompletionPort#create(Kernel)}. */
    IoCompletionPort create(Kernel kernel);

    /** {@link IoCompletionPort#ports()}. */
    List<PortInfo> ports();
}
