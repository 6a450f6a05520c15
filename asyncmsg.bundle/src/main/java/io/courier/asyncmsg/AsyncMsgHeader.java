package io.courier.asyncmsg;

import io.courier.kernel.Errno;
import io.courier.kernel.MsgInfo;
import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One received message ({@code struct _asyncmsg_get_header}). {@link AsyncMessaging#get}
 * returns the messages of one batch as a list linked by {@link #next()}; each header, with its
 * receive buffer, is handed back separately with {@link AsyncMessaging#free(AsyncMsgHeader)},
 * after which the channel reuses it.
 */
@ProviderType
public interface AsyncMsgHeader {
    /** The next message of the batch, or null after the last. */
    AsyncMsgHeader next();

    /**
     * What is known of the message ({@code info}): {@link MsgInfo#pid()} the sender,
     * {@link MsgInfo#coid()} the sender's connection, {@link MsgInfo#chid()} the channel,
     * {@link MsgInfo#msglen()} the bytes in the receive buffer, {@link MsgInfo#srcmsglen()} the
     * bytes the sender put (more than {@code msglen} when the channel's buffers are smaller),
     * {@link MsgInfo#dstmsglen()} the receive buffer's size. The tid, scoid and priority are 0:
     * asynchronous receivers do not take the sender's priority (SPEC A6).
     */
    MsgInfo info();

    /** The error status of this message ({@code err}): {@link Errno#EOK}. */
    Errno err();

    /** The number of buffers in {@link #iov()} ({@code parts}): 1, the message gathered into one buffer. */
    int parts();

    /**
     * The message ({@code iov}): buffers whose bytes between position and limit are the message,
     * {@code msglen} bytes in all. Valid until the header is freed.
     */
    ByteBuffer[] iov();

    /** The first (and only) buffer of {@link #iov()}: the message, for convenience. */
    ByteBuffer msg();
}
