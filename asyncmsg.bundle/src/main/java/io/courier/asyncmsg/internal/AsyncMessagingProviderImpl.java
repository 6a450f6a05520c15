package io.courier.asyncmsg.internal;

import io.courier.asyncmsg.AsyncChannelInfo;
import io.courier.asyncmsg.AsyncConnectionInfo;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.asyncmsg.AsyncMessagingProvider;
import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import java.util.List;

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

    @Override
    public List<AsyncChannelInfo> channels(Microkernel microkernel) {
        return AsyncSystem.channels(microkernel);
    }

    @Override
    public List<AsyncConnectionInfo> connections(Microkernel microkernel) {
        return AsyncSystem.connections(microkernel);
    }
}
