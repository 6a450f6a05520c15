package io.courier.asyncmsg.internal;

import io.courier.asyncmsg.AsyncMessaging;
import io.courier.asyncmsg.AsyncMessagingProvider;
import io.courier.kernel.Kernel;

/**
 * The implementation behind {@link AsyncMessaging#of(Kernel)}, listed in
 * {@code META-INF/services/io.courier.asyncmsg.AsyncMessagingProvider}.
 */
public final class AsyncMessagingProviderImpl implements AsyncMessagingProvider {
    /** Made by {@link java.util.ServiceLoader}. */
    public AsyncMessagingProviderImpl() {
    }

    @Override
    public AsyncMessaging of(Kernel kernel) {
        return new AsyncMessagingImpl(kernel);
    }
}
