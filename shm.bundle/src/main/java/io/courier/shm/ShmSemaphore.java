package io.courier.shm;

import java.time.Duration;
import org.osgi.annotation.versioning.ProviderType;

/** A process-shared unnamed semaphore living in a mapping ({@code sem_t} with {@code pshared}). */
@ProviderType
public interface ShmSemaphore {
    /**
     * {@code sem_wait()}: waits until the count is above zero and decrements it.
     *
     * @throws io.courier.kernel.KernelException EINTR when interrupted; EFAULT when the mapping
     *     is gone
     */
    void await();

    /**
     * {@code sem_timedwait()}: {@link #await()} waiting at most {@code timeout}.
     *
     * @throws io.courier.kernel.KernelException ETIMEDOUT, and the errors of {@link #await()}
     */
    void await(Duration timeout);

    /**
     * {@code sem_trywait()}: decrements the count if it is above zero.
     *
     * @return whether it did (false: QNX's EAGAIN)
     */
    boolean tryAwait();

    /**
     * {@code sem_post()}: increments the count and wakes a waiter.
     *
     * @throws io.courier.kernel.KernelException EOVERFLOW at {@link SyncLayout#SEM_VALUE_MAX}
     */
    void post();

    /** {@code sem_getvalue()}: the count. */
    int value();
}
