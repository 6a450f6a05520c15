package io.courier.asyncmsg.iocp;

import io.courier.asyncmsg.iocp.internal.IoAccess;
import io.courier.kernel.Errno;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The communications area of one asynchronous operation: IBM i's {@code Qso_OverlappedIO_t}.
 * The application fills the input fields ({@link #handle}, {@link #buffer}, {@link #length},
 * {@link #postFlag}, {@link #fillBuffer}) and passes it to
 * {@link IoCompletionPort#startRecv startRecv}, {@link IoCompletionPort#startSend startSend} or
 * {@link IoCompletionPort#startAccept startAccept}; the port writes the output fields
 * ({@link #returnValue}, {@link #errno}, {@link #postFlagResult}, {@link #accepted},
 * {@link #operationCompleted}) when the operation finishes.
 *
 * <p>As in C, the area and its buffer belong to the port from the start of an operation until
 * the start call returns 0 or -1, or its {@link Completion} is handed to a waiting thread, or
 * the port is closed: the application must not touch them in between. One area can be reused
 * for any number of operations one after another, so a connection needs no garbage per
 * message. Not thread-safe; the port's hand-over of a completion publishes the output fields.
 *
 * <p>Buffers, as everywhere in Courier: a receive fills the buffer from its position, which
 * advances by the bytes received; a send takes {@code length} bytes from the position, which
 * is left where it was. The limit is left alone by both. Heap and direct buffers both work.
 */
public final class OverlappedIo {
    static {
        IoAccess.install(OverlappedIo::complete);
    }

    private Object handle;
    private ByteBuffer buffer;
    private int length;
    private boolean postFlag;
    private boolean fillBuffer;

    private int returnValue;
    private Errno errno = Errno.EOK;
    private boolean postFlagResult;
    private SocketChannel accepted;
    private Operation operationCompleted;

    /** An empty area: no handle, no buffer, length 0, both flags off. */
    public OverlappedIo() {
    }

    /**
     * An area for {@code length} bytes of {@code buffer} and the application's {@code handle},
     * both flags off.
     */
    public OverlappedIo(ByteBuffer buffer, int length, Object handle) {
        this.buffer = buffer;
        this.length = length;
        this.handle = handle;
    }

    /** {@code descriptorHandle}: the application's handle, never used by the port. */
    public Object handle() {
        return handle;
    }

    /** Sets {@code descriptorHandle}, typically the connection's state; returns this area. */
    public OverlappedIo handle(Object handle) {
        this.handle = handle;
        return this;
    }

    /** {@code buffer}: where a receive puts data, or where a send takes it from. */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** Sets {@code buffer} (not used by accept); returns this area. */
    public OverlappedIo buffer(ByteBuffer buffer) {
        this.buffer = buffer;
        return this;
    }

    /** {@code bufferLength}: the bytes to receive at most, or to send. */
    public int length() {
        return length;
    }

    /**
     * Sets {@code bufferLength}: at least 1 and at most the buffer's remaining bytes for a
     * receive or send (else EINVAL); ignored by accept. Returns this area.
     */
    public OverlappedIo length(int length) {
        this.length = length;
        return this;
    }

    /** {@code postFlag}: post the completion even when the operation finishes at once. */
    public boolean postFlag() {
        return postFlag;
    }

    /** Sets {@code postFlag}; returns this area. */
    public OverlappedIo postFlag(boolean postFlag) {
        this.postFlag = postFlag;
        return this;
    }

    /**
     * {@code fillBuffer}: a receive completes only when {@code length} bytes have arrived, the
     * peer has ended the stream, or an error occurred (else as soon as any data is there).
     */
    public boolean fillBuffer() {
        return fillBuffer;
    }

    /** Sets {@code fillBuffer}; returns this area. */
    public OverlappedIo fillBuffer(boolean fillBuffer) {
        this.fillBuffer = fillBuffer;
        return this;
    }

    /**
     * {@code returnValue}, output: bytes received (0 at the end of the stream) or sent, 0 for an
     * accept, or -1 when {@link #errno} says why the operation failed.
     */
    public int returnValue() {
        return returnValue;
    }

    /** {@code errnoValue}, output: {@link Errno#EOK}, or the error of the last operation. */
    public Errno errno() {
        return errno;
    }

    /**
     * {@code postFlagResult}, output: after a start call returned 1 with {@link #postFlag} set,
     * true when the operation had already finished and its completion was posted, false when
     * it is still waiting for its socket.
     */
    public boolean postFlagResult() {
        return postFlagResult;
    }

    /** Output of an accept: the new connection (non-blocking, the application's to close). */
    public SocketChannel accepted() {
        return accepted;
    }

    /** {@code operationCompleted}, output: which call last finished with this area. */
    public Operation operationCompleted() {
        return operationCompleted;
    }

    private static void complete(OverlappedIo io, Operation operation, int returnValue,
            Errno errno, SocketChannel accepted, boolean postFlagResult) {
        io.operationCompleted = operation;
        io.returnValue = returnValue;
        io.errno = errno;
        io.accepted = accepted;
        io.postFlagResult = postFlagResult;
    }

    @Override
    public String toString() {
        return "OverlappedIo[handle=" + handle + ", length=" + length + ", postFlag=" + postFlag
                + ", fillBuffer=" + fillBuffer + ", returnValue=" + returnValue + ", errno=" + errno
                + "]";
    }
}
