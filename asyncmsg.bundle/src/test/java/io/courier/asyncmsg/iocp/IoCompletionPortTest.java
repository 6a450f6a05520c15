package io.courier.asyncmsg.iocp;

import static io.courier.asyncmsg.iocp.Loopback.WAIT;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** SPEC A7: receive, send and accept on real sockets, with postFlag and fillBuffer. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(ThreadDumpOnTimeout.class)
class IoCompletionPortTest {
    private IoCompletionPort port;

    @BeforeEach
    void createPort() {
        port = IoCompletionPort.create();
    }

    @AfterEach
    void destroyPort() {
        port.close();
    }

    private static byte[] ascii(String text) {
        return text.getBytes(US_ASCII);
    }

    @Test
    void a7_shouldReturnZeroWithBytesInAreaWhenRecvCompletesAtOnce() throws Exception {
        try (Loopback.Pair pair = Loopback.pair()) {
            Loopback.writeFully(pair.client(), ascii("hello"));
            ByteBuffer buffer = ByteBuffer.allocate(80);
            OverlappedIo io = new OverlappedIo(buffer, 80, "client");
            Thread.sleep(50); // let the bytes land, so that the receive can finish at once
            assertEquals(0, port.startRecv(pair.server(), io));
            assertEquals(5, io.returnValue());
            assertEquals(Errno.EOK, io.errno());
            assertEquals(Operation.RECV, io.operationCompleted());
            assertEquals(5, buffer.position(), "a receive advances the position");
            assertEquals("hello", new String(buffer.array(), 0, 5, US_ASCII));
            assertNull(port.waitForCompletion(Duration.ZERO), "postFlag off: nothing posted");
        }
    }

    @Test
    void a7_shouldPostEvenWhenDoneAtOnceWithPostFlag() throws Exception {
        try (Loopback.Pair pair = Loopback.pair()) {
            ByteBuffer buffer = ByteBuffer.allocate(5);
            OverlappedIo io = new OverlappedIo(buffer, 5, "h").postFlag(true);
            Loopback.writeFully(pair.client(), ascii("ping!"));
            Thread.sleep(50); // let the bytes land so the receive completes at once
            assertEquals(1, port.startRecv(pair.server(), io));
            Completion c = port.waitForCompletion(WAIT);
            assertNotNull(c);
            assertEquals(Operation.RECV, c.operation());
            assertEquals("h", c.handle());
            assertSame(io, c.io());
            assertEquals(5, c.bytesTransferred());
            assertEquals(5, c.returnValue());
            assertTrue(io.postFlagResult(), "completed at once and posted");
            assertEquals("ping!", new String(buffer.array(), US_ASCII));
        }
    }

