package io.courier.asyncmsg.iocp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/** TCP on the loopback address only, for the completion port tests. */
final class Loopback {
    /** The bound on every wait in these tests that is expected to end. */
    static final Duration WAIT = Duration.ofSeconds(10);

    private Loopback() {
    }

    /** A listening socket on an ephemeral loopback port. */
    static ServerSocketChannel listen() throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        return server;
    }

    /** A blocking client connected to {@code server}. */
    static SocketChannel connect(ServerSocketChannel server) throws IOException {
        return SocketChannel.open(server.getLocalAddress());
    }

    /** Both ends of one connection: the client's and the server's. */
    record Pair(SocketChannel client, SocketChannel server) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try {
                client.close();
            } finally {
                server.close();
            }
        }
    }

    /** A fresh connection; both ends blocking. */
    static Pair pair() throws IOException {
        return pair(0, 0);
    }

    /**
     * A fresh connection with small socket buffers (0: the default), so that a large send
     * cannot finish at once.
     */
    static Pair pair(int clientReceiveBuffer, int serverSendBuffer) throws IOException {
        try (ServerSocketChannel listener = listen()) {
            SocketChannel client = SocketChannel.open();
            if (clientReceiveBuffer > 0) {
                client.setOption(StandardSocketOptions.SO_RCVBUF, clientReceiveBuffer);
            }
            client.connect(listener.getLocalAddress());
            SocketChannel server = listener.accept();
            if (serverSendBuffer > 0) {
                server.setOption(StandardSocketOptions.SO_SNDBUF, serverSendBuffer);
            }
            return new Pair(client, server);
        }
    }

    /** Closes with SO_LINGER 0, so the peer gets a reset (RST) instead of an end of stream. */
    static void reset(SocketChannel socket) throws IOException {
        socket.setOption(StandardSocketOptions.SO_LINGER, 0);
        socket.close();
    }

    /** Writes all of {@code bytes} on a blocking socket. */
    static void writeFully(SocketChannel socket, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            socket.write(buffer);
        }
    }

    /** Reads exactly {@code n} bytes from a blocking socket. */
    static byte[] readFully(SocketChannel socket, int n) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(n);
        while (buffer.hasRemaining()) {
            if (socket.read(buffer) < 0) {
                throw new IOException("end of stream after " + buffer.position() + " of " + n);
            }
        }
        return buffer.array();
    }
}
