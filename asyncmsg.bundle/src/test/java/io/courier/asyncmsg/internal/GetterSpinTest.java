package io.courier.asyncmsg.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.asyncmsg.AsyncConnectionAttr;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.asyncmsg.AsyncMsgHeader;
import io.courier.kernel.Microkernel;
import io.courier.testing.Waits;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SPEC A5, how a blocked get waits: it spins, yields, then parks. On a channel fed only in this
 * JVM it always spins in full. On a channel fed from another JVM or node (a gateway bound a
 * connection to it) how long it spins adapts to how its messages come: far apart (batches from
 * another JVM; here puts 20 ms apart) they bring the spin down to its floor within a few waits,
 * so that the getter does not burn the CPU the gateway needs; close together (a busy sender)
 * they bring it back up to the full spin. Every message is got either way.
 */
@Timeout(60)
class GetterSpinTest {
    private Microkernel mk;
    private final ExecutorService putter = Executors.newSingleThreadExecutor();

    @BeforeEach
    void boot() {
        mk = Microkernel.boot();
    }

    @AfterEach
    void close() throws InterruptedException {
        mk.close();
        Waits.shutDown(putter);
    }

    @Test
    void a5FedFromAfarTheSpinFallsToItsFloorForMessagesFarApartAndClimbsBackForMessagesCloseTogether() throws Exception {
        AsyncMessaging server = AsyncMessaging.of(mk.process("server"));
        AsyncMessaging client = AsyncMessaging.of(mk.process("client"));
        int chid = server.channelCreate(0, 0666, 8, 256, null, null);
        int coid = client.connectAttach(0, server.kernel().pid(), chid, 0, 0,
                AsyncConnectionAttr.builder().bufferSize(8).maxNumBuffer(256).triggerNumMsg(1).build());
        AsyncChannel ch = AsyncSystem.procOf(server.kernel()).channels.get(chid);
        assertEquals(Idle.WAIT.spins(), ch.spins(), "a new channel's getter spins in full");

        // Fed in this JVM alone, far-apart messages leave the full spin.
        farApart(client, coid, server, chid);
        assertEquals(Idle.WAIT.spins(), ch.spins(), "a channel fed in this JVM alone keeps the full spin");

        // Fed from afar (as when a gateway binds a connection of another JVM): each get waits 20 ms, far past any spin.
        ch.fedFromAfar();
        long got = farApart(client, coid, server, chid);
        assertEquals(AsyncChannel.SPINS_MIN, ch.spins(), "six waits of 20 ms halved the spin to its floor");

        // Close together: a sender that puts without a pause; the getter's waits end while it spins.
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> busy = putter.submit(() -> {
            ByteBuffer m = ByteBuffer.allocate(8);
            while (!stop.get()) {
                try {
                    client.put(coid, m, 0, null);
                } catch (io.courier.kernel.KernelException full) {
                    Thread.onSpinWait(); // EAGAIN: the getter is behind
                }
            }
            return null;
        });
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (ch.spins() < Idle.WAIT.spins() && System.nanoTime() < end) {
            drain(server, chid);
        }
        stop.set(true);
        Waits.await(busy);
        assertEquals(Idle.WAIT.spins(), ch.spins(), "waits that the spin served brought it back to the full spin");
        assertTrue(got >= 6);
    }

    /** Six messages put 20 ms apart, got by blocking gets; returns how many were got. */
    private long farApart(AsyncMessaging client, int coid, AsyncMessaging server, int chid) throws Exception {
        Future<?> slow = putter.submit(() -> {
            for (long i = 0; i < 6; i++) {
                TimeUnit.MILLISECONDS.sleep(20);
                client.put(coid, ByteBuffer.allocate(8).putLong(0, i), i, null);
            }
            return null;
        });
        long got = 0;
        while (got < 6) {
            got += drain(server, chid);
        }
        Waits.await(slow);
        return got;
    }

    /** One blocking get, its messages freed; returns how many. */
    private static long drain(AsyncMessaging am, int chid) {
        long n = 0;
        for (AsyncMsgHeader h = am.get(chid); h != null;) {
            AsyncMsgHeader next = h.next();
            am.free(h);
            h = next;
            n++;
        }
        return n;
    }
}