    @Test
    void a7_shouldReturnOneAndPostTheHandleWhenDataArrivesLater() throws Exception {
        try (Loopback.Pair pair = Loopback.pair()) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(64);
            Object handle = new Object();
            OverlappedIo io = new OverlappedIo(buffer, 64, handle);
            assertEquals(1, port.startRecv(pair.server(), io));
            assertFalse(io.postFlagResult(), "not completed yet");
            assertNull(port.waitForCompletion(Duration.ofMillis(50)), "nothing before the data");
            Loopback.writeFully(pair.client(), ascii("late data"));
            Completion c = port.waitForCompletion(WAIT);
            assertNotNull(c);
            assertEquals(Operation.RECV, c.operation());
            assertSame(handle, c.handle());
            assertEquals(9, c.bytesTransferred());
            assertEquals(Errno.EOK, c.errno());
            assertEquals(9, io.returnValue());
            byte[] got = new byte[9];
            buffer.flip().get(got);
            assertEquals("late data", new String(got, US_ASCII));
        }
    }

    @Test
    void a7_shouldCompleteFillBufferRecvOnlyWhenTheBufferIsFull() throws Exception {
        try (Loopback.Pair pair = Loopback.pair()) {
            ByteBuffer buffer = ByteBuffer.allocate(12);
            OverlappedIo io = new OverlappedIo(buffer, 12, "fill").fillBuffer(true);
            Loopback.writeFully(pair.client(), ascii("abcd"));
            assertEquals(1, port.startRecv(pair.server(), io));
            assertNull(port.waitForCompletion(Duration.ofMillis(100)), "4 of 12 bytes: not yet");
            Loopback.writeFully(pair.client(), ascii("efgh"));
            assertNull(port.waitForCompletion(Duration.ofMillis(100)), "8 of 12 bytes: not yet");
            Loopback.writeFully(pair.client(), ascii("ijklmnop"));
            Completion c = port.waitForCompletion(WAIT);
            assertNotNull(c);
            assertEquals(12, c.bytesTransferred());
            assertEquals("abcdefghijkl", new String(buffer.array(), US_ASCII));
            assertEquals(12, buffer.position());
        }
    }

    @Test
    void a7_shouldCompleteFillBufferRecvWithWhatCameWhenTheStreamEnds() throws Exception {
        try (Loopback.Pair pair = Loopback.pair()) {
            ByteBuffer buffer = ByteBuffer.allocate(100);
            OverlappedIo io = new OverlappedIo(buffer, 100, "fill").fillBuffer(true);
            assertEquals(1, port.startRecv(pair.server(), io));
            Loopback.writeFully(pair.client(), ascii("only7by"));
            pair.client().shutdownOutput();
            Completion c = port.waitForCompletion(WAIT);
            assertNotNull(c);
            assertEquals(Errno.EOK, c.errno());
            assertEquals(7, c.bytesTransferred());
        }
    }

    @Test
    void a7_shouldReportZeroBytesAtTheEndOfTheStream() throws Exception {
        try (Loopback.Pair pair = Loopback.pair()) {
            OverlappedIo io = new OverlappedIo(ByteBuffer.allocate(16), 16, "eof");
            assertEquals(1, port.startRecv(pair.server(), io));
            pair.client().close();
            Completion c = port.waitForCompletion(WAIT);
            assertNotNull(c);
            assertEquals(Errno.EOK, c.errno());
            assertEquals(0, c.returnValue());
        }
    }

    @Test
    void a7_shouldSendAtOnceAndLeaveTheBufferPositionAlone() throws Exception {
        try (Loopback.Pair pair = Loopback.pair()) {
            ByteBuffer buffer = ByteBuffer.wrap(ascii("__echo__"));
            buffer.position(2);
            OverlappedIo io = new OverlappedIo(buffer, 4, "send");
            assertEquals(0, port.startSend(pair.server(), io));
            assertEquals(4, io.returnValue());
            assertEquals(2, buffer.position());
            assertEquals(8, buffer.limit());
            assertEquals("echo", new String(Loopback.readFully(pair.client(), 4), US_ASCII));
        }
    }

    @Test
    void a7_shouldPostALargeSendOnceThePeerHasReadItAll() throws Exception {
        try (Loopback.Pair pair = Loopback.pair(4096, 4096)) {
            byte[] payload = new byte[8 << 20];
            new Random(7).nextBytes(payload);
            ByteBuffer buffer = ByteBuffer.wrap(payload);
            OverlappedIo io = new OverlappedIo(buffer, payload.length, "big");
            assertEquals(1, port.startSend(pair.server(), io), "8 MiB cannot fit the socket buffers");
            assertEquals(1, port.info().pendingOperations().size());
            CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return Loopback.readFully(pair.client(), payload.length);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Completion c = port.waitForCompletion(WAIT);
            assertNotNull(c);
            assertEquals(Operation.SEND, c.operation());
            assertEquals(payload.length, c.bytesTransferred());
            assertEquals(0, buffer.position(), "source position left alone");
            assertArrayEquals(payload, read.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        }
    }

    @Test
    void a7_shouldAcceptAtOnceWhenAClientIsAlreadyWaiting() throws Exception {
        try (ServerSocketChannel listener = Loopback.listen();
                SocketChannel client = Loopback.connect(listener)) {
            OverlappedIo io = new OverlappedIo().handle("listener");
            int rc = port.startAccept(listener, io);
            SocketChannel accepted;
            if (rc == 1) { // the handshake may not have finished yet
                Completion c = port.waitForCompletion(WAIT);
                assertNotNull(c);
                accepted = c.accepted();
            } else {
                assertEquals(0, rc);
                accepted = io.accepted();
            }
            assertNotNull(accepted);
            try (accepted) {
                assertFalse(accepted.isBlocking());
                assertEquals(client.getLocalAddress(), accepted.getRemoteAddress());
            }
        }
    }

    @Test
    void a7_shouldPostTheAcceptedSocketWhenAClientConnectsLater() throws Exception {
        try (ServerSocketChannel listener = Loopback.listen()) {
            OverlappedIo io = new OverlappedIo().handle("listener");
            assertEquals(1, port.startAccept(listener, io));
            try (SocketChannel client = Loopback.connect(listener)) {
                Completion c = port.waitForCompletion(WAIT);
                assertNotNull(c);
                assertEquals(Operation.ACCEPT, c.operation());
                assertEquals("listener", c.handle());
                assertSame(c.accepted(), io.accepted());
                try (SocketChannel accepted = c.accepted()) {
                    assertEquals(client.getLocalAddress(), accepted.getRemoteAddress());
                    // The accepted socket works with the port straight away.
                    Loopback.writeFully(client, ascii("hi"));
                    OverlappedIo recv = new OverlappedIo(ByteBuffer.allocate(2), 2, accepted).fillBuffer(true);
                    int rc = port.startRecv(accepted, recv);
                    if (rc == 1) {
                        assertNotNull(port.waitForCompletion(WAIT));
                    }
                    assertEquals(2, recv.returnValue());
                }
            }
        }
    }

    @Test
    void a7_shouldRefuseASecondRecvWhileOneWaitsWithEalready() throws Exception {
        try (Loopback.Pair pair = Loopback.pair()) {
            assertEquals(1, port.startRecv(pair.server(), new OverlappedIo(ByteBuffer.allocate(8), 8, 1)));
            OverlappedIo second = new OverlappedIo(ByteBuffer.allocate(8), 8, 2);
            assertEquals(-1, port.startRecv(pair.server(), second));
            assertEquals(Errno.EALREADY, second.errno());
            // A send on the same socket may wait beside the receive.
            assertEquals(0, port.startSend(pair.server(), new OverlappedIo(ByteBuffer.wrap(ascii("ok")), 2, 3)));
        }
    }

    @Test
    void a7_shouldReuseOneAreaForReceiveThenSendAsTheSeedWorkerDoes() throws Exception {
        try (Loopback.Pair pair = Loopback.pair()) {
            byte[] request = new byte[1000];
            new Random(3).nextBytes(request);
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            OverlappedIo io = new OverlappedIo(buffer, buffer.capacity(), pair.server()).postFlag(true);
            for (int round = 0; round < 50; round++) {
                buffer.clear();
                io.length(buffer.capacity()).postFlag(true).fillBuffer(false);
                assertEquals(1, port.startRecv(pair.server(), io));
                Loopback.writeFully(pair.client(), request);
                int got = 0;
                while (got < request.length) {
                    Completion c = port.waitForCompletion(WAIT);
                    assertNotNull(c);
                    got += c.bytesTransferred();
                    if (got < request.length) {
                        io.length(buffer.remaining());
                        assertEquals(1, port.startRecv(pair.server(), io));
                    }
                }
                buffer.flip();
                io.length(got).postFlag(false);
                int rc = port.startSend(pair.server(), io);
                if (rc == 1) {
                    assertNotNull(port.waitForCompletion(WAIT));
                }
                assertEquals(request.length, io.returnValue());
                assertArrayEquals(request, Loopback.readFully(pair.client(), request.length),
                        "round " + round);
            }
            assertTrue(Arrays.equals(request, Arrays.copyOf(buffer.array(), request.length)));
        }
    }
}
