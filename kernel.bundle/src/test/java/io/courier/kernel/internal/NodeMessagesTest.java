package io.courier.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.ThreadState;
import io.courier.kernel.internal.node.NodeKernelChild;
import io.courier.kernel.internal.node.NodeTestSupport;
import java.io.BufferedReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * Issue 20 (B2), Send/Receive/Reply across the JVMs of a node (K3–K6 across JVMs): a client in
 * one JVM sends to a server in another through the node's rings, with the errors a client in the
 * server's JVM would get, and a server JVM killed under a REPLY-blocked client fails it with
 * ESRCH, never a hang.
 */
class NodeMessagesTest extends NodeTestSupport {
    private static final java.time.Duration LIMIT = java.time.Duration.ofSeconds(10);

    private record Server(Process process, int pid, int chid) {
    }

    private Server startServer(String name) throws Exception {
        Process child = NodeKernelChild.start("attach", root.toString(), nodeName, name);
        BufferedReader out = NodeKernelChild.output(child);
        String[] f = NodeKernelChild.expectLine(child, out, "ATTACHED ").split(" ");
        return new Server(child, Integer.parseInt(f[1]), Integer.parseInt(f[2]));
    }

    @Test
    void shouldRoundTripManyChecksummedMessagesToAServerInAnotherJvm() throws Exception {
        Server server = null;
        try (MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            server = startServer("checksum");
            Kernel k = mk.process("client");
            int coid = CompletableFuture.supplyAsync(() -> k.nameOpen("checksum", 0)).get(10, TimeUnit.SECONDS);
            Random random = new Random(20);
            for (int i = 0; i < 2_000; i++) {
                byte[] msg = new byte[1 + random.nextInt(i % 100 == 0 ? 100_000 : 3_000)];
                random.nextBytes(msg);
                msg[0] = 'm'; // never HOLD or ERR
                CRC32 crc = new CRC32();
                crc.update(msg);
                ByteBuffer reply = ByteBuffer.allocate(msg.length);
                int status = k.msgSend(coid, ByteBuffer.wrap(msg), reply, LIMIT);
                assertEquals((int) crc.getValue(), status, "message " + i);
                assertEquals(msg.length, reply.position(), "the reply buffer moved past the reply, as in one JVM");
                for (int b = 0; b < msg.length; b++) {
                    if (reply.get(b) != msg[msg.length - 1 - b]) {
                        throw new AssertionError("message " + i + ": reply byte " + b + " differs");
                    }
                }
            }
            // A figure for the report, not a check: small round trips between two JVMs.
            ByteBuffer small = ByteBuffer.wrap("m-small-message!".getBytes(StandardCharsets.US_ASCII));
            ByteBuffer smallReply = ByteBuffer.allocate(16);
            long t0 = System.nanoTime();
            for (int i = 0; i < 5_000; i++) {
                k.msgSend(coid, small, smallReply, LIMIT);
            }
            System.out.printf("cross-JVM round trip, 16 B: %.1f us%n", (System.nanoTime() - t0) / 5_000 / 1e3);
            // A reply buffer larger than the reply: only the reply's bytes come, the rest stays.
            ByteBuffer roomy = ByteBuffer.allocate(10);
            roomy.put(9, (byte) 'z');
            k.msgSend(coid, ByteBuffer.wrap("m-abc".getBytes(StandardCharsets.US_ASCII)), roomy, LIMIT);
            assertEquals(5, roomy.position(), "moved past the 5 bytes written");
            assertEquals('z', roomy.get(9), "a byte the server did not write is left alone");
            // The smaller buffer decides: a short reply buffer gets its first bytes.
            byte[] msg = "message with a short reply buffer".getBytes(StandardCharsets.US_ASCII);
            ByteBuffer shortReply = ByteBuffer.allocate(4);
            k.msgSend(coid, ByteBuffer.wrap(msg), shortReply, LIMIT);
            assertArrayEquals(new byte[] {'r', 'e', 'f', 'f'}, shortReply.array());
            // IOVs on both sides.
            ByteBuffer[] siov = {ByteBuffer.wrap("ab".getBytes(StandardCharsets.US_ASCII)),
                    ByteBuffer.wrap("cd".getBytes(StandardCharsets.US_ASCII))};
            ByteBuffer[] riov = {ByteBuffer.allocate(1), ByteBuffer.allocate(3)};
            k.msgSendv(coid, siov, riov, LIMIT);
            assertEquals('d', riov[0].get(0));
            assertEquals("cba", new String(riov[1].array(), StandardCharsets.US_ASCII));
            // The server's error comes back as it would in its own JVM.
            KernelException err = assertThrows(KernelException.class,
                    () -> k.msgSend(coid, ByteBuffer.wrap("ERR!".getBytes(StandardCharsets.US_ASCII)), null, LIMIT));
            assertEquals(Errno.EINVAL, err.errno());

            // connectAttach by pid and chid, as to a local process.
            Server srv = server;
            int direct = k.connectAttach(0, server.pid(), server.chid(), 0, 0);
            assertEquals(statusOf("xyz"), k.msgSend(direct, ByteBuffer.wrap("xyz".getBytes(StandardCharsets.US_ASCII)),
                    ByteBuffer.allocate(3), LIMIT));
            assertEquals(Errno.ESRCH, assertThrows(KernelException.class,
                    () -> k.connectAttach(0, srv.pid(), srv.chid() + 77, 0, 0)).errno(), "no such channel");
            assertEquals(Errno.ESRCH, assertThrows(KernelException.class,
                    () -> k.connectAttach(0, srv.pid() + 5, srv.chid(), 0, 0)).errno(), "no such process");
            // A pulse carrying an object cannot cross JVMs: refused, never queued without it.
            assertEquals(Errno.EINVAL, assertThrows(KernelException.class,
                    () -> k.msgSendPulsePtr(direct, 10, 1, new Object())).errno());
            k.connectDetach(direct);
            assertEquals(Errno.EBADF, assertThrows(KernelException.class,
                    () -> k.msgSend(direct, ByteBuffer.allocate(1), null)).errno());
            k.nameClose(coid);
        } finally {
            if (server != null) {
                NodeKernelChild.stop(server.process());
            }
        }
    }

