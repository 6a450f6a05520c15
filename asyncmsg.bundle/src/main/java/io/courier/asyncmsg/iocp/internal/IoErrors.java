package io.courier.asyncmsg.iocp.internal;

import io.courier.kernel.Errno;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;

/**
 * Turns the JDK's socket exceptions into Courier's closed error set. The JDK carries the
 * operating system's errno only in the message text, so the well-known texts are matched.
 */
final class IoErrors {
    private IoErrors() {
    }

    static Errno of(Throwable failure) {
        if (failure instanceof ClosedChannelException) {
            return Errno.EBADF;
        }
        if (failure instanceof java.nio.channels.NotYetConnectedException) {
            return Errno.ENOTCONN;
        }
        if (failure instanceof java.nio.channels.NotYetBoundException) {
            return Errno.EINVAL;
        }
        if (!(failure instanceof IOException)) {
            return Errno.EIO;
        }
        String message = failure.getMessage();
        if (message == null) {
            return Errno.EIO;
        }
        String text = message.toLowerCase(Locale.ROOT);
        if (text.contains("reset")) {
            return Errno.ECONNRESET;
        }
        if (text.contains("broken pipe")) {
            return Errno.EPIPE;
        }
        if (text.contains("abort")) {
            return Errno.ECONNABORTED;
        }
        if (text.contains("timed out")) {
            return Errno.ETIMEDOUT;
        }
        if (text.contains("refused")) {
            return Errno.ECONNREFUSED;
        }
        if (text.contains("too many open files")) {
            return Errno.EMFILE;
        }
        if (text.contains("not connected")) {
            return Errno.ENOTCONN;
        }
        return Errno.EIO;
    }
}
