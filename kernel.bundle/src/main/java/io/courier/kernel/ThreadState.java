package io.courier.kernel;

/** A kernel thread's state, as {@code pidin} shows it. */
public enum ThreadState {
    /** Running a kernel call or its own code. */
    RUNNING,
    /** Ready to run (between kernel calls). */
    READY,
    /** Waiting in {@code MsgReceive} for a message or pulse. */
    RECEIVE,
    /** Waiting for a server to receive its message. */
    SEND,
    /** Waiting for a server to reply. */
    REPLY,
    /** Waiting for a signal ({@code SignalWaitinfo}). */
    SIGWAITINFO,
    /** Waiting for an interrupt event ({@code InterruptWait}). */
    INTR,
    /** Waiting on a process-shared mutex. */
    MUTEX,
    /** Waiting on a condition variable. */
    CONDVAR,
    /** Waiting on a semaphore. */
    SEM,
    /** Ended; about to be released. */
    DEAD
}
