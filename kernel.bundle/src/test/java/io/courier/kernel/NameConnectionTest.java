package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@link NameConnection} with the real kernel (SPEC K14, K15, P3, B1): a client's connection to
 * a name that opens lazily, follows the name to a new server when the old one's process exits,
 * waits a bounded time for a name that is away and answers ENOENT when it stays away, and never
 * resends behind the caller's back what a dying server may have handled.
 */
class NameConnectionTest extends KernelTestSupport {
    private static final String NAME = "swap";
    private static final Duration SHORT = Duration.ofMillis(300);

    /**
     * A server process: attaches {@link #NAME}, answers each message with its own pid, counts
     * them, and, when told to, holds (does not answer) a message whose first byte is {@code 'h'}.
     */
    private final class Server {
        final Kernel k;
        final NameAttach attach;
        final AtomicInteger handled = new AtomicInteger();
        final CountDownLatch holding = new CountDownLatch(1);
        final Future<Void> loop;
        final boolean holds;

        Server(String process) {
            this(process, false);
        }

        Server(String process, boolean holds) {
            this.holds = holds;
            k = mk.process(process);
            attach = k.nameAttach(NAME, 0);
            loop = async(this::serve);
        }

        private Void serve() {
            ByteBuffer in = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());
            for (;;) {
                in.clear();
                long rcvid;
                try {
                    rcvid = k.msgReceive(attach.chid(), in, null);
                } catch (KernelException e) {
                    return null; // ESRCH: the name was detached or the process died
                }
                in.flip();
                if (rcvid == 0) {
                    Pulse p = Pulse.from(in);
                    if (p.code() == PulseCode.DISCONNECT) {
                        k.connectDetach(p.scoid());
                    }
                    continue;
                }
                try {
                    if (in.remaining() >= 2 && IoConnectLayout.type(in) == IoMsg.IO_CONNECT) {
                        k.msgReply(rcvid, 0, null);
                    } else if (holds && in.get(0) == 'h') {
                        handled.incrementAndGet();
                        holding.countDown();
                    } else if (in.get(0) == 'e') {
                        handled.incrementAndGet();
                        k.msgError(rcvid, Errno.EBADF); // the server's own answer
                    } else {
                        handled.incrementAndGet();
                        k.msgReply(rcvid, 0, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, k.pid()));
                    }
                } catch (KernelException e) {
                    // the client went away meanwhile
                }
            }
        }
    }

    /** Sends {@code text} through {@code c}; the pid of the server that answered. */
    private static int ask(NameConnection c, String text) {
        ByteBuffer reply = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
        assertEquals(0, c.msgSend(text(text), reply));
        assertEquals(4, reply.position(), "the reply fills the buffer once, even after a resend");
        return reply.getInt(0);
    }

    private long connectionsOf(Kernel k) {
        return mk.connections().stream().filter(ci -> ci.pid() == k.pid()).count();
    }

    @Test
    void p3OpensTheNameOnFirstUseNotBefore() {
        Kernel client = mk.process("client");
        NameConnection c = NameConnection.of(client, NAME);
        assertEquals(0, connectionsOf(client), "nothing is opened when the connection is made");
        Server s = new Server("server");
        assertEquals(s.k.pid(), ask(c, "a"));
        assertEquals(s.k.pid(), ask(c, "b"));
        assertEquals(1, connectionsOf(client), "one coid for every call");
        assertEquals(s.k.pid(), c.serverInfo().pid());
        c.close();
        assertEquals(0, connectionsOf(client), "close is name_close");
    }

    @Test
    void p3FollowsTheNameToTheNextServerWhenTheOldProcessExits() throws Exception {
        Kernel client = mk.process("client");
        NameConnection c = NameConnection.of(client, NAME);
        Server first = new Server("first");
        assertEquals(first.k.pid(), ask(c, "a"));
        first.k.exit();
        Future<Server> second = async(() -> {
            Thread.sleep(100); // the swap takes a while: the call waits for the name
            return new Server("second");
        });
        int pid = ask(c, "b");
        assertEquals(await(second).k.pid(), pid, "the stale coid (EBADF) was re-opened to the new server");
        assertEquals(1, first.handled.get(), "the old server never saw the second message");
        assertEquals(1, connectionsOf(client), "the stale coid was closed");
        c.close();
    }

    @Test
    void p3AnswersEnoentAfterTheWaitWhenTheNameStaysAwayAndRecoversByItself() throws Exception {
        Kernel client = mk.process("client");
        NameConnection c = NameConnection.builder(client, NAME).reopenWait(SHORT).build();
        long start = System.nanoTime();
        fails(Errno.ENOENT, () -> ask(c, "a"), "no server yet");
        assertTrue(System.nanoTime() - start >= SHORT.toNanos(), "the call waited for the name first");
        Server s = new Server("server");
        assertEquals(s.k.pid(), ask(c, "b"));
        s.k.exit();
        for (int i = 0; i < 2; i++) {
            long t0 = System.nanoTime();
            fails(Errno.ENOENT, () -> ask(c, "c"), "the server was removed: each call answers ENOENT");
            long took = System.nanoTime() - t0;
            assertTrue(took >= SHORT.toNanos() && took < SHORT.toNanos() + WAIT.toNanos() / 2, "bounded: " + took);
        }
        assertTrue(client.isAlive(), "the client lives on");
        Server back = new Server("back");
        assertEquals(back.k.pid(), ask(c, "d"), "with the server back, calls succeed by themselves");
        c.close();
    }

    @Test
    void p3FailsWithEsrchWhenTheServerDiesHoldingTheMessageAndReopensOnTheNextCall() throws Exception {
        Kernel client = mk.process("client");
        NameConnection c = NameConnection.of(client, NAME);
        Server first = new Server("first", true);
        Future<Integer> held = async(() -> ask(c, "h"));
        assertTrue(first.holding.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        first.k.exit();
        fails(Errno.ESRCH, () -> await(held), "the server may have handled it: not resent");
        Server second = new Server("second");
        assertEquals(second.k.pid(), ask(c, "a"));
        assertEquals(1, second.handled.get(), "only the new message reached the new server");
        c.close();
    }

    @Test
    void p3ResendsToTheNextServerWhenToldTheRequestMayBeRepeated() throws Exception {
        Kernel client = mk.process("client");
        NameConnection c = NameConnection.builder(client, NAME).resendAfterServerDeath(true).build();
        Server first = new Server("first", true);
        ByteBuffer reply = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
        Future<Integer> held = async(() -> c.msgSend(text("h"), reply));
        assertTrue(first.holding.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        first.k.exit();
        Server second = new Server("second");
        assertEquals(0, await(held));
        assertEquals(second.k.pid(), reply.getInt(0), "the held request went to the next server");
        assertEquals(4, reply.position());
        c.close();
    }

    @Test
    void p3PassesTheServersOwnEbadfThroughWithoutResending() {
        Kernel client = mk.process("client");
        NameConnection c = NameConnection.of(client, NAME);
        Server s = new Server("server");
        fails(Errno.EBADF, () -> c.msgSend(text("e"), null));
        assertEquals(1, s.handled.get(), "handled once: a live coid's EBADF is the server's answer");
        assertEquals(s.k.pid(), ask(c, "a"), "and the coid is kept");
        assertEquals(1, connectionsOf(client));
        c.close();
    }

    @Test
    void p3SendsAPulseToWhicheverServerHoldsTheName() throws Exception {
        Kernel client = mk.process("client");
        NameConnection c = NameConnection.of(client, NAME);
        Kernel server = mk.process("server");
        NameAttach a = server.nameAttach(NAME, 0);
        Future<Void> accept = async(() -> {
            long rcvid = server.msgReceive(a.chid(), ByteBuffer.allocate(256), null);
            server.msgReply(rcvid, 0, null);
            return null;
        });
        c.msgSendPulse(-1, PulseCode.MINAVAIL + 1, 42);
        await(accept);
        Pulse p = server.msgReceivePulse(a.chid(), WAIT);
        assertEquals(PulseCode.MINAVAIL + 1, p.code());
        assertEquals(42, p.value());
        c.close();
    }

    @Test
    void p3ManyThreadsShareOneCoidAcrossServerSwaps() throws Exception {
        Kernel client = mk.process("client");
        NameConnection c = NameConnection.builder(client, NAME).resendAfterServerDeath(true).build();
        List<Server> servers = new ArrayList<>();
        servers.add(new Server("server-0"));
        AtomicBoolean stop = new AtomicBoolean();
        Map<Integer, AtomicLong> answeredBy = new ConcurrentHashMap<>();
        Map<Errno, AtomicLong> errors = new ConcurrentHashMap<>();
        List<Future<Void>> clients = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            clients.add(async(() -> {
                while (!stop.get()) {
                    try {
                        answeredBy.computeIfAbsent(ask(c, "x"), p -> new AtomicLong()).incrementAndGet();
                    } catch (KernelException e) {
                        errors.computeIfAbsent(e.errno(), x -> new AtomicLong()).incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (int swap = 1; swap <= 5; swap++) {
            Server old = servers.get(servers.size() - 1);
            eventually("clients reach " + old.k.name(), () -> answeredBy.containsKey(old.k.pid()));
            old.k.exit();
            servers.add(new Server("server-" + swap));
        }
        Server last = servers.get(servers.size() - 1);
        eventually("clients reach the last server", () -> answeredBy.containsKey(last.k.pid()));
        stop.set(true);
        for (Future<Void> f : clients) {
            await(f);
        }
        assertEquals(Map.of(), errors, "a swap under a repeatable request costs no call an error");
        for (Server s : servers) {
            assertTrue(answeredBy.containsKey(s.k.pid()), s.k.name() + " answered");
        }
        assertEquals(1, connectionsOf(client), "one coid, the current server's: none leaked");
        assertNotEquals(servers.get(0).k.pid(), c.serverInfo().pid());
        c.close();
    }

    @Test
    void p3CloseMakesLaterCallsFailWithEbadf() {
        Kernel client = mk.process("client");
        NameConnection c = NameConnection.of(client, NAME);
        new Server("server");
        ask(c, "a");
        c.close();
        c.close();
        assertTrue(c.isClosed());
        fails(Errno.EBADF, () -> ask(c, "b"));
        fails(Errno.EBADF, c::coid);
        assertEquals(0, connectionsOf(client));
    }

    @Test
    void p3AnInterruptEndsTheWaitForTheNameWithEintr() throws Exception {
        Kernel client = mk.process("client");
        NameConnection c = NameConnection.builder(client, NAME).reopenWait(WAIT).build();
        AtomicLong waiter = new AtomicLong();
        Future<Integer> call = async(() -> {
            waiter.set(Thread.currentThread().threadId());
            return ask(c, "a");
        });
        eventually("the call waits", () -> waiter.get() != 0);
        Thread.sleep(50);
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.threadId() == waiter.get()) {
                t.interrupt();
            }
        }
        fails(Errno.EINTR, () -> await(call));
    }

    @Test
    void p3ADeadClientFailsAtOnceWithoutWaiting() {
        Kernel client = mk.process("client");
        NameConnection c = NameConnection.builder(client, NAME).reopenWait(WAIT).build();
        client.exit();
        long start = System.nanoTime();
        fails(Errno.ESRCH, () -> ask(c, "a"));
        assertTrue(System.nanoTime() - start < WAIT.toNanos() / 2, "no wait for the name of a dead process");
    }

    @Test
    void p3BadInputFailsWithEinval() {
        Kernel client = mk.process("client");
        fails(Errno.EINVAL, () -> NameConnection.builder(client, NAME).reopenWait(Duration.ofMillis(-1)));
        fails(Errno.EINVAL, () -> NameConnection.builder(client, NAME).reopenWait(null));
        fails(Errno.EINVAL, () -> NameConnection.of(null, NAME));
        fails(Errno.EINVAL, () -> NameConnection.of(client, null));
        NameConnection bad = NameConnection.builder(client, "a/b").reopenWait(WAIT).build();
        long start = System.nanoTime();
        fails(Errno.EINVAL, () -> ask(bad, "a"), "a bad name is no name to wait for");
        assertTrue(System.nanoTime() - start < WAIT.toNanos() / 2);
        NameConnection zero = NameConnection.builder(client, NAME).reopenWait(Duration.ZERO).build();
        fails(Errno.ENOENT, () -> ask(zero, "a"), "a zero wait fails at once");
        assertFalse(zero.isClosed());
    }
}
