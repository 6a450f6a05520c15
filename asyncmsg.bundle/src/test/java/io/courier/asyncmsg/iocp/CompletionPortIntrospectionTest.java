package io.courier.asyncmsg.iocp;

import static io.courier.asyncmsg.iocp.Loopback.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** SPEC A7 and P4: the snapshot a shell command or pidin shows of the open ports. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(ThreadDumpOnTimeout.class)
class CompletionPortIntrospectionTest {

    private static PortInfo find(int id) {
        return IoCompletionPort.ports().stream().filter(p -> p.id() == id).findFirst().orElseThrow();
    }

    @Test
    void a7_shouldListOpenPortsWithWaitersAndPendingOperations() throws Exception {
        IoCompletionPort port = IoCompletionPort.create();
        try (Loopback.Pair pair = Loopback.pair();
                ServerSocketChannel listener = Loopback.listen()) {
            assertEquals(1, port.startRecv(pair.server(), new OverlappedIo(ByteBuffer.allocate(32), 32, "conn-7")));
            assertEquals(1, port.startAccept(listener, new OverlappedIo().handle("acceptor")));
            Thread waiter = Thread.ofVirtual().start(() -> port.waitForCompletion(WAIT));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (find(port.id()).waitingThreads() < 1) {
                assertTrue(System.nanoTime() < deadline);
                Thread.sleep(1);
            }

            PortInfo info = find(port.id());
            assertEquals(IoCompletionPort.DEFAULT_OWNER, info.ownerPid());
            assertTrue(info.open());
            assertEquals(1, info.waitingThreads());
            assertEquals(0, info.queuedCompletions());
            assertEquals(0, info.errors());
            List<PendingOperation> pending = info.pendingOperations();
            assertEquals(2, pending.size(), pending.toString());
            PendingOperation recv = pending.stream().filter(p -> p.operation() == Operation.RECV).findFirst().orElseThrow();
            assertEquals("conn-7", recv.handle());
            assertEquals(32, recv.length());
            assertEquals(0, recv.transferred());
            assertTrue(recv.socket().contains(pair.server().getRemoteAddress().toString()), recv.socket());
            PendingOperation accept = pending.stream().filter(p -> p.operation() == Operation.ACCEPT).findFirst().orElseThrow();
            assertEquals("acceptor", accept.handle());
            assertTrue(accept.socket().contains("listening"), accept.socket());

            port.post(new OverlappedIo().handle("wake"));
            assertTrue(waiter.join(WAIT));
            port.close();
            assertFalse(IoCompletionPort.ports().stream().anyMatch(p -> p.id() == port.id()));
        } finally {
            port.close();
        }
    }
}
