package io.courier.asyncmsg.iocp.internal;

import io.courier.asyncmsg.iocp.IoCompletionPort;
import io.courier.asyncmsg.iocp.IoCompletionPortProvider;
import io.courier.asyncmsg.iocp.PortInfo;
import io.courier.kernel.Kernel;
import java.util.List;

/**
 * The implementation behind {@link IoCompletionPort}'s static calls, listed in
 * {@code META-INF/services/io.courier.asyncmsg.iocp.IoCompletionPortProvider}.
 */
public final class IoCompletionPortProviderImpl implements IoCompletionPortProvider {
    /** Made by {@link java.util.ServiceLoader}. */
    public IoCompletionPortProviderImpl() {
    }

    @Override
    public IoCompletionPort create() {
        return PortRegistry.create();
    }

    @Override
    public IoCompletionPort create(Kernel kernel) {
        return PortRegistry.create(kernel);
    }

    @Override
    public List<PortInfo> ports() {
        return PortRegistry.ports();
    }
}
