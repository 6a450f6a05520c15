package io.courier.shm;

import io.courier.kernel.Errno;
import java.time.Duration;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A process-shared condition variable living in a mapping ({@code pthread_cond_t} with
 * {@code PTHREAD_PROCESS_SHARED}). As with POSIX, wake-ups may be spurious ({@link #signal()}
 * may wake more than one waiter): wait in a loop that tests the condition.
 */
@ProviderType
public interface ShmCondvar {
    /**
     * {@code pthread_cond_wait()}: unlocks {@code mutex}, waits for a signal, locks it again.
     *
     * @return the result of locking the mutex again: EOK, or EOWNERDEAD
     * @throws io.courier.kernel.KernelException EPERM when the caller does not hold
     *     {@code mutex}; EINTR when interrupted (the mutex is held again); the errors of
     *     {@link ShmMutex#lock()}
     */
    Errno await(ShmMutex mutex);

    /**
     * {@code pthread_cond_timedwait()}: {@link #await(ShmMutex)} waiting at most
     * {@code timeout}.
     *
     * @return EOK, EOWNERDEAD, or ETIMEDOUT; the mutex is held again in each case
     */
    Errno await(ShmMutex mutex, Duration timeout);

    /** {@code pthread_cond_signal()}: wakes at least one waiter, if any. */
    void signal();

    /** {@code pthread_cond_broadcast()}: wakes every waiter. */
    void broadcast();
}
