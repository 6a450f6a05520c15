package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** SPEC K17: MsgDeliverEvent, MsgRegisterEvent, MsgUnregisterEvent, MsgVerifyEvent. */
class EventsTest extends KernelTestSupport {

    /** A client process with a channel and a connection to it, connected to a server. */
    record Client(Kernel k, int chid, int selfCoid, int serverCoid) {
    }

    private Client client(Kernel server, int serverChid, int flags) {
        Kernel k = mk.process("client");
        int chid = k.channelCreate(0);
        int self = k.connectAttach(0, k.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        int srv = k.connectAttach(0, server.pid(), serverChid, Kernel.SIDE_CHANNEL, flags);
        return new Client(k, chid, self, srv);
    }

    /** The client sends one message; the server receives it, replies, and returns the rcvid. */
    private long exchange(Kernel server, int chid, Client c) throws Exception {
        Future<Integer> f = async(() -> c.k().msgSend(c.serverCoid(), text("notify me"), null));
        long rcvid = server.msgReceive(chid, ByteBuffer.allocate(32), null);
        server.msgReply(rcvid, 0, null);
        await(f);
        return rcvid;
    }

    @Test
    void k17PulseEventIsDeliveredToTheClientAfterTheReply() throws Exception {
        Kernel server = mk.process("server");
        int chid = server.channelCreate(0);
        Client c = client(server, chid, 0);
        long rcvid = exchange(server, chid, c);
        SigEvent ev = SigEvent.pulse(c.selfCoid(), 0, 5, 77);
        server.msgVerifyEvent(rcvid, ev);
        server.msgDeliverEvent(rcvid, ev);
        server.msgDeliverEvent(rcvid, ev);
        Pulse p = c.k().msgReceivePulse(c.chid(), WAIT);
        assertEquals(5, p.code());
        assertEquals(77, p.value());
        assertEquals(1, p.priority(), "priority 0 becomes 1");
        assertEquals(77, c.k().msgReceivePulse(c.chid(), WAIT).value(), "the rcvid stays usable");
    }

    @Test
    void k17RegisteredEventsOnlyFromTheirServerAndUpdateableValues() throws Exception {
        Kernel server = mk.process("server");
        Kernel other = mk.process("other");
        int chid = server.channelCreate(0);
        int otherChid = other.channelCreate(0);
        Client c = client(server, chid, ConnectFlags.REG_EVENTS);
        int toOther = c.k().connectAttach(0, other.pid(), otherChid, Kernel.SIDE_CHANNEL, 0);
        long rcvid = exchange(server, chid, c);
        SigEvent plain = SigEvent.pulse(c.selfCoid(), 10, 1, 1);
        fails(Errno.EACCES, () -> server.msgDeliverEvent(rcvid, plain));
        SigEvent fixed = c.k().msgRegisterEvent(SigEvent.pulse(c.selfCoid(), 10, 2, 100), c.serverCoid());
        assertNotEquals(0, fixed.handle());
        server.msgDeliverEvent(rcvid, fixed.withValue(999));
        assertEquals(100, c.k().msgReceivePulse(c.chid(), WAIT).value(), "not updateable: the registered value");
        SigEvent upd = c.k().msgRegisterEvent(SigEvent.pulse(c.selfCoid(), 10, 3, 100).updateable(),
                c.serverCoid());
        server.msgDeliverEvent(rcvid, upd.withValue(999));
        assertEquals(999, c.k().msgReceivePulse(c.chid(), WAIT).value(), "updateable: the server's value");
        // Registered for another server: refused.
        SigEvent forOther = c.k().msgRegisterEvent(SigEvent.pulse(c.selfCoid(), 10, 4, 4), toOther);
        fails(Errno.EACCES, () -> server.msgDeliverEvent(rcvid, forOther));
        SigEvent any = c.k().msgRegisterEvent(SigEvent.pulse(c.selfCoid(), 10, 6, 6), -1);
        server.msgDeliverEvent(rcvid, any);
        assertEquals(6, c.k().msgReceivePulse(c.chid(), WAIT).code());
        c.k().msgUnregisterEvent(any);
        fails(Errno.EACCES, () -> server.msgDeliverEvent(rcvid, any));
        fails(Errno.EINVAL, () -> c.k().msgUnregisterEvent(any));
        fails(Errno.EBADF, () -> c.k().msgRegisterEvent(plain, 4242));
    }

    @Test
    void k17NoEventConnectionsRefuseEvents() throws Exception {
        Kernel server = mk.process("server");
        int chid = server.channelCreate(0);
        Client c = client(server, chid, ConnectFlags.NOEVENT);
        long rcvid = exchange(server, chid, c);
        fails(Errno.EACCES, () -> server.msgDeliverEvent(rcvid, SigEvent.pulse(c.selfCoid(), 10, 1, 1)));
        fails(Errno.EACCES, () -> server.msgVerifyEvent(rcvid, SigEvent.pulse(c.selfCoid(), 10, 1, 1)));
    }

    @Test
    void k17AnEventFollowsTheClientsConnectionsAsTheyChange() throws Exception {
        Kernel server = mk.process("server");
        int chid = server.channelCreate(0);
        Client c = client(server, chid, 0);
        SigEvent ev = SigEvent.pulse(c.selfCoid(), 10, 1, 1);
        MsgInfo info = new MsgInfo();
        Future<Integer> f = async(() -> c.k().msgSend(c.serverCoid(), text("notify me"), null));
        long rcvid = server.msgReceive(chid, ByteBuffer.allocate(32), info);
        server.msgReply(rcvid, 0, null);
        await(f);
        server.msgDeliverEvent(rcvid, ev);

        // A second connection of the client's, REG_EVENTS: now only registered events reach it.
        int regOnly = c.k().connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, ConnectFlags.REG_EVENTS);
        fails(Errno.EACCES, () -> server.msgDeliverEvent(rcvid, ev));
        c.k().connectDetach(regOnly);
        server.msgDeliverEvent(rcvid, ev);

        // The client's last message went to another server: the event still finds this connection.
        Kernel other = mk.process("other");
        int otherChid = other.channelCreate(0);
        int toOther = c.k().connectAttach(0, other.pid(), otherChid, Kernel.SIDE_CHANNEL, 0);
        Future<Integer> g = async(() -> c.k().msgSend(toOther, text("elsewhere"), null));
        other.msgReply(other.msgReceive(otherChid, ByteBuffer.allocate(32), null), 0, null);
        await(g);
        server.msgDeliverEvent(rcvid, ev);

        // The server cuts the client's scoid off: the rcvid no longer reaches it.
        server.connectDetach(info.scoid());
        fails(Errno.EBADF, () -> server.msgDeliverEvent(rcvid, ev));

        ByteBuffer pulse = ByteBuffer.allocate(Pulse.SIZE);
        for (int i = 0; i < 3; i++) {
            pulse.clear();
            assertEquals(0, c.k().msgReceive(c.chid(), pulse, null), "delivered event " + i + " as a pulse");
        }
    }

