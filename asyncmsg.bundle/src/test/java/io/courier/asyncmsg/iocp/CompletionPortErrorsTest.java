package io.courier.asyncmsg.iocp;

import static io.courier.asyncmsg.iocp.Loopback.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SPEC A7, bad input: every misuse gets a defined errno and nothing hangs. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(ThreadDumpOnTimeout.class)
class CompletionPortErrorsTest {
    private IoCompletionPort port;

    @BeforeEach
    void createPort() {
        port = IoCompletionPort.create();
    }

    @AfterEach
    void destroyPort() {
        port.close();
    }

    private static OverlappedIo area(int length) {
        return new OverlappedIo(ByteBuffer.allocate(Math.max(length, 16)), length, "h");
    }

    private static Errno errnoOf(Runnable call) {
        return assertThrows(KernelException.class, call::run).errno();
    }

    // ------------------------------------------------------------------ closed sockets

    @Test
    void a7_shouldFailRecvAndSendOnAClosedSocketWithEbadf() throws Exception {
        Loopback.Pair pair = Loopback.pair();
        pair.close();
        OverlappedIo recv = area(8);
        assertEquals(-1, port.startRecv(pair.server(), recv));
        assertEquals(Errno.EBADF, recv.errno());
        assertEquals(-1, recv.returnValue());
        OverlappedIo send = area(8);
        assertEquals(-1, port.startSend(pair.server(), send));
        assertEquals(Errno.EBADF, send.errno());
        assertNull(port.waitForCompletion(Duration.ZERO), "a failed start posts nothing");
    }

    @Test
    void a7_shouldFailAcceptOnAClosedListenerWithEbadf() throws Exception {
        ServerSocketChannel listener = Loopback.listen();
        listener.close();
        OverlappedIo io = new OverlappedIo();
        assertEquals(-1, port.startAccept(listener, io));
        assertEquals(Errno.EBADF, io.errno());
    }

    @Test
    void a7_shouldFailANullSocketWithEbadf() {
        OverlappedIo io = area(8);
        assertEquals(-1, port.startRecv(null, io));
        assertEquals(Errno.EBADF, io.errno());
    }

    @Test
    void a7_shouldFailRecvOnAnUnconnectedSocketWithEnotconn() throws Exception {
        try (SocketChannel socket = SocketChannel.open()) {
            OverlappedIo io = area(8);
            assertEquals(-1, port.startRecv(socket, io));
            assertEquals(Errno.ENOTCONN, io.errno());
        }
    }

