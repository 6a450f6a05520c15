package io.courier.shm;

import io.courier.kernel.Errno;
import io.courier.kernel.SigEvent;
import java.time.Duration;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A process-shared mutex living in a mapping ({@code pthread_mutex_t} with
 * {@code PTHREAD_PROCESS_SHARED}), usable by every process and every JVM that maps the object.
 * Its bytes are laid out by {@link SyncLayout}. Waiting spins briefly, then yields, then parks;
 * there is no futex, so a waiter in another JVM notices an unlock within its longest park
 * (a millisecond).
 *
 * <p>Calls that return with the mutex held report how as an {@link Errno} ({@code EOK}, or
 * {@code EOWNERDEAD} for a robust mutex taken over from a dead holder); calls that fail without
 * taking it throw {@link io.courier.kernel.KernelException}.
 *
 * <p>When the holder dies: a {@link #ROBUST} mutex goes to the next locker with
 * {@code EOWNERDEAD}; it calls {@link #consistent()} once the data is repaired, and unlocking
 * without doing so makes the mutex {@code ENOTRECOVERABLE}. Any other mutex goes DEAD: locks
 * fail with EINVAL until someone {@link #revive()}s it. Either way the {@link #event} registered
 * for it is delivered. A holder is dead when its process dies (its bundle stops, or its JVM
 * ends) and, for a robust mutex, also when its thread ends.
 */
@ProviderType
public interface ShmMutex {
    /** {@code PTHREAD_MUTEX_ROBUST}: the next locker after a holder's death gets EOWNERDEAD. */
    int ROBUST = 0x1;
    /** {@code PTHREAD_MUTEX_RECURSIVE}: the holder may lock again, and unlocks as often. */
    int RECURSIVE = 0x2;

    /**
     * {@code pthread_mutex_lock()}: waits until the calling thread holds the mutex.
     *
     * @return EOK, or EOWNERDEAD: the mutex is held but its previous holder died holding it
     * @throws io.courier.kernel.KernelException EDEADLK when the caller holds this
     *     non-recursive mutex; ENOTRECOVERABLE; EINVAL for a DEAD mutex (see {@link #revive()});
     *     EINTR when the thread is interrupted; EFAULT when the mapping is gone
     */
    Errno lock();

    /**
     * {@code pthread_mutex_timedlock()}: {@link #lock()} waiting at most {@code timeout}.
     *
     * @throws io.courier.kernel.KernelException ETIMEDOUT, and the errors of {@link #lock()}
     */
    Errno lock(Duration timeout);

    /**
     * {@code pthread_mutex_trylock()}: takes the mutex if that needs no wait.
     *
     * @return EOK or EOWNERDEAD when taken; EBUSY when another thread holds it (or the caller
     *     holds this non-recursive mutex)
     * @throws io.courier.kernel.KernelException ENOTRECOVERABLE; EINVAL for a DEAD mutex; EFAULT
     */
    Errno tryLock();

    /**
     * {@code pthread_mutex_unlock()}. Unlocking a robust mutex taken with EOWNERDEAD and not made
     * {@link #consistent()} makes it unusable: later locks fail with ENOTRECOVERABLE.
     *
     * @throws io.courier.kernel.KernelException EPERM when the caller does not hold it; EFAULT
     */
    void unlock();

    /**
     * {@code pthread_mutex_consistent()}: the holder has repaired the data after EOWNERDEAD.
     *
     * @throws io.courier.kernel.KernelException EINVAL when the mutex is not robust, not held by
     *     the caller, or not inconsistent
     */
    void consistent();

    /**
     * {@code SyncMutexRevive()}: takes a mutex whose holder died (a DEAD mutex, or one whose
     * holder is found dead now), consistent and held by the caller once.
     *
     * @throws io.courier.kernel.KernelException EINVAL when the mutex is not dead (someone else
     *     may have revived it first: lock it as usual)
     */
    void revive();

    /**
     * {@code SyncMutexEvent()}: asks for {@code event} when the mutex goes dead (its holder's
     * death is noticed), delivered to this mapping's process as {@code msgDeliverEvent(0, event)}
     * delivers it; null withdraws it.
     *
     * @throws io.courier.kernel.KernelException the errors of {@code msgVerifyEvent} (EINVAL for
     *     a bad event, EBADF for a pulse on a connection the process does not have)
     */
    void event(SigEvent event);

    /** The mapping this mutex was attached through. */
    Mapping mapping();

    /** Its offset in that mapping. */
    long offset();
}
