package io.courier.asyncmsg.internal;

import io.courier.asyncmsg.AsyncMessaging;
import io.courier.kernel.Kernel;
import java.util.Objects;

/** {@link AsyncMessaging} for one process. */
public final class AsyncMessagingImpl implements AsyncMessaging {
    private final Kernel kernel;

    /** The view of {@code kernel}'s process. */
    public AsyncMessagingImpl(Kernel kernel) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
    }

    @Override
    public Kernel kernel() {
        return kernel;
    }
}
