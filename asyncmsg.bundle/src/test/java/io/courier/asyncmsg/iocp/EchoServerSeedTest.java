package io.courier.asyncmsg.iocp;

import static io.courier.asyncmsg.iocp.Loopback.WAIT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The IBM i example "Use asynchronous I/O" ported (SPEC A7): a master thread creates the port
 * and a pool of workers, accepts connections on loopback and starts a receive on each with
 * {@code postFlag} on; a worker woken by a completion echoes the data with {@code startSend},
 * then starts the next receive; at the end the master posts one termination per worker, waits
 * for them and destroys the port. The example's note that accept can be asynchronous too
 * ({@code QsoStartAccept}) is the {@link AcceptMode#PORT} variant.
 *
 * <p>The seed serves one client with one message; here many clients stream at once and every
 * byte is checked.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@ExtendWith(ThreadDumpOnTimeout.class)
class EchoServerSeedTest {
    private static final int CLIENTS = 32;
    private static final int BYTES_PER_CLIENT = 256 * 1024;
    private static final int WORKERS = 4;

    /** Who accepts: the master thread with blocking accept, or the port with startAccept. */
    enum AcceptMode { MASTER, PORT }

    /** One client connection's state: the seed's descriptorHandle points at it. */
    static final class Connection {
        static final int BUFFER_LENGTH = 4096;
        final SocketChannel socket;
        final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_LENGTH);
        final OverlappedIo io;

        Connection(SocketChannel socket) {
            this.socket = socket;
            this.io = new OverlappedIo(buffer, BUFFER_LENGTH, this);
        }
    }

    /** The seed's server: master thread, worker pool, one completion port. */
    static final class SeedEchoServer {
        private static final Object TERMINATE = "terminate";
        final IoCompletionPort port = IoCompletionPort.create();
        final ServerSocketChannel listener;
        final LongAdder workerFailures = new LongAdder();
        final LongAdder connectionsClosed = new LongAdder();
        final LongAdder connectionErrors = new LongAdder();
        private final OverlappedIo acceptIo = new OverlappedIo().handle("listener");
        private final CountDownLatch stopRequested = new CountDownLatch(1);
        private final List<Thread> workers = new ArrayList<>();
        private final Thread master;
        private final AcceptMode mode;

        SeedEchoServer(AcceptMode mode, int workerCount, ThreadFactory workerThreads) throws IOException {
            this.mode = mode;
            this.listener = Loopback.listen();
            for (int i = 0; i < workerCount; i++) {
                workers.add(workerThreads.newThread(this::workerThread));
            }
            this.master = Thread.ofPlatform().name("seed-master").unstarted(this::masterThread);
        }

        SeedEchoServer start() {
            workers.forEach(Thread::start);
            master.start();
            return this;
        }

        /** Asks the master to stop accepting, terminate the workers and destroy the port. */
        boolean stop() throws Exception {
            stopRequested.countDown();
            listener.close();
            return master.join(WAIT);
        }

        private void masterThread() {
            if (mode == AcceptMode.MASTER) {
                acceptLoop();
            } else {
                startAccepting();
                try {
                    stopRequested.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            // QsoPostIOCompletion: one termination per worker; each post wakes exactly one.
            for (int i = 0; i < workers.size(); i++) {
                port.post(new OverlappedIo().handle(TERMINATE));
            }
            for (Thread worker : workers) {
                try {
                    if (!worker.join(WAIT)) {
                        workerFailures.increment();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            port.close(); // QsoDestroyIOCompletionPort
        }

        private void acceptLoop() {
            while (true) {
                SocketChannel client;
                try {
                    client = listener.accept();
                } catch (ClosedChannelException e) {
                    return; // stop() closed the listener
                } catch (IOException e) {
                    connectionErrors.increment();
                    continue;
                }
                Connection connection = new Connection(client);
                // postFlag on: a worker processes the request even if it is there already.
                connection.io.length(Connection.BUFFER_LENGTH).postFlag(true).fillBuffer(false);
                if (port.startRecv(client, connection.io) == -1) {
                    close(connection);
                }
            }
        }

        private void startAccepting() {
            acceptIo.postFlag(true);
            if (port.startAccept(listener, acceptIo) == -1) {
                connectionErrors.increment();
            }
        }

        private void workerThread() {
            while (true) {
                Completion completion;
                try {
                    completion = port.waitForCompletion(Duration.ofSeconds(500));
                } catch (KernelException e) {
                    if (e.errno() == Errno.EBADF || e.errno() == Errno.ECANCELED) {
                        return; // the port is gone
                    }
                    workerFailures.increment();
                    continue;
                }
                if (completion == null) {
                    continue;
                }
                if (completion.handle() == TERMINATE) {
                    return;
                }
                try {
                    process(completion);
                } catch (Throwable t) { // a worker never dies of one connection
                    workerFailures.increment();
                }
            }
        }

        private void process(Completion completion) {
            switch (completion.operation()) {
                case ACCEPT -> accepted(completion);
                case RECV -> {
                    Connection connection = (Connection) completion.handle();
                    if (!completion.succeeded() || completion.bytesTransferred() == 0) {
                        close(connection, completion.errno());
                    } else {
                        echo(connection, completion.bytesTransferred());
                    }
                }
                case SEND -> {
                    Connection connection = (Connection) completion.handle();
                    if (!completion.succeeded()) {
                        close(connection, completion.errno());
                    } else {
                        receiveNext(connection);
                    }
                }
                case POST -> workerFailures.increment(); // only terminations are posted
            }
        }

        private void accepted(Completion completion) {
            if (completion.succeeded()) {
                serve(completion.accepted());
            }
            // The accept area is this worker's until the next accept is started.
            acceptIo.postFlag(false);
            while (listener.isOpen()) {
                int rc = port.startAccept(listener, acceptIo);
                if (rc != 0) {
                    return; // 1: a worker gets the next one; -1: the listener is closed
                }
                serve(acceptIo.accepted());
            }
        }

        private void serve(SocketChannel client) {
            receiveNext(new Connection(client));
        }

        /** Echo {@code n} received bytes; while operations finish at once, keep going here. */
        private void echo(Connection connection, int n) {
            while (true) {
                // The seed: postFlag 0, bufferLength = returnValue; QsoStartSend.
                connection.buffer.flip();
                connection.io.length(n).postFlag(false);
                int rc = port.startSend(connection.socket, connection.io);
                if (rc == 1) {
                    return; // a worker gets the SEND completion
                }
                if (rc == -1) {
                    close(connection, connection.io.errno());
                    return;
                }
                n = receive(connection);
                if (n <= 0) {
                    return;
                }
            }
        }

        private void receiveNext(Connection connection) {
            int n = receive(connection);
            if (n > 0) {
                echo(connection, n);
            }
        }

        /** Starts a receive: bytes got at once, or 0 when it will be posted or the connection ended. */
        private int receive(Connection connection) {
            connection.buffer.clear();
            connection.io.length(Connection.BUFFER_LENGTH).postFlag(false);
            int rc = port.startRecv(connection.socket, connection.io);
            if (rc == 1) {
                return 0;
            }
            if (rc == -1 || connection.io.returnValue() == 0) {
                close(connection, connection.io.errno());
                return 0;
            }
            return connection.io.returnValue();
        }

        private void close(Connection connection, Errno errno) {
            if (errno != Errno.EOK) {
                connectionErrors.increment();
            }
            close(connection);
        }

        private void close(Connection connection) {
            try {
                connection.socket.close();
            } catch (IOException e) {
                connectionErrors.increment();
            }
            connectionsClosed.increment();
        }
    }

    /** A client streaming {@code bytes} random bytes while a second thread reads the echo. */
    private static Thread client(ServerSocketChannel listener, long seed, int bytes, List<Throwable> failures) {
        return Thread.ofVirtual().name("client-" + seed).start(() -> {
            byte[] sent = new byte[bytes];
            Random random = new Random(seed);
            random.nextBytes(sent);
            try (SocketChannel socket = Loopback.connect(listener)) {
                byte[][] echoed = new byte[1][];
                Thread reader = Thread.ofVirtual().start(() -> {
                    try {
                        echoed[0] = Loopback.readFully(socket, bytes);
                    } catch (IOException e) {
                        synchronized (failures) {
                            failures.add(e);
                        }
                    }
                });
                int offset = 0;
                while (offset < bytes) {
                    int chunk = Math.min(bytes - offset, 1 + random.nextInt(8192));
                    ByteBuffer b = ByteBuffer.wrap(sent, offset, chunk);
                    while (b.hasRemaining()) {
                        socket.write(b);
                    }
                    offset += chunk;
                }
                if (!reader.join(WAIT)) {
                    throw new IllegalStateException("echo incomplete for client " + seed);
                }
                assertArrayEquals(sent, echoed[0], "client " + seed + ": every byte echoed");
            } catch (Throwable t) {
                synchronized (failures) {
                    failures.add(t);
                }
            }
        });
    }

    private static ThreadFactory workers(boolean virtual) {
        return virtual ? Thread.ofVirtual().name("seed-worker-", 0).factory()
                : Thread.ofPlatform().name("seed-worker-", 0).factory();
    }

    private static void awaitClosed(SeedEchoServer server, int n) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (server.connectionsClosed.sum() < n) {
            assertTrue(System.nanoTime() < deadline,
                    "server closed " + server.connectionsClosed.sum() + " of " + n + " connections");
            Thread.sleep(5);
        }
    }

    @ParameterizedTest(name = "accept by {0}, virtual workers {1}")
    @CsvSource({"MASTER, false", "MASTER, true", "PORT, false", "PORT, true"})
    void a7_shouldEchoEveryByteOfManyConcurrentClients(AcceptMode mode, boolean virtual) throws Exception {
        SeedEchoServer server = new SeedEchoServer(mode, WORKERS, workers(virtual)).start();
        List<Throwable> failures = new ArrayList<>();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(client(server.listener, i, BYTES_PER_CLIENT, failures));
        }
        for (Thread c : clients) {
            assertTrue(c.join(WAIT.multipliedBy(3)), c + " did not finish");
        }
        synchronized (failures) {
            assertTrue(failures.isEmpty(), "client failures: " + failures);
        }
        awaitClosed(server, CLIENTS);

        assertEquals(0, server.port.info().errors(), "the port caught no failure");
        assertTrue(server.stop(), "the master finished");
        assertFalse(server.port.isOpen(), "the master destroyed the port");
        assertEquals(0, server.workerFailures.sum());
        assertEquals(0, server.connectionErrors.sum());
    }

    @Test
    void a7_shouldEchoTheSeedsSingle80ByteRequestWithOneWorker() throws Exception {
        SeedEchoServer server = new SeedEchoServer(AcceptMode.MASTER, 1, workers(false)).start();
        try (SocketChannel client = Loopback.connect(server.listener)) {
            byte[] request = new byte[80];
            new Random(80).nextBytes(request);
            Loopback.writeFully(client, request);
            assertArrayEquals(request, Loopback.readFully(client, 80));
        }
        awaitClosed(server, 1);
        assertTrue(server.stop());
        assertEquals(0, server.workerFailures.sum());
    }

    @Test
    void a7_shouldKeepEchoingOthersWhenClientsResetMidSend() throws Exception {
        SeedEchoServer server = new SeedEchoServer(AcceptMode.PORT, WORKERS, workers(true)).start();
        List<SocketChannel> resetters = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            SocketChannel rude = Loopback.connect(server.listener);
            Loopback.writeFully(rude, new byte[64 * 1024]); // echo not read: server sends pile up
            resetters.add(rude);
        }
        List<Throwable> failures = new ArrayList<>();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            clients.add(client(server.listener, 100 + i, BYTES_PER_CLIENT, failures));
        }
        for (SocketChannel rude : resetters) {
            Loopback.reset(rude);
        }
        for (Thread c : clients) {
            assertTrue(c.join(WAIT.multipliedBy(3)));
        }
        synchronized (failures) {
            assertTrue(failures.isEmpty(), "client failures: " + failures);
        }
        awaitClosed(server, 16);
        assertTrue(server.stop());
        assertEquals(0, server.workerFailures.sum());
    }
}
