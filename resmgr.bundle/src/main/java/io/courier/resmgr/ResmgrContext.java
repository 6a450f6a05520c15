package io.courier.resmgr;

import io.courier.kernel.ClientInfo;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.MsgInfo;
import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The message a handler is serving ({@code resmgr_context_t}): its rcvid, the kernel's
 * information about it, the received bytes, and the ways to answer it.
 *
 * <p>A handler answers at most once: by returning (the dispatch layer replies with what the
 * handler returned), by {@link #reply}/{@link #error} here, by throwing a
 * {@link KernelException} (the client's call fails with its errno), or by
 * {@link #delayReply()} to answer later from any thread. The context is reused for the next
 * message once the handler returns; keep only the {@link DelayedReply}.
 */
@ProviderType
public interface ResmgrContext {
    /** The manager's process. */
    Kernel kernel();

    /** The rcvid of the message. */
    long rcvid();

    /** What the kernel said of the message: pid, scoid, coid, lengths, ... */
    MsgInfo info();

    /** The bytes received (position 0, limit the bytes received), read-only. */
    ByteBuffer message();

    /** The credentials of the sender ({@code ConnectClientInfo()}). */
    ClientInfo client();

    /**
     * {@code resmgr_msgread()}: copies more of the client's message, from {@code offset} (in
     * the client's message, header included), into {@code dst}; what a write handler uses to
     * get data beyond the header.
     *
     * @return the bytes copied
     */
    int msgRead(ByteBuffer dst, int offset);

    /** {@code resmgr_msgwrite()}: copies {@code src} into the client's reply buffer at {@code offset}. */
    int msgWrite(ByteBuffer src, int offset);

    /** {@code MsgReply()}: answers now with {@code status} and {@code data} (may be null). */
    void reply(int status, ByteBuffer data);

    /** {@code MsgReplyv()}: answers now with {@code status} and the parts of {@code iov}. */
    void replyv(int status, ByteBuffer... iov);

    /** {@code MsgError()}: answers now with an error. */
    void error(Errno errno);

    /**
     * {@code _RESMGR_NOREPLY}: the handler will answer later; the returned handle answers from
     * any thread. If the client asks to unblock meanwhile (the channel has UNBLOCK), the
     * handler's {@link ResmgrHandler#unblock} is called with it.
     */
    DelayedReply delayReply();

    /** Whether the message has been answered or its answer delayed. */
    boolean answered();
}