    private static int statusOf(String text) {
        CRC32 crc = new CRC32();
        crc.update(text.getBytes(StandardCharsets.US_ASCII));
        return (int) crc.getValue();
    }

    @Test
    void shouldFailAReplyBlockedClientWithEsrchWhenTheServerJvmIsKilled() throws Exception {
        Server server = null;
        try (MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            server = startServer("holder");
            Kernel k = mk.process("client");
            int deaths = CompletableFuture.supplyAsync(() -> k.channelCreate(io.courier.kernel.ChannelFlags.COID_DISCONNECT))
                    .get(10, TimeUnit.SECONDS);
            int coid = CompletableFuture.supplyAsync(() -> k.nameOpen("holder", 0)).get(10, TimeUnit.SECONDS);
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread client = Thread.ofPlatform().start(() -> {
                try {
                    k.msgSend(coid, ByteBuffer.wrap("HOLD".getBytes(StandardCharsets.US_ASCII)), ByteBuffer.allocate(8));
                    outcome.complete(null);
                } catch (Throwable t) {
                    outcome.complete(t);
                }
            });
            long limit = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (mk.sends().stream().noneMatch(s -> s.state() == ThreadState.REPLY) && System.nanoTime() < limit) {
                Thread.sleep(5);
            }
            assertTrue(mk.sends().stream().anyMatch(s -> s.state() == ThreadState.REPLY), "the client is REPLY-blocked");
            long killed = System.nanoTime();
            server.process().destroyForcibly(); // SIGKILL of the child this test started
            Throwable t = outcome.get(5, TimeUnit.SECONDS);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
            assertNotNull(t, "the send cannot succeed");
            assertEquals(Errno.ESRCH, assertInstanceOf(KernelException.class, t).errno());
            assertTrue(tookMs <= 1_000, "ESRCH after " + tookMs + " ms");
            client.join(TimeUnit.SECONDS.toMillis(5));
            // K12: the client's COID_DISCONNECT channel hears that its connection's server died.
            io.courier.kernel.Pulse death = CompletableFuture.supplyAsync(() -> k.msgReceivePulse(deaths, LIMIT))
                    .get(10, TimeUnit.SECONDS);
            assertEquals(io.courier.kernel.PulseCode.COIDDEATH, death.code());
            assertEquals(coid, death.value());
            // The connection is dead now, the name gone.
            assertEquals(Errno.EBADF, assertThrows(KernelException.class,
                    () -> k.msgSend(coid, ByteBuffer.allocate(1), null)).errno());
            assertEquals(Errno.ENOENT, assertThrows(KernelException.class, () -> k.nameOpen("holder", 0)).errno());
        } finally {
            if (server != null) {
                NodeKernelChild.stop(server.process());
            }
        }
    }
}
