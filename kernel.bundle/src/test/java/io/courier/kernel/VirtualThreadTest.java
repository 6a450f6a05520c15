package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** DESIGN: platform and virtual threads both work; blocked calls park and never pin a carrier. */
class VirtualThreadTest extends KernelTestSupport {

    @Test
    void thousandsOfBlockedVirtualClientsAreServedByOneVirtualServer() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        int clients = 5_000;
        try (ExecutorService vts = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> sends = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int v = i;
                sends.add(vts.submit(() -> client.msgSend(coid, ByteBuffer.allocate(4).putInt(0, v),
                        ByteBuffer.allocate(4))));
            }
            // All of them can block at once: if they pinned carriers, only a few could.
            eventually("every client is SEND-blocked", () -> mk.processes().stream()
                    .filter(p -> p.pid() == client.pid()).flatMap(p -> p.threads().stream())
                    .filter(t -> t.state() == ThreadState.SEND).count() == clients);
            Future<Long> srv = vts.submit(() -> {
                ByteBuffer in = ByteBuffer.allocate(4);
                long sum = 0;
                for (int i = 0; i < clients; i++) {
                    in.clear();
                    long rcvid = server.msgReceive(chid, in, null);
                    int v = in.getInt(0);
                    sum += v;
                    server.msgReply(rcvid, v + 1, null);
                }
                return sum;
            });
            long expected = (long) clients * (clients - 1) / 2;
            assertEquals(expected, await(srv));
            for (int i = 0; i < clients; i++) {
                assertEquals(i + 1, await(sends.get(i)));
            }
            vts.shutdown();
            vts.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void virtualAndPlatformThreadsTalkBothWays() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        Thread vServer = Thread.ofVirtual().start(() -> {
            ByteBuffer in = ByteBuffer.allocate(8);
            for (int i = 0; i < 1000; i++) {
                in.clear();
                long rcvid = server.msgReceive(chid, in, null);
                server.msgReply(rcvid, in.getInt(0) * 2, null);
            }
        });
        for (int i = 0; i < 1000; i++) {
            assertEquals(i * 2, client.msgSend(coid, ByteBuffer.allocate(4).putInt(0, i), null));
        }
        vServer.join(WAIT.toMillis());
        assertEquals(false, vServer.isAlive());
    }

    @Test
    void replacedVirtualClientsAndAVirtualServerNeverHangOnAWakeUp() throws Exception {
        // Short-lived virtual clients, a virtual server that parks between them, idle clients
        // REPLY-blocked beside: the pattern that once lost a wake-up and hung.
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        int idleChid = server.channelCreate(0);
        int idleCoid = client.connectAttach(0, server.pid(), idleChid, 0, 0);
        for (int i = 0; i < 100; i++) {
            Thread.ofVirtual().start(() -> {
                try {
                    client.msgSend(idleCoid, ByteBuffer.allocate(4), null);
                } catch (KernelException e) {
                    // released when the kernel closes
                }
            });
        }
        for (int i = 0; i < 100; i++) {
            server.msgReceive(idleChid, ByteBuffer.allocate(4), null);
        }
        java.util.concurrent.atomic.AtomicLong served = new java.util.concurrent.atomic.AtomicLong();
        Thread loop = Thread.ofVirtual().start(() -> {
            ByteBuffer in = ByteBuffer.allocate(Pulse.SIZE);
            for (;;) {
                in.clear();
                long rcvid;
                try {
                    rcvid = server.msgReceive(chid, in, null);
                } catch (KernelException e) {
                    return;
                }
                if (rcvid == 0) {
                    return;
                }
                server.msgReply(rcvid, 0, null);
                served.incrementAndGet();
            }
        });
        for (int batch = 0; batch < 600; batch++) {
            Thread c = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 20; i++) {
                    client.msgSend(coid, ByteBuffer.allocate(8), null);
                }
            });
            c.join(WAIT.toMillis());
            assertEquals(false, c.isAlive(), "batch " + batch + " finished");
            if (batch % 5 == 0) {
                Thread.sleep(batch % 3);
            }
        }
        client.msgSendPulse(coid, 10, 1, 0);
        loop.join(WAIT.toMillis());
        assertEquals(600 * 20, served.get());
    }
}
