package io.courier.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.asyncmsg.AsyncConnectionAttr;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.kernel.Errno;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.internal.MicrokernelImpl;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 21 (B3) on the users' path: Courier kernels in separate JVMs, each its own node over
 * Aeron UDP on loopback, this JVM one of them. Send/Receive/Reply by global name between every
 * pair of three nodes; a server node killed with kill -9 is noticed within the dead-after time
 * (its blocked clients fail with ESRCH, its global name goes) and reached again when it comes
 * back; asyncmsg to another node with its link cut (the server node stopped with SIGSTOP past
 * the dead-after time) and restored: every message once, in order.
 */
@Timeout(180)
class NetKernelCrossJvmTest extends NetTestSupport {
    private static final int GLOBAL = 0x1;

    private ChildNode kernelNode(String mode, String name, int port, List<String> extra, String... peers) throws Exception {
        List<String> args = new ArrayList<>(List.of(mode, name, Integer.toString(port), keyFile.toString(),
                Long.toString(HEARTBEAT_MS), Long.toString(DEAD_AFTER_MS)));
        args.addAll(extra);
        args.addAll(Arrays.asList(peers));
        ChildNode c = ChildNode.startJava(dir, name, port, NetKernelChild.class.getName(), args,
                l -> l.startsWith("READY ") || l.startsWith("REPLY ") || l.startsWith("NONAME "));
        started.add(c);
        return c;
    }

