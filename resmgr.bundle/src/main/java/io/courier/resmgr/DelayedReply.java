package io.courier.resmgr;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A message whose answer a handler delayed ({@link ResmgrContext#delayReply()}): the rcvid
 * kept for a later {@code MsgReply()}, usable from any thread. Each answers once; later calls
 * fail with ESRCH, as does answering a client that has gone.
 */
@ProviderType
public interface DelayedReply {
    /** The rcvid of the message. */
    long rcvid();

    /** The OCB the message was for. */
    Ocb ocb();

    /**
     * {@code MsgReply()}.
     *
     * @throws KernelException ESRCH when already answered or the client is gone
     */
    void reply(int status, ByteBuffer data);

    /**
     * {@code MsgError()}.
     *
     * @throws KernelException ESRCH when already answered or the client is gone
     */
    void error(Errno errno);

    /**
     * {@code MsgError(rcvid, -1)}: the client leaves with the error the kernel kept when it
     * asked to unblock (EINTR or ETIMEDOUT). What {@link ResmgrHandler#unblock} does by default.
     *
     * @throws KernelException ESRCH when already answered or the client is gone
     */
    void cancel();

    /** Whether it has been answered. */
    boolean answered();
}
