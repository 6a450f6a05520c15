package io.courier.asyncmsg;

import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The {@code recvbuf_callback} of {@code asyncmsg_channel_create()}: hands the library the
 * receive buffers of a channel ({@link #ALLOC}) and takes them back when the channel is
 * destroyed ({@link #FREE}). Without one the library allocates heap buffers itself.
 *
 * <p>A channel holds at most its {@code maxNumBuffer} receive buffers and reuses each after
 * {@link AsyncMessaging#free(AsyncMsgHeader)}; so {@link #ALLOC} is called only while the
 * channel has fewer, from inside {@link AsyncMessaging#get}, once per buffer. A channel made with
 * {@code maxNumBuffer} 0 keeps no buffers: {@link #ALLOC} is called for each message a get
 * returns, and {@link #FREE}, with that one buffer, when the message is freed; buffers not freed
 * when the channel is destroyed go to {@link #FREE} then. An exception
 * thrown here is caught, counted ({@link AsyncStats#recvbufCallbackFailures()}) and logged;
 * under {@link #ALLOC} it counts as a refusal.
 */
@ConsumerType
@FunctionalInterface
public interface RecvBufCallback {
    /** {@code ASYNCMSG_RECVBUF_ALLOC}: put one buffer in {@code bufs[0]}; return &gt; 0 to go on, 0 to stop. */
    int ALLOC = 1;
    /**
     * {@code ASYNCMSG_RECVBUF_FREE}: {@code bufs} holds buffers the channel gives back (on its
     * destruction, or on each free without a pool); the result is ignored.
     */
    int FREE = 2;

    /**
     * @param bufSize the channel's buffer size: the longest message a buffer must take
     * @param numBufs the number of entries of {@code bufs} that matter (1 for {@link #ALLOC})
     * @param bufs the table of buffers
     * @param flags {@link #ALLOC} or {@link #FREE}
     * @return for {@link #ALLOC}: &gt; 0 when {@code bufs[0]} holds a buffer and the library may ask
     *     for another, 0 (or a null {@code bufs[0]}) to refuse
     */
    int call(int bufSize, int numBufs, ByteBuffer[] bufs, int flags);
}