    @Test
    void k17ErrorsOfTheDeliverEventPage() throws Exception {
        Kernel server = mk.process("server");
        int chid = server.channelCreate(0);
        Client c = client(server, chid, 0);
        long rcvid = exchange(server, chid, c);
        fails(Errno.EINVAL, () -> server.msgDeliverEvent(rcvid, SigEvent.pulse(c.selfCoid(), 256, 1, 1)));
        fails(Errno.EINVAL, () -> server.msgDeliverEvent(rcvid, SigEvent.pulse(c.selfCoid(), 10, 200, 1)));
        fails(Errno.EINVAL, () -> server.msgDeliverEvent(rcvid, SigEvent.signal(0, 1)));
        fails(Errno.EINVAL, () -> server.msgDeliverEvent(rcvid, SigEvent.signal(65, 1)));
        fails(Errno.EINVAL, () -> server.msgDeliverEvent(rcvid, SigEvent.signalCode(Signals.SIGUSR1, 1, 300)));
        fails(Errno.EFAULT, () -> server.msgDeliverEvent(rcvid, null));
        fails(Errno.EBADF, () -> server.msgDeliverEvent(rcvid, SigEvent.pulse(4242, 10, 1, 1)));
        fails(Errno.ESRCH, () -> server.msgDeliverEvent(rcvid + 77, SigEvent.none()));
        fails(Errno.ESRCH, () -> server.msgDeliverEvent(-999, SigEvent.none()));
        // After the client disconnects, its rcvid no longer reaches it.
        c.k().connectDetach(c.serverCoid());
        fails(Errno.EBADF, () -> server.msgDeliverEvent(rcvid, SigEvent.pulse(c.selfCoid(), 10, 1, 1)));
        // A terminating target: ENXIO for pulses.
        Client d = client(server, chid, 0);
        long r2 = exchange(server, chid, d);
        Kernel third = mk.process("third");
        int thirdChid = third.channelCreate(0);
        int toThird = d.k().connectAttach(0, third.pid(), thirdChid, Kernel.SIDE_CHANNEL, 0);
        third.exit();
        fails(Errno.ENXIO, () -> server.msgDeliverEvent(r2, SigEvent.pulse(toThird, 10, 1, 1)),
                "the process to receive the pulse is gone");
    }

