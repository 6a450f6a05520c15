package io.courier.asyncmsg.iocp.internal;

import io.courier.asyncmsg.iocp.Operation;
import io.courier.asyncmsg.iocp.OverlappedIo;
import io.courier.kernel.Errno;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * One started operation: what to move, how far it got, and how it ended. The starting thread
 * tries it once at once; if the socket is not ready it is parked in its {@link ChannelState}
 * and the port's {@link Poller} thread finishes it. Ownership passes through the state's
 * slots (a CAS), which also publishes {@link #transferred} and {@link #errno}.
 */
final class PendingOp {
    /** {@link #perform} finished the operation, well or not ({@link #errno}). */
    static final boolean DONE = true;
    /** {@link #perform} found the socket not ready; try again when it is. */
    static final boolean AGAIN = false;

    final Operation operation;
    final SelectableChannel channel;
    final OverlappedIo io;
    final Object handle;
    private final ByteBuffer buffer;
    private final int start;
    final int length;
    private final boolean fill;

    int transferred;
    Errno errno = Errno.EOK;
    SocketChannel accepted;
    /** Set once the op waits for its socket: a close from then on cancels it (ECANCELED). */
    boolean parked;

    PendingOp(Operation operation, SelectableChannel channel, OverlappedIo io) {
        this.operation = operation;
        this.channel = channel;
        this.io = io;
        this.handle = io.handle();
        this.buffer = operation == Operation.ACCEPT ? null : io.buffer();
        this.start = buffer == null ? 0 : buffer.position();
        this.length = operation == Operation.ACCEPT ? 0 : io.length();
        this.fill = io.fillBuffer();
    }

    boolean isWrite() {
        return operation == Operation.SEND;
    }

    /** Moves what the socket allows now. */
    boolean perform() {
        try {
            return switch (operation) {
                case RECV -> receive();
                case SEND -> send();
                case ACCEPT -> accept();
                case POST -> DONE;
            };
        } catch (IOException | RuntimeException e) {
            errno = parked && e instanceof ClosedChannelException ? Errno.ECANCELED : IoErrors.of(e);
            return DONE;
        }
    }

    private boolean receive() throws IOException {
        SocketChannel socket = (SocketChannel) channel;
        int limit = buffer.limit();
        // The limit bounds the read to bufferLength; the position advances as read() does.
        buffer.limit(start + length);
        try {
            while (true) {
                int n = socket.read(buffer);
                if (n < 0) {
                    return DONE; // end of stream: what arrived so far, maybe nothing
                }
                if (n == 0) {
                    return AGAIN;
                }
                transferred += n;
                if (!fill || transferred == length) {
                    return DONE;
                }
            }
        } finally {
            buffer.limit(limit);
        }
    }

    private boolean send() throws IOException {
        SocketChannel socket = (SocketChannel) channel;
        int limit = buffer.limit();
        buffer.limit(start + length).position(start + transferred);
        try {
            while (transferred < length) {
                int n = socket.write(buffer);
                if (n == 0) {
                    return AGAIN;
                }
                transferred += n;
            }
            return DONE;
        } finally {
            // A source buffer's position is left alone (Courier's buffer rule).
            buffer.limit(limit).position(start);
        }
    }

    private boolean accept() throws IOException {
        SocketChannel socket = ((ServerSocketChannel) channel).accept();
        if (socket == null) {
            return AGAIN;
        }
        try {
            socket.configureBlocking(false);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        accepted = socket;
        return DONE;
    }
}