    @Test
    void a7_shouldFailAcceptOnAnUnboundListenerWithEinval() throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            OverlappedIo io = new OverlappedIo();
            assertEquals(-1, port.startAccept(listener, io));
            assertEquals(Errno.EINVAL, io.errno());
        }
    }

    @Test
    void a7_shouldCancelAWaitingRecvWhenTheApplicationClosesItsSocket() throws Exception {
        try (Loopback.Pair pair = Loopback.pair()) {
            assertEquals(1, port.startRecv(pair.server(), area(8)));
            pair.server().close();
            Completion c = port.waitForCompletion(WAIT);
            assertNotNull(c, "the closed socket's receive must complete");
            assertEquals(Errno.ECANCELED, c.errno());
            assertEquals(-1, c.returnValue());
            assertEquals(-1, c.io().returnValue());
        }
    }

    @Test
    void a7_shouldCancelEveryOperationWaitingOnASocket() throws Exception {
        try (Loopback.Pair pair = Loopback.pair(4096, 4096)) {
            assertEquals(1, port.startRecv(pair.server(), area(8)));
            OverlappedIo send = new OverlappedIo(ByteBuffer.allocate(8 << 20), 8 << 20, "send");
            assertEquals(1, port.startSend(pair.server(), send));
            port.cancel(pair.server());
            Set<Operation> cancelled = new java.util.HashSet<>();
            for (int i = 0; i < 2; i++) {
                Completion c = port.waitForCompletion(WAIT);
                assertNotNull(c);
                assertEquals(Errno.ECANCELED, c.errno());
                cancelled.add(c.operation());
            }
            assertEquals(Set.of(Operation.RECV, Operation.SEND), cancelled);
            assertTrue(port.info().pendingOperations().isEmpty());
        }
    }

    // ------------------------------------------------------------------ bad buffers

    @Test
    void a7_shouldRefuseZeroLengthRecvAndSendWithEinval() throws Exception {
        try (Loopback.Pair pair = Loopback.pair()) {
            OverlappedIo recv = area(0);
            assertEquals(-1, port.startRecv(pair.server(), recv));
            assertEquals(Errno.EINVAL, recv.errno());
            OverlappedIo send = area(0);
            assertEquals(-1, port.startSend(pair.server(), send));
            assertEquals(Errno.EINVAL, send.errno());
            OverlappedIo empty = new OverlappedIo(ByteBuffer.allocate(0), 0, "h");
            assertEquals(-1, port.startSend(pair.server(), empty));
            assertEquals(Errno.EINVAL, empty.errno());
        }
    }

    @Test
    void a7_shouldRefuseALengthBeyondTheBufferOrNoBufferWithEinval() throws Exception {
        try (Loopback.Pair pair = Loopback.pair()) {
            OverlappedIo tooLong = new OverlappedIo(ByteBuffer.allocate(8), 9, "h");
            assertEquals(-1, port.startRecv(pair.server(), tooLong));
            assertEquals(Errno.EINVAL, tooLong.errno());
            OverlappedIo noBuffer = new OverlappedIo(null, 8, "h");
            assertEquals(-1, port.startSend(pair.server(), noBuffer));
            assertEquals(Errno.EINVAL, noBuffer.errno());
            OverlappedIo negative = new OverlappedIo(ByteBuffer.allocate(8), -1, "h");
            assertEquals(-1, port.startRecv(pair.server(), negative));
            assertEquals(Errno.EINVAL, negative.errno());
        }
    }

    @Test
    void a7_shouldRefuseAReadOnlyReceiveBufferWithEfault() throws Exception {
        try (Loopback.Pair pair = Loopback.pair()) {
            OverlappedIo io = new OverlappedIo(ByteBuffer.allocate(8).asReadOnlyBuffer(), 8, "h");
            assertEquals(-1, port.startRecv(pair.server(), io));
            assertEquals(Errno.EFAULT, io.errno());
        }
    }

    @Test
    void a7_shouldRefuseANullAreaWithEinval() throws Exception {
        try (Loopback.Pair pair = Loopback.pair()) {
            assertEquals(Errno.EINVAL, errnoOf(() -> port.startRecv(pair.server(), null)));
            assertEquals(Errno.EINVAL, errnoOf(() -> port.post(null)));
        }
    }

    // ------------------------------------------------------------------ closed ports

    @Test
    void a7_shouldFailWaitingOnAClosedPortWithEbadf() {
        port.close();
        assertEquals(Errno.EBADF, errnoOf(() -> port.waitForCompletion(WAIT)));
    }

    @Test
    void a7_shouldFailPostingToAClosedPortWithEbadf() {
        port.close();
        assertEquals(Errno.EBADF, errnoOf(() -> port.post(new OverlappedIo())));
        assertEquals(Errno.EBADF, errnoOf(() -> port.cancel(null)));
    }

    @Test
    void a7_shouldFailStartingOnAClosedPortWithEbadf() throws Exception {
        try (Loopback.Pair pair = Loopback.pair()) {
            port.close();
            OverlappedIo io = area(8);
            assertEquals(-1, port.startRecv(pair.server(), io));
            assertEquals(Errno.EBADF, io.errno());
        }
    }

    /**
     * With an operation waiting, one of the waiters is selecting (leading the poller) rather
     * than queued: close must wake it as well.
     */
    @ParameterizedTest(name = "operation waiting: {0}")
    @ValueSource(booleans = {false, true})
    void a7_shouldWakeEveryWaiterWithEcanceledWhenThePortCloses(boolean operationWaiting) throws Exception {
        Loopback.Pair pair = Loopback.pair();
        if (operationWaiting) {
            assertEquals(1, port.startRecv(pair.server(), area(8)));
        }
        ConcurrentLinkedQueue<Object> outcomes = new ConcurrentLinkedQueue<>();
        List<Thread> waiters = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Thread.Builder builder = i % 2 == 0 ? Thread.ofPlatform() : Thread.ofVirtual();
            waiters.add(builder.start(() -> {
                try {
                    outcomes.add(String.valueOf(port.waitForCompletion(Duration.ofMinutes(5))));
                } catch (KernelException e) {
                    outcomes.add(e.errno());
                }
            }));
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (port.info().waitingThreads() < waiters.size()) {
            assertTrue(System.nanoTime() < deadline);
            Thread.sleep(1);
        }
        port.close();
        for (Thread t : waiters) {
            assertTrue(t.join(WAIT), "a waiter stayed blocked after close");
        }
        pair.close();
        assertEquals(List.of(Errno.ECANCELED, Errno.ECANCELED, Errno.ECANCELED,
                Errno.ECANCELED, Errno.ECANCELED, Errno.ECANCELED), List.copyOf(outcomes));
    }

    @Test
    void a7_shouldFailWaitingOperationsAndReturnTheSocketsWhenThePortCloses() throws Exception {
        try (Loopback.Pair pair = Loopback.pair()) {
            OverlappedIo io = area(8);
            assertEquals(1, port.startRecv(pair.server(), io));
            port.close();
            assertEquals(Errno.ECANCELED, io.errno());
            assertEquals(-1, io.returnValue());
            assertTrue(pair.server().isOpen(), "the socket stays the application's");
            pair.server().configureBlocking(true); // only possible once deregistered
            Loopback.writeFully(pair.client(), new byte[] {42});
            assertEquals(42, Loopback.readFully(pair.server(), 1)[0]);
            assertFalse(IoCompletionPort.ports().stream().anyMatch(p -> p.id() == port.id()));
        }
    }

    @Test
    void a7_shouldIgnoreASecondClose() {
        port.close();
        port.close();
        assertFalse(port.isOpen());
    }

    @Test
    void a7_shouldRefuseABadTimeoutWithEinval() {
        assertEquals(Errno.EINVAL, errnoOf(() -> port.waitForCompletion(Duration.ofMillis(-1))));
        assertEquals(Errno.EINVAL, errnoOf(() -> port.waitForCompletion(null)));
    }

    @ParameterizedTest(name = "operation waiting: {0}")
    @ValueSource(booleans = {false, true})
    void a7_shouldFailAnInterruptedWaitWithEintrAndKeepTheInterrupt(boolean operationWaiting) throws Exception {
        Loopback.Pair pair = Loopback.pair();
        if (operationWaiting) { // the waiter leads the poller, blocked in select()
            assertEquals(1, port.startRecv(pair.server(), area(8)));
        }
        Object[] outcome = new Object[2];
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                port.waitForCompletion(Duration.ofMinutes(5));
            } catch (KernelException e) {
                outcome[0] = e.errno();
                outcome[1] = Thread.currentThread().isInterrupted();
            }
        });
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (port.info().waitingThreads() < 1) {
            assertTrue(System.nanoTime() < deadline);
            Thread.sleep(1);
        }
        waiter.interrupt();
        assertTrue(waiter.join(WAIT));
        assertEquals(Errno.EINTR, outcome[0]);
        assertEquals(Boolean.TRUE, outcome[1]);
        pair.close();
    }

    // ------------------------------------------------------------------ resets

    @Test
    void a7_shouldPostEconnresetToAWaitingRecvWhenThePeerResets() throws Exception {
        try (Loopback.Pair pair = Loopback.pair()) {
            assertEquals(1, port.startRecv(pair.server(), area(8)));
            Loopback.reset(pair.client());
            Completion c = port.waitForCompletion(WAIT);
            assertNotNull(c);
            assertEquals(Errno.ECONNRESET, c.errno());
            assertEquals(-1, c.returnValue());
        }
    }

    @Test
    void a7_shouldPostAnErrorToASendWhenTheClientResetsMidSend() throws Exception {
        try (Loopback.Pair pair = Loopback.pair(4096, 4096)) {
            OverlappedIo io = new OverlappedIo(ByteBuffer.allocateDirect(8 << 20), 8 << 20, "victim");
            assertEquals(1, port.startSend(pair.server(), io));
            Loopback.readFully(pair.client(), 1000); // the client takes a little, then resets
            Loopback.reset(pair.client());
            Completion c = port.waitForCompletion(WAIT);
            assertNotNull(c, "the send must complete after the reset");
            assertEquals(Operation.SEND, c.operation());
            assertTrue(Set.of(Errno.ECONNRESET, Errno.EPIPE).contains(c.errno()), "errno " + c.errno());
            assertTrue(c.bytesTransferred() > 0 && c.bytesTransferred() < (8 << 20),
                    "part was sent: " + c.bytesTransferred());
            // A later send on the dead connection fails at once, it does not wait.
            OverlappedIo again = area(8);
            assertEquals(-1, port.startSend(pair.server(), again));
            assertTrue(Set.of(Errno.ECONNRESET, Errno.EPIPE).contains(again.errno()), "errno " + again.errno());
        }
    }
}
