package io.courier.kernel;

import java.io.Serial;
import java.util.Objects;

/**
 * The failure of a kernel call: the Java form of a QNX call returning -1 with {@code errno}
 * set. Unchecked, so that code reads like the C it mirrors; every kernel call documents the
 * errors it reports.
 */
public class KernelException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final Errno errno;

    /** A failure with {@code errno} and a message naming the call and the reason. */
    public KernelException(Errno errno, String message) {
        super(errno + ": " + message);
        this.errno = Objects.requireNonNull(errno, "errno");
    }

    /** A failure with {@code errno} and no further detail. */
    public KernelException(Errno errno) {
        this(errno, errno.name());
    }

    /** A failure as {@link #KernelException(Errno, String)}, with a stack trace or not ({@link #refusal}). */
    protected KernelException(Errno errno, String message, boolean writableStackTrace) {
        super(errno + ": " + message, null, false, writableStackTrace);
        this.errno = Objects.requireNonNull(errno, "errno");
    }

    /**
     * A refusal met in normal operation, maybe millions of times a second: EAGAIN from a full
     * pulse queue or a full asynchronous connection, which the caller retries. It has no stack
     * trace, whose filling in would cost more than the call that failed.
     */
    public static KernelException refusal(Errno errno, String message) {
        return new KernelException(errno, message, false);
    }

    /** The error. */
    public Errno errno() {
        return errno;
    }
}