    /** This JVM as node {@code name}: a kernel that joined the network. */
    private MicrokernelImpl kernelHere(String name, int port, String... peers) {
        MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF);
        started.add(mk);
        NetConfig config = new NetConfig(name, NetConfig.DEFAULT_BIND_HOST, port,
                Arrays.stream(peers).map(NetConfig.Peer::parse).toList(), keyOf(), Duration.ofMillis(HEARTBEAT_MS),
                Duration.ofMillis(DEAD_AFTER_MS));
        NetNetwork net = NetNetwork.start(config);
        started.add(net);
        mk.joinNetwork(net);
        return mk;
    }

    private byte[] keyOf() {
        return NetConfig.keyFromFile(keyFile);
    }

    /** Opens the global name {@code name} from {@code k}, waiting (20 s at most) for it to be told. */
    private static int openGlobal(Kernel k, String name) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true) {
                try {
                    return k.nameOpen(name, GLOBAL);
                } catch (KernelException e) {
                    if (e.errno() != Errno.ENOENT || System.nanoTime() > end) {
                        throw e;
                    }
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException ie) {
                        throw new IllegalStateException(ie);
                    }
                }
            }
        }).get(30, TimeUnit.SECONDS);
    }

    private static String call(Kernel k, int coid, String text) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            ByteBuffer reply = ByteBuffer.allocate(256);
            int status = k.msgSend(coid, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), reply);
            return new String(reply.array(), 0, reply.position(), StandardCharsets.UTF_8) + " " + status;
        }).get(20, TimeUnit.SECONDS);
    }

    @Test
    void b3ThreeNodesTalkByGlobalNameAndAKilledNodeIsNoticedWithinTheDeadAfterTime() throws Exception {
        int pa = ChildNode.freePort();
        int pb = ChildNode.freePort();
        int pc = ChildNode.freePort();
        ChildNode b = kernelNode("serve", "b", pb, List.of(), at("a", pa), at("c", pc));
        MicrokernelImpl a = kernelHere("a", pa, at("b", pb), at("c", pc));
        Kernel client = a.process("client");
        int coid = openGlobal(client, "svc");
        String r = call(client, coid, "hello");
        // The server on b saw this client's pid and node (b numbers a by the peers' sorted names: a is 1).
        assertEquals("olleh nd=1 " + client.pid(), r);
        // Node c calls b by the same global name, from a JVM of its own.
        ChildNode c = kernelNode("call", "c", pc, List.of("from-c"), at("a", pa), at("b", pb));
        String fromC = c.await(l -> l.startsWith("REPLY ") || l.startsWith("NONAME "));
        assertTrue(fromC.startsWith("REPLY c-morf nd=2 "), fromC);

        // A client REPLY-blocked on b when b is killed: ESRCH within the dead-after time (and some margin).
        CompletableFuture<Errno> held = CompletableFuture.supplyAsync(() -> {
            try {
                client.msgSend(coid, ByteBuffer.wrap("HOLD".getBytes(StandardCharsets.US_ASCII)), ByteBuffer.allocate(8));
                return null;
            } catch (KernelException e) {
                return e.errno();
            }
        });
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (a.sends().stream().noneMatch(s -> s.state() == io.courier.kernel.ThreadState.REPLY) && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        long t0 = System.nanoTime();
        b.process.destroyForcibly(); // kill -9 of the JVM this test started
        assertEquals(Errno.ESRCH, held.get(20, TimeUnit.SECONDS), "a client blocked on a node that died");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms < DEAD_AFTER_MS + 1_500, "noticed after " + ms + " ms (dead after " + DEAD_AFTER_MS + " ms)");
        try {
            client.nameOpen("svc", GLOBAL);
            throw new AssertionError("the name of a dead node was found");
        } catch (KernelException e) {
            assertEquals(Errno.ENOENT, e.errno());
        }
        // b again, on the same port: found again by name, answers.
        kernelNode("serve", "b", pb, List.of(), at("a", pa), at("c", pc));
        int again = openGlobal(client, "svc");
        assertEquals("niaga nd=1 " + client.pid(), call(client, again, "again"));
    }

    @Test
    void b3AsyncMessagesPutWhileTheLinkIsCutArriveOnceAndInOrder() throws Exception {
        int pa = ChildNode.freePort();
        int pb = ChildNode.freePort();
        ChildNode b = kernelNode("serve", "b", pb, List.of(), at("a", pa));
        String[] ready = b.await(l -> l.startsWith("READY ")).split(" ");
        int pid = Integer.parseInt(ready[1]);
        int achid = Integer.parseInt(ready[3]);
        MicrokernelImpl a = kernelHere("a", pa, at("b", pb));
        Kernel client = a.process("async-client");
        // Wait until b's gateway is told (its global name), then connect by nd.
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (a.globalNames(1).stream().noneMatch(n -> n.name().startsWith("courier-asyncmsg-gateway"))
                && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        AsyncMessaging am = AsyncMessaging.of(client);
        AsyncConnectionAttr attr = AsyncConnectionAttr.builder().bufferSize(64).maxNumBuffer(4096).triggerNumMsg(16).build();
        int acoid = CompletableFuture.supplyAsync(() -> am.connectAttach(1, pid, achid, 0, 0, attr)).get(20, TimeUnit.SECONDS);
        int total = 3_000;
        CompletableFuture.runAsync(() -> {
            for (long i = 0; i < 1_000; i++) {
                am.put(acoid, ByteBuffer.allocate(8).putLong(0, i), i, null);
            }
        }).get(20, TimeUnit.SECONDS);
        // Cut the link: b stops (SIGSTOP) past the dead-after time; a keeps putting meanwhile.
        signal(b, "STOP");
        try {
            end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (a.network().link(1) != null && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertEquals(null, a.network().link(1), "node b is down to a");
            CompletableFuture.runAsync(() -> {
                for (long i = 1_000; i < 2_000; i++) {
                    am.put(acoid, ByteBuffer.allocate(8).putLong(0, i), i, null);
                }
            }).get(20, TimeUnit.SECONDS);
        } finally {
            signal(b, "CONT");
        }
        CompletableFuture.runAsync(() -> {
            for (long i = 2_000; i < total; i++) {
                am.put(acoid, ByteBuffer.allocate(8).putLong(0, i), i, null);
            }
            am.flush(acoid, 0);
        }).get(60, TimeUnit.SECONDS);
        // Everything b got, in order, once.
        List<Long> got = new ArrayList<>();
        int mark = 0;
        end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (got.size() < total && System.nanoTime() < end) {
            int at = b.awaitIndexFrom(mark, l -> l.startsWith("GOT ") || l.startsWith("GETFAILED"));
            String line = b.line(at);
            mark = at + 1;
            assertTrue(line.startsWith("GOT "), line);
            for (String n : line.substring(4).split(",")) {
                got.add(Long.parseLong(n));
            }
        }
        assertEquals(total, got.size(), "messages got");
        for (int i = 0; i < total; i++) {
            assertEquals(i, (long) got.get(i), "message " + i + " in order, once");
        }
    }

    private static void signal(ChildNode c, String sig) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(c.process.pid())).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "kill -" + sig);
    }
}
