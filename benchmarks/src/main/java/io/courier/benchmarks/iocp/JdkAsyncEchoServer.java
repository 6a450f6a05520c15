package io.courier.benchmarks.iocp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.TimeUnit;

/**
 * The peer: the same echo on the JDK's {@link AsynchronousSocketChannel} with
 * {@link CompletionHandler}s, in a channel group of {@code threads} fixed threads (the group's
 * threads both poll and run the handlers). Same buffer per connection, same work.
 */
public final class JdkAsyncEchoServer implements EchoServer {
    private final AsynchronousChannelGroup group;
    private final AsynchronousServerSocketChannel listener;
    private final int bufferSize;

    /** Starts accepting in a group of {@code threads} threads. */
    public JdkAsyncEchoServer(int threads, int bufferSize) throws IOException {
        this.bufferSize = bufferSize;
        this.group = AsynchronousChannelGroup.withFixedThreadPool(threads,
                Thread.ofPlatform().daemon().name("jdk-echo-", 0).factory());
        this.listener = AsynchronousServerSocketChannel.open(group)
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        listener.accept(null, new CompletionHandler<AsynchronousSocketChannel, Void>() {
            @Override
            public void completed(AsynchronousSocketChannel socket, Void unused) {
                listener.accept(null, this);
                try {
                    socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
                } catch (IOException e) {
                    // keep the default
                }
                new Connection(socket).read();
            }

            @Override
            public void failed(Throwable failure, Void unused) {
                // the listener closed
            }
        });
    }

    /** Per connection: the socket, its buffer, and one handler object for reads and writes. */
    private final class Connection implements CompletionHandler<Integer, Boolean> {
        private static final Boolean READ = Boolean.TRUE;
        private static final Boolean WRITE = Boolean.FALSE;
        private final AsynchronousSocketChannel socket;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(bufferSize);

        Connection(AsynchronousSocketChannel socket) {
            this.socket = socket;
        }

        void read() {
            buffer.clear();
            socket.read(buffer, READ, this);
        }

        @Override
        public void completed(Integer n, Boolean reading) {
            if (reading) {
                if (n < 0) {
                    close();
                    return;
                }
                buffer.flip();
                socket.write(buffer, WRITE, this);
            } else if (buffer.hasRemaining()) {
                socket.write(buffer, WRITE, this);
            } else {
                read();
            }
        }

        @Override
        public void failed(Throwable failure, Boolean reading) {
            close();
        }

        private void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    @Override
    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) listener.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        group.shutdownNow();
        try {
            group.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