    @Test
    void k17EagainWhenThePulseCannotBeQueuedAndEpermAboveTheUnprivilegedRange() throws Exception {
        Kernel server = mk.process("server");
        int chid = server.channelCreate(0);
        Client c = client(server, chid, 0);
        long rcvid = exchange(server, chid, c);
        SigEvent ev = SigEvent.pulse(c.selfCoid(), 10, 1, 1);
        for (int i = 0; i < 1 << 16; i++) {
            server.msgDeliverEvent(rcvid, ev);
        }
        fails(Errno.EAGAIN, () -> server.msgDeliverEvent(rcvid, ev), "the client's pulse queue is full");
        for (int i = 0; i < 4; i++) {
            assertEquals(1, c.k().msgReceivePulse(c.chid(), WAIT).value());
        }
        server.msgDeliverEvent(rcvid, SigEvent.pulse(c.selfCoid(), 63, 2, 2));
        server.msgDeliverEvent(rcvid, SigEvent.pulse(c.selfCoid(), 200, 3, 3));
        c.k().dropAbility(Ability.PRIORITY);
        fails(Errno.EPERM, () -> server.msgDeliverEvent(rcvid, SigEvent.pulse(c.selfCoid(), 64, 4, 4)));
        fails(Errno.EPERM, () -> server.msgVerifyEvent(rcvid, SigEvent.pulse(c.selfCoid(), 255, 4, 4)));
        server.msgDeliverEvent(rcvid, SigEvent.pulse(c.selfCoid(), 63, 5, 5));
    }

    @Test
    void k17RcvidZeroIsTheCallingThreadAndNegativeIsThatTid() throws Exception {
        Kernel p = mk.process("p");
        int chid = p.channelCreate(0);
        int self = p.connectAttach(0, p.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        p.msgDeliverEvent(0, SigEvent.pulse(self, 12, 9, 90));
        Pulse got = p.msgReceivePulse(chid, WAIT);
        assertEquals(90, got.value());
        assertEquals(12, got.priority());
        AtomicReference<Integer> tid = new AtomicReference<>();
        CountDownLatch ready = new CountDownLatch(1);
        Future<SigInfo> waiter = async(() -> {
            tid.set(p.tid());
            p.signalProcmask(Signals.SIG_BLOCK, Signals.set(Signals.SIGUSR1));
            ready.countDown();
            return p.signalWaitinfo(Signals.set(Signals.SIGUSR1), WAIT);
        });
        assertTrue(ready.await(10, TimeUnit.SECONDS));
        p.msgDeliverEvent(-tid.get(), SigEvent.signalThread(Signals.SIGUSR1, 5, 3));
        SigInfo si = await(waiter);
        assertEquals(Signals.SIGUSR1, si.signo());
        assertEquals(3, si.code());
        assertEquals(5, si.value());
    }

    @Test
    void k17UnblockThreadAndIntrEvents() throws Exception {
        Kernel p = mk.process("p");
        int chid = p.channelCreate(0);
        AtomicReference<Integer> tid = new AtomicReference<>();
        Future<Long> blocked = async(() -> {
            tid.set(p.tid());
            return p.msgReceive(chid, ByteBuffer.allocate(32), null);
        });
        awaitAnyState(p.pid(), ThreadState.RECEIVE);
        p.msgDeliverEvent(-tid.get(), SigEvent.unblock());
        fails(Errno.ETIMEDOUT, () -> await(blocked));
        CountDownLatch ran = new CountDownLatch(1);
        p.msgDeliverEvent(0, SigEvent.thread(ran::countDown, 0));
        assertTrue(ran.await(10, TimeUnit.SECONDS), "SIGEV_THREAD runs its function");
        p.msgDeliverEvent(0, SigEvent.intr());
        p.interruptWait(WAIT);
        fails(Errno.ETIMEDOUT, () -> p.interruptWait(Duration.ofMillis(20)));
        p.msgDeliverEvent(0, SigEvent.none());
    }
}
