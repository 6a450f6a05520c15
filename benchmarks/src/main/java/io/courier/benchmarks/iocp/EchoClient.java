package io.courier.benchmarks.iocp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** One blocking client connection doing request/response: send a message, read its echo. */
public final class EchoClient implements AutoCloseable {
    private final SocketChannel socket;
    private final ByteBuffer request;
    private final ByteBuffer response;

    /** Connects to {@code server}; messages are {@code size} bytes. */
    public EchoClient(InetSocketAddress server, int size) throws IOException {
        socket = SocketChannel.open(server);
        socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
        request = ByteBuffer.allocateDirect(size);
        response = ByteBuffer.allocateDirect(size);
        for (int i = 0; i < size; i++) {
            request.put(i, (byte) i);
        }
    }

    /** One round trip; returns a byte of the echo so the work cannot be optimised away. */
    public byte roundTrip() throws IOException {
        request.clear();
        while (request.hasRemaining()) {
            socket.write(request);
        }
        response.clear();
        while (response.hasRemaining()) {
            if (socket.read(response) < 0) {
                throw new IOException("server closed the connection");
            }
        }
        return response.get(response.capacity() - 1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
