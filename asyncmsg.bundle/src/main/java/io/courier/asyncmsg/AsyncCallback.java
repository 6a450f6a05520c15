package io.courier.asyncmsg;

import io.courier.kernel.Errno;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * What a sender hears of a message after it left its hands ({@code call_back} of
 * {@code asyncmsg_put()} and of {@code struct _asyncmsg_connection_attr}). It runs on a library
 * thread once the message was got by the receiver ({@link Errno#EOK}), or once it is known that
 * it never will be (another errno; see {@link AsyncMessaging#put}). Until then the sender must
 * leave the message's bytes alone.
 *
 * <p>An exception thrown here is caught, counted ({@link AsyncStats#callbackFailures()}) and
 * logged; the library thread goes on.
 */
@ConsumerType
@FunctionalInterface
public interface AsyncCallback {
    /**
     * @param err {@link Errno#EOK} when the message was delivered, else why it was not
     * @param msg what was put: the {@code ByteBuffer} of {@link AsyncMessaging#put}, or the
     *     {@code ByteBuffer[]} of {@link AsyncMessaging#putv}
     * @param handle the handle given to the put
     */
    void call(Errno err, Object msg, long handle);
}
