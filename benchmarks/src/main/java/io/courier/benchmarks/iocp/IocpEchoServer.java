package io.courier.benchmarks.iocp;

import io.courier.asyncmsg.iocp.Completion;
import io.courier.asyncmsg.iocp.IoCompletionPort;
import io.courier.asyncmsg.iocp.Operation;
import io.courier.asyncmsg.iocp.OverlappedIo;
import io.courier.kernel.KernelException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The IBM i asynchronous I/O echo server on a Courier {@link IoCompletionPort}: a master thread
 * accepts on loopback and starts a receive per connection; {@code workers} platform threads
 * wait on the port and echo with {@code startSend}; while operations finish at once a worker
 * keeps going without a trip through the port. Close posts one termination per worker.
 */
public final class IocpEchoServer implements EchoServer {
    private static final Object TERMINATE = new Object();

    private final IoCompletionPort port = IoCompletionPort.create();
    private final ServerSocketChannel listener;
    private final int bufferSize;
    private final Thread master;
    private final List<Thread> workers = new ArrayList<>();
    private final List<SocketChannel> connections = new ArrayList<>();

    /** Per connection: the socket, its buffer and its one reusable area. */
    private static final class Connection {
        final SocketChannel socket;
        final ByteBuffer buffer;
        final OverlappedIo io;

        Connection(SocketChannel socket, int size) {
            this.socket = socket;
            this.buffer = ByteBuffer.allocateDirect(size);
            this.io = new OverlappedIo(buffer, size, this);
        }
    }

    /** Starts the master and {@code workers} worker threads. */
    public IocpEchoServer(int workers, int bufferSize) throws IOException {
        this.bufferSize = bufferSize;
        this.listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        for (int i = 0; i < workers; i++) {
            Thread t = Thread.ofPlatform().daemon().name("iocp-echo-worker-" + i).start(this::work);
            this.workers.add(t);
        }
        this.master = Thread.ofPlatform().daemon().name("iocp-echo-master").start(this::accept);
    }

    @Override
    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) listener.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void accept() {
        while (true) {
            SocketChannel client;
            try {
                client = listener.accept();
                client.setOption(StandardSocketOptions.TCP_NODELAY, true);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                continue;
            }
            synchronized (connections) {
                connections.add(client);
            }
            Connection c = new Connection(client, bufferSize);
            c.io.length(bufferSize).postFlag(true);
            if (port.startRecv(client, c.io) == -1) {
                closeQuietly(client);
            }
        }
    }

    private void work() {
        while (true) {
            Completion completion;
            try {
                completion = port.waitForCompletion(Duration.ofSeconds(1));
            } catch (KernelException e) {
                return; // port closed
            }
            if (completion == null) {
                continue;
            }
            if (completion.handle() == TERMINATE) {
                return;
            }
            try {
                Connection c = (Connection) completion.handle();
                if (!completion.succeeded()) {
                    closeQuietly(c.socket);
                } else if (completion.operation() == Operation.SEND) {
                    receiveAndEcho(c);
                } else if (completion.bytesTransferred() == 0) {
                    closeQuietly(c.socket); // end of stream
                } else {
                    echo(c, completion.bytesTransferred());
                }
            } catch (RuntimeException e) {
                // a worker never dies of one connection
            }
        }
    }

    private void echo(Connection c, int n) {
        while (true) {
            c.buffer.flip();
            c.io.length(n).postFlag(false);
            int rc = port.startSend(c.socket, c.io);
            if (rc != 0) {
                if (rc == -1) {
                    closeQuietly(c.socket);
                }
                return;
            }
            n = receive(c);
            if (n <= 0) {
                return;
            }
        }
    }

    private void receiveAndEcho(Connection c) {
        int n = receive(c);
        if (n > 0) {
            echo(c, n);
        }
    }

    private int receive(Connection c) {
        c.buffer.clear();
        c.io.length(bufferSize).postFlag(false);
        int rc = port.startRecv(c.socket, c.io);
        if (rc == 1) {
            return 0;
        }
        if (rc == -1 || c.io.returnValue() == 0) {
            closeQuietly(c.socket);
            return 0;
        }
        return c.io.returnValue();
    }

    private static void closeQuietly(SocketChannel socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        long errors = port.info().errors();
        if (errors > 0) {
            System.err.println("iocp echo server: the port caught " + errors + " failures");
        }
        listener.close();
        try {
            master.join(Duration.ofSeconds(10));
            for (int i = 0; i < workers.size(); i++) {
                port.post(new OverlappedIo().handle(TERMINATE));
            }
            for (Thread t : workers) {
                t.join(Duration.ofSeconds(10));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            port.close();
        }
        synchronized (connections) {
            connections.forEach(IocpEchoServer::closeQuietly);
        }
    }
}
