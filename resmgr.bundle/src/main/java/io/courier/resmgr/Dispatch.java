package io.courier.resmgr;

import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import java.util.concurrent.ThreadFactory;
import java.util.function.LongConsumer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A channel served by a resource manager and the threads receiving on it
 * ({@code dispatch_t} with {@code thread_pool_*()}). Made by {@link Resmgr#dispatchCreate()};
 * any number of attachments may share it. The channel has DISCONNECT and UNBLOCK: when a
 * client goes away (closes its last fd, or its process dies, even mid-request) the layer frees
 * its OCBs; when a client with a delayed answer wants out, the handler's
 * {@link ResmgrHandler#unblock} runs.
 */
@ProviderType
public interface Dispatch extends AutoCloseable {
    /** The process serving it. */
    Kernel kernel();

    /** The channel. */
    int chid();

    /**
     * {@code thread_pool_start()}: {@code threads} platform daemon threads of the manager's
     * process receive on the channel; the kernel hands each message or pulse to exactly one.
     *
     * @return this
     * @throws KernelException EINVAL for fewer than 1 thread; EBUSY when already started
     */
    Dispatch start(int threads);

    /** {@link #start(int)} with threads from {@code factory} (virtual threads work). */
    Dispatch start(int threads, ThreadFactory factory);

    /**
     * {@code dispatch_block()} and {@code dispatch_handler()} on the calling thread: receives one
     * message or pulse and handles it, for managers that run their own loop.
     *
     * @return false when the channel is gone (closed, or the process died)
     */
    boolean handleOne();

    /** {@code pulse_attach()}: runs {@code handler} with the value of every pulse with {@code code} (0..127). */
    void pulseAttach(int code, LongConsumer handler);

    /** The OCBs open on this channel now. */
    int ocbs();

    /** The messages handled so far. */
    long handled();

    /** The exceptions other than {@link KernelException} that handlers threw (each answered EIO). */
    long failures();

    /**
     * Detaches every attachment, destroys the channel (fds open on it then fail with EBADF),
     * stops the threads (waiting a bounded time) and frees the OCBs.
     */
    @Override
    void close();
}
