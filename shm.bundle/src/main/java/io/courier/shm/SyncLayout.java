package io.courier.shm;

/**
 * The byte layouts of the process-shared synchronisation objects that live inside a mapping
 * ({@link ShmMutex}, {@link ShmCondvar}, {@link ShmSemaphore}): the one description every JVM
 * and every process mapping the object reads and writes. Native byte order; every object
 * starts at an offset that is a multiple of 8. The first word holds a magic number with the
 * layout version: attaching to memory without it (not initialised, or another version) fails
 * with EINVAL.
 *
 * <p>Mutex, {@value #MUTEX_SIZE} bytes:
 * <pre>
 *  0        4        8                  16       20       24        28       32
 *  +--------+--------+------------------+--------+--------+---------+--------+
 *  | magic  | flags  | owner            | state  | count  | waiters | spare  |
 *  | s32    | s32    | s64              | s32    | s32    | s32     | s32    |
 *  +--------+--------+------------------+--------+--------+---------+--------+
 * </pre>
 * {@code owner} is {@link #OWNER_FREE}, {@link #OWNER_DEAD}, {@link #OWNER_NOTRECOVERABLE} or
 * the holder's id: the operating-system pid of its JVM in the high 32 bits and a token for the
 * (Courier process, thread) pair in the low 32. The pid is the liveness record: a holder whose
 * JVM is gone is dead, and so is one whose token its own JVM no longer knows or whose process
 * (or, for a robust mutex, thread) ended. {@code state} is {@link #STATE_CONSISTENT} or, after
 * a locker took over from a dead holder of a robust mutex, {@link #STATE_INCONSISTENT} until
 * {@link ShmMutex#consistent()}; only the holder writes it. {@code count} is the recursion
 * count of a recursive mutex (holder only). {@code waiters} counts the threads, of any JVM,
 * waiting to lock: an unlock that sees it non-zero wakes this JVM's waiters at once, others
 * notice within their idle strategy's longest park.
 *
 * <p>Condition variable, {@value #CONDVAR_SIZE} bytes:
 * <pre>
 *  0        4        8        12       16
 *  +--------+--------+--------+--------+
 *  | magic  | flags  | seq    | waiters|
 *  +--------+--------+--------+--------+
 * </pre>
 * {@code seq} moves on every signal or broadcast; a waiter reads it while still holding the
 * mutex and waits until it moves, so no wake-up between the unlock and the wait is lost.
 *
 * <p>Semaphore, {@value #SEMAPHORE_SIZE} bytes:
 * <pre>
 *  0        4        8        12       16
 *  +--------+--------+--------+--------+
 *  | magic  | flags  | count  | waiters|
 *  +--------+--------+--------+--------+
 * </pre>
 */
public final class SyncLayout {
    /** Every synchronisation object starts at a multiple of this. */
    public static final int ALIGNMENT = 8;

    /** Offset of the magic number and layout version. */
    public static final int MAGIC = 0;
    /** Offset of the flags ({@link ShmMutex#ROBUST}, {@link ShmMutex#RECURSIVE}). */
    public static final int FLAGS = 4;

    /** The magic word of a mutex: "CMX" and version 1. */
    public static final int MUTEX_MAGIC = 0x434D5801;
    /** Offset of the mutex owner word (64 bits). */
    public static final int MUTEX_OWNER = 8;
    /** Offset of the mutex state word. */
    public static final int MUTEX_STATE = 16;
    /** Offset of the mutex recursion count. */
    public static final int MUTEX_COUNT = 20;
    /** Offset of the count of threads waiting for the mutex. */
    public static final int MUTEX_WAITERS = 24;
    /** The size of a mutex. */
    public static final int MUTEX_SIZE = 32;

    /** Owner word of a free mutex. */
    public static final long OWNER_FREE = 0;
    /** Owner word of a (non-robust) mutex whose holder died: locks fail with EINVAL until revived. */
    public static final long OWNER_DEAD = -1;
    /** Owner word of a robust mutex unlocked without being made consistent: locks fail with ENOTRECOVERABLE. */
    public static final long OWNER_NOTRECOVERABLE = -2;
    /** Mutex state: the protected data is consistent. */
    public static final int STATE_CONSISTENT = 0;
    /** Mutex state: the holder took the mutex over from a dead holder and has not repaired it yet. */
    public static final int STATE_INCONSISTENT = 1;

    /** The magic word of a condition variable: "CCV" and version 1. */
    public static final int CONDVAR_MAGIC = 0x43435601;
    /** Offset of the condition variable's sequence word. */
    public static final int CONDVAR_SEQ = 8;
    /** Offset of the count of threads waiting on the condition variable. */
    public static final int CONDVAR_WAITERS = 12;
    /** The size of a condition variable. */
    public static final int CONDVAR_SIZE = 16;

    /** The magic word of a semaphore: "CSM" and version 1. */
    public static final int SEMAPHORE_MAGIC = 0x43534D01;
    /** Offset of the semaphore's count. */
    public static final int SEMAPHORE_COUNT = 8;
    /** Offset of the count of threads waiting on the semaphore. */
    public static final int SEMAPHORE_WAITERS = 12;
    /** The size of a semaphore. */
    public static final int SEMAPHORE_SIZE = 16;
    /** The largest semaphore count ({@code SEM_VALUE_MAX}). */
    public static final int SEM_VALUE_MAX = Integer.MAX_VALUE;

    private SyncLayout() {
    }
}
