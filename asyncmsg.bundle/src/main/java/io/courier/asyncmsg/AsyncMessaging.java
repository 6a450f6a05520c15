package io.courier.asyncmsg;

import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.kernel.NameInfo;
import io.courier.kernel.Providers;
import io.courier.kernel.SigEvent;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One process's view of Courier's asynchronous messaging calls ({@code asyncmsg_*()}): the calls that process
 * makes. In OSGi each bundle that gets the {@code AsyncMessaging} service is a process of its own;
 * outside OSGi {@link #of(Kernel)} gives the view of any process.
 *
 * <p>The model (SPEC A1–A6). A receiver creates an asynchronous channel; senders attach
 * asynchronous connections to it and {@link #put} messages, which never blocks: a put records
 * the sender's buffer (no copy) in the connection's ring on the sender's side. A trigger (a
 * count, a time, a {@link #flush}, or a full ring) delivers the waiting messages: they become
 * visible to the channel, whose event is sent when it goes from empty to non-empty. The
 * receiver's {@link #get} copies every delivered message, once, into its receive buffers and
 * returns them as a linked list; then each message's callback runs on a library thread.
 *
 * <p>Store and forward (SPEC A6, P3). A channel may be published under a name
 * ({@link #nameAttach}) and a sender may connect to the name ({@link #nameOpen}) instead of to a
 * pid and chid. Such a connection outlives the receivers: while no channel holds the name, its
 * messages stay on the sender's side, in order; the next channel to attach the name receives
 * them, none lost and none twice. Bounds: at most {@code maxNumBuffer} messages (a put beyond
 * fails with EAGAIN), for at most {@link AsyncConnectionAttr#storeTimeNsec()}: then the stored
 * messages go to their callbacks with ETIMEDOUT and puts fail with ENOENT until a receiver
 * attaches the name again.
 *
 * <p>Ids. An asynchronous channel is a real kernel channel made with
 * {@link io.courier.kernel.ChannelFlags#ASYNC}, so its chid is unique among the process's
 * channels and pid and chid name it. Asynchronous connection ids come from a table of this
 * library, from {@link #COID_BASE} up, apart from the kernel's coids. Every failure is a
 * {@link KernelException} with an {@link io.courier.kernel.Errno}; a view of a dead process
 * fails with ESRCH.
 */
@ProviderType
public interface AsyncMessaging {
    /** {@code ASYNCMSG_FLUSH_NONBLOCK}: {@link #flush} returns without waiting for the receiver. */
    int FLUSH_NONBLOCK = 1;
    /** The largest {@code bufferSize} of a channel or connection, and the largest {@link #malloc}: 16 MiB. */
    int MAX_BUFFER_SIZE = 16 << 20;
    /** The largest {@code maxNumBuffer} of a channel or connection. */
    int MAX_NUM_BUFFER = 1 << 20;
    /** The most receive-buffer bytes one channel may hold ({@code bufferSize * maxNumBuffer}): 1 GiB. */
    long MAX_CHANNEL_BYTES = 1L << 30;
    /** The lowest asynchronous connection id. */
    int COID_BASE = 0x1000_0000;

    /**
     * The asynchronous messaging view of {@code kernel}'s process.
     *
     * @throws KernelException ENOSYS when no implementation is present ({@link AsyncMessagingProvider})
     */
    static AsyncMessaging of(Kernel kernel) {
        return Providers.find(AsyncMessagingProvider.class).of(kernel);
    }

    /**
     * A snapshot of every asynchronous channel of {@code microkernel}'s processes, by pid and
     * chid: read-only, it makes nothing (an empty list when no process made an asynchronous
     * call). {@code microkernel} may be the OSGi service.
     */
    static List<AsyncChannelInfo> channels(Microkernel microkernel) {
        return Providers.find(AsyncMessagingProvider.class).channels(microkernel);
    }

    /**
     * A snapshot of every asynchronous connection of {@code microkernel}'s live processes, by pid
     * and coid: read-only, like {@link #channels(Microkernel)}.
     */
    static List<AsyncConnectionInfo> connections(Microkernel microkernel) {
        return Providers.find(AsyncMessagingProvider.class).connections(microkernel);
    }

    /** The process this view acts for. */
    Kernel kernel();

    // ---------------------------------------------------------------- channels (A1)

    /**
     * {@code asyncmsg_channel_create()}: an asynchronous channel of this process.
     *
     * @param flags {@link io.courier.kernel.ChannelFlags}; ASYNC is added; ASYNC_NONBLOCK makes
     *     {@link #get} return null instead of blocking
     * @param mode permission bits ({@code 0666}): a process needs write permission, by owner,
     *     group or other as its credentials match this process's, to attach (root may always)
     * @param bufferSize the size of each receive buffer, 1..{@link #MAX_BUFFER_SIZE}: longer
     *     messages are cut ({@code msglen < srcmsglen})
     * @param maxNumBuffer the receive buffers the channel holds at most, 1..{@link #MAX_NUM_BUFFER}:
     *     the most messages one {@link #get} returns; the channel allocates them as gets need
     *     them and reuses each after {@link #free}. Or 0, "don't allocate any buffers": the
     *     channel keeps none, and takes a buffer for each message a get returns, from
     *     {@code recvbufCallback} ({@link RecvBufCallback#ALLOC}) or, without one, a new heap
     *     buffer; {@link #free} gives it back at once ({@link RecvBufCallback#FREE}), and at most
     *     {@code min(MAX_NUM_BUFFER, MAX_CHANNEL_BYTES / bufferSize)} are out at a time
     * @param event null, or the event delivered (through this process) each time the queue of
     *     delivered messages goes from empty to non-empty
     * @param recvbufCallback null, or what allocates and frees the receive buffers
     * @return the chid
     * @throws KernelException EINVAL for bad flags or sizes; ENOMEM when
     *     {@code bufferSize * maxNumBuffer} exceeds {@link #MAX_CHANNEL_BYTES}; what the kernel's
     *     {@code channelCreate} reports
     */
    int channelCreate(int flags, int mode, int bufferSize, int maxNumBuffer, SigEvent event,
            RecvBufCallback recvbufCallback);

    /**
     * {@code asyncmsg_channel_destroy()}: threads blocked in {@link #get} fail with ESRCH; the
     * receive buffers go to the callback with {@link RecvBufCallback#FREE}; connections by pid and
     * chid die (their waiting messages fail with ESRCH, later puts with EBADF); connections by
     * name keep their messages for the next holder of the name.
     *
     * @throws KernelException EINVAL for a chid that is not an asynchronous channel of this process
     */
    void channelDestroy(int chid);

    // ---------------------------------------------------------------- connections (A2)

    /**
     * {@code asyncmsg_connect_attach()}: an asynchronous connection to channel {@code chid} of
     * process {@code pid}.
     *
     * @param nd the node: {@link Kernel#ND_LOCAL_NODE} (a process of this JVM or of another JVM
     *     of the node), or another node's descriptor when the kernel joined a network (through
     *     that node's gateway, with store and forward; EHOSTDOWN while it is down, EHOSTUNREACH
     *     for an nd no node has)
     * @param index 0 or {@link Kernel#SIDE_CHANNEL}; both give ids from {@link #COID_BASE}
     * @param flags {@link io.courier.kernel.ConnectFlags}
     * @param attr the connection's attributes
     * @return the coid
     * @throws KernelException ESRCH for an unknown pid, or a chid that is no asynchronous channel
     *     of it; ENXIO when the process is terminating; EACCES when the channel's mode refuses
     *     this process; EINVAL for a bad node, index, flags or attributes (a null attr, a buffer
     *     size outside 1..{@link #MAX_BUFFER_SIZE}, a buffer count outside
     *     1..{@link #MAX_NUM_BUFFER}, a count trigger outside 0..maxNumBuffer, negative times)
     */
    int connectAttach(int nd, int pid, int chid, int index, int flags, AsyncConnectionAttr attr);

    /**
     * {@code asyncmsg_connect_detach()}: the connection goes at once. Messages the receiver has
     * not got go to their callbacks with ECANCELED (call {@link #flush} first to wait for them).
     *
     * @throws KernelException EINVAL for an id that is not an asynchronous connection of this process
     */
    void connectDetach(int coid);

    /**
     * {@code asyncmsg_connect_attr()}: the attributes the connection was made with.
     *
     * @throws KernelException EBADF for an unknown coid
     */
    AsyncConnectionAttr connectAttr(int coid);

    // ---------------------------------------------------------------- names (A6)

    /**
     * Publishes asynchronous channel {@code chid} of this process under {@code name}, in the name
     * space of asynchronous channels this library keeps for the whole {@link io.courier.kernel.Microkernel}
     * (apart from the kernel's {@code /dev/name/local}). Connections by that name, waiting or new,
     * go to this channel until it is destroyed or the name detached.
     *
     * @throws KernelException EINVAL for a chid that is not an asynchronous channel of this
     *     process, or a bad name; ENAMETOOLONG; EEXIST when a live channel holds the name
     */
    void nameAttach(String name, int chid);

    /**
     * Withdraws {@code name}; its connections keep their messages for the next holder.
     *
     * @throws KernelException EINVAL when this process does not hold the name
     */
    void nameDetach(String name);

    /**
     * An asynchronous connection to whichever channel holds {@code name}, now or later (store
     * and forward, SPEC A6). Unlike the kernel's {@code nameOpen} it succeeds while nobody holds
     * the name: messages wait (see the class comment for the bounds).
     *
     * @return the coid, closed with {@link #connectDetach}
     * @throws KernelException EINVAL for a bad name, flags or attributes (as
     *     {@link #connectAttach}); ENAMETOOLONG; EACCES when the channel holding the name refuses
     *     this process
     */
    int nameOpen(String name, int flags, AsyncConnectionAttr attr);

    /** The published asynchronous channel names, sorted. */
    List<NameInfo> names();

    // ---------------------------------------------------------------- sending (A3, A4)

    /**
     * {@code asyncmsg_put()}: queues the bytes between {@code msg}'s position and limit; never
     * blocks. The buffer is not copied here: leave its bytes alone until the callback ran
     * (the receiver copies them once, in {@link #get}).
     *
     * @param handle passed back to the callback
     * @param callback run after delivery; null for the connection's
     * @throws KernelException EBADF for an unknown or dead connection (its channel destroyed,
     *     or detached); EFAULT for a null buffer; EMSGSIZE for a message longer than the
     *     connection's buffer size; EAGAIN when the connection already holds {@code maxNumBuffer}
     *     messages (the message is not taken); ENOENT for a connection by name whose receiver has
     *     been gone longer than its store time; EBUSY on a
     *     {@linkplain AsyncConnectionAttr#singleSender() single-sender} connection when another
     *     thread, still alive, is its sender
     */
    void put(int coid, ByteBuffer msg, long handle, AsyncCallback callback);

    /**
     * {@code asyncmsg_putv()}: as {@link #put}, the message being the buffers of {@code iov}
     * one after the other (the receiver gets them gathered into one buffer).
     *
     * @throws KernelException as {@link #put}; EFAULT for a null array or element
     */
    void putv(int coid, ByteBuffer[] iov, long handle, AsyncCallback callback);

    /**
     * {@code asyncmsg_flush()}: delivers every waiting message now. With mode 0, waits until the
     * receiver got them all, or until they failed.
     *
     * @param mode 0 or {@link #FLUSH_NONBLOCK}
     * @throws KernelException EBADF for an unknown or dead connection; EINVAL for a bad mode;
     *     EINTR when the waiting thread is interrupted
     */
    void flush(int coid, int mode);

    // ---------------------------------------------------------------- receiving (A5)

    /**
     * {@code asyncmsg_get()}: every delivered message, up to the channel's free receive
     * buffers, as a list linked by {@link AsyncMsgHeader#next()}, in order for each connection.
     * When none is delivered: null on an ASYNC_NONBLOCK channel (QNX's NULL with EAGAIN), else
     * it waits.
     *
     * @throws KernelException ESRCH for a chid that is not an asynchronous channel of this
     *     process or is destroyed (also while waiting); ENOBUFS when messages wait but every
     *     receive buffer is held and no more can be allocated; EINTR when interrupted
     */
    AsyncMsgHeader get(int chid);

    /**
     * {@link #get(int)} waiting at most {@code timeout} on a blocking channel.
     *
     * @throws KernelException as {@link #get(int)}; ETIMEDOUT when nothing came in time
     */
    AsyncMsgHeader get(int chid, Duration timeout);

    /**
     * {@code asyncmsg_free()}: hands a header and its receive buffer back to its channel.
     * Freeing null does nothing.
     *
     * @throws KernelException EINVAL for a header already freed or of another process
     */
    void free(AsyncMsgHeader header);

    /**
     * {@code asyncmsg_malloc()}: a buffer for messages to put: direct, in native byte order,
     * {@code size} bytes between position 0 and limit. The garbage collector frees it.
     *
     * @throws KernelException EINVAL for a size below 1; ENOMEM above {@link #MAX_BUFFER_SIZE}
     */
    ByteBuffer malloc(int size);

    // ---------------------------------------------------------------- introspection

    /** The counters of this process's {@link io.courier.kernel.Microkernel}'s asynchronous messaging. */
    AsyncStats stats();
}
