package io.courier.asyncmsg.iocp;

/**
 * Which call a {@link Completion} reports: the {@code operationCompleted} field of IBM i's
 * {@code Qso_OverlappedIO_t}.
 */
public enum Operation {
    /** {@code QSOSTARTRECV}: an asynchronous receive started by {@link IoCompletionPort#startRecv}. */
    RECV,
    /** {@code QSOSTARTSEND}: an asynchronous send started by {@link IoCompletionPort#startSend}. */
    SEND,
    /** {@code QSOSTARTACCEPT}: an asynchronous accept started by {@link IoCompletionPort#startAccept}. */
    ACCEPT,
    /** {@code QSOPOSTIOCOMPLETION}: posted by hand with {@link IoCompletionPort#post}. */
    POST
}
