package io.courier.asyncmsg.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import java.io.Serial;

/**
 * A {@link KernelException} without a stack trace, for the refusal a sender meets in normal
 * operation and may meet millions of times a second: EAGAIN from a put on a full connection.
 * Filling in a stack trace would cost more than the put itself.
 */
final class Refusal extends KernelException {
    @Serial
    private static final long serialVersionUID = 1L;

    Refusal(Errno errno, String message) {
        super(errno, message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
