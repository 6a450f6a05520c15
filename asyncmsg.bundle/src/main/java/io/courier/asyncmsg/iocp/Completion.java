package io.courier.asyncmsg.iocp;

import io.courier.kernel.Errno;
import java.nio.channels.SocketChannel;

/**
 * What {@link IoCompletionPort#waitForCompletion} hands one waiting thread: the status of a
 * finished operation and the application's handle, as IBM i's {@code QsoWaitForIOCompletion}
 * fills its {@code Qso_OverlappedIO_t}.
 *
 * @param operation which call completed ({@code operationCompleted})
 * @param errno {@link Errno#EOK}, or why the operation failed ({@code errnoValue}); a pending
 *     operation cancelled by {@link IoCompletionPort#cancel} or by its socket being closed
 *     reports {@link Errno#ECANCELED}
 * @param bytesTransferred bytes received or sent, also when the operation failed part way
 *     (0 for accept and post, and for a receive that met the end of the stream)
 * @param handle the application handle given at the start ({@code descriptorHandle})
 * @param io the communications area the operation was started (or posted) with
 * @param accepted for {@link Operation#ACCEPT}, the new connection, already in non-blocking
 *     mode and owned by the application; otherwise null
 */
public record Completion(Operation operation, Errno errno, int bytesTransferred, Object handle,
        OverlappedIo io, SocketChannel accepted) {

    /** IBM i's {@code returnValue}: the bytes transferred, or -1 when {@link #errno} is set. */
    public int returnValue() {
        return errno == Errno.EOK ? bytesTransferred : -1;
    }

    /** Whether the operation succeeded ({@code errno} is {@link Errno#EOK}). */
    public boolean succeeded() {
        return errno == Errno.EOK;
    }
}
