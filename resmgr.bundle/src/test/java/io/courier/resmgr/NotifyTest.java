package io.courier.resmgr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Pulse;
import io.courier.kernel.PulseCode;
import io.courier.kernel.SigEvent;
import io.courier.kernel.SigEventLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * SPEC R4: ionotify. The client hands a sigevent; the manager arms it, answers at once, and
 * delivers it with MsgDeliverEvent when input is ready; the client then fetches the data
 * (request / acknowledge / pulse / fetch, the asynchronous I/O pattern of MsgDeliverEvent()).
 */
class NotifyTest extends ResmgrTestSupport {
    static final int INPUT_READY = PulseCode.MINAVAIL + 5;

    @Test
    void r4TheManagerDeliversTheClientsEventWhenInputBecomesReady() throws Exception {
        Resmgr server = process("server");
        Resmgr client = process("client");
        Resmgr producer = process("producer");
        Devices.Queue queue = new Devices.Queue();
        server.resmgrAttach("/dev/queue", queue);
        Kernel k = client.kernel();
        int chid = k.channelCreate(0);
        int self = k.connectAttach(Kernel.ND_LOCAL_NODE, k.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        int fd = client.open("/dev/queue", OpenFlags.O_RDONLY);
        SigEvent event = SigEvent.pulse(self, 15, INPUT_READY, 1234);

        // ① request: nothing to read yet, so the event is armed; ② the answer comes at once.
        assertEquals(0, client.ionotify(fd, Notify.ACTION_POLLARM, Notify.COND_INPUT, event));
        assertEquals(1, queue.notify.armed());

        // Another client makes input ready: ③ the manager delivers the event.
        int pfd = producer.open("/dev/queue", OpenFlags.O_WRONLY);
        write(producer, pfd, "first record");
        Pulse p = awaitPulse(k, chid, queue.notify);
        assertEquals(INPUT_READY, p.code());
        assertEquals(1234, p.value());
        assertEquals(0, queue.notify.armed(), "an armed event fires once");

        // ④ fetch.
        ByteBuffer buf = ByteBuffer.allocate(64);
        assertEquals(12, client.read(fd, buf));
        assertEquals("first record", text(buf));
        client.close(fd);
        producer.close(pfd);
    }

    /** The next pulse on {@code chid}; fails at once, with the kernel's error, if the manager's delivery failed. */
    private static Pulse awaitPulse(Kernel k, int chid, NotifyList list) {
        long end = System.nanoTime() + WAIT.toNanos();
        for (;;) {
            assertNull(list.lastFailure(), () -> "MsgDeliverEvent failed: " + list.lastFailure());
            try {
                return k.msgReceivePulse(chid, Duration.ofMillis(20));
            } catch (KernelException e) {
                if (e.errno() != Errno.ETIMEDOUT || System.nanoTime() > end) {
                    throw e;
                }
            }
        }
    }

    @Test
    void r4PollReportsWhatHoldsAndPollArmDoesNotArmWhenInputIsThere() {
        Resmgr server = process("server");
        Resmgr client = process("client");
        Devices.Queue queue = new Devices.Queue();
        server.resmgrAttach("/dev/queue", queue);
        int fd = client.open("/dev/queue", OpenFlags.O_RDWR);
        SigEvent none = SigEvent.none();
        assertEquals(Notify.COND_OUTPUT,
                client.ionotify(fd, Notify.ACTION_POLL, Notify.COND_INPUT | Notify.COND_OUTPUT, none));
        write(client, fd, "x");
        assertEquals(Notify.COND_INPUT, client.ionotify(fd, Notify.ACTION_POLLARM, Notify.COND_INPUT, none),
                "input is there: answered at once");
        assertEquals(0, queue.notify.armed(), "and nothing armed");
        fails(Errno.EINVAL, () -> client.ionotify(fd, 9, Notify.COND_INPUT, none));
        fails(Errno.EINVAL, () -> client.ionotify(fd, Notify.ACTION_POLL, Notify.COND_INPUT,
                SigEvent.thread(() -> { }, 0)));
        fails(Errno.EINVAL, () -> client.ionotify(fd, Notify.ACTION_POLL, Notify.COND_INPUT, null));
        client.close(fd);
    }

    @Test
    void r4ClosingTheFdOrDyingDisarmsTheEvent() throws Exception {
        Resmgr server = process("server");
        Kernel doomed = mk.process("doomed");
        Resmgr client = Resmgr.of(doomed);
        Devices.Queue queue = new Devices.Queue();
        server.resmgrAttach("/dev/queue", queue);
        SigEvent event = SigEvent.pulse(0, 10, INPUT_READY, 0);
        int fd = client.open("/dev/queue", OpenFlags.O_RDONLY);
        client.ionotify(fd, Notify.ACTION_POLLARM, Notify.COND_INPUT, event);
        assertEquals(1, queue.notify.armed());
        client.ionotify(fd, Notify.ACTION_TRANARM, Notify.COND_INPUT, event);
        assertEquals(1, queue.notify.armed(), "arming again replaces the OCB's event");
        client.close(fd);
        assertEquals(0, queue.notify.armed());
        int fd2 = client.open("/dev/queue", OpenFlags.O_RDONLY);
        client.ionotify(fd2, Notify.ACTION_POLLARM, Notify.COND_INPUT, event);
        assertEquals(1, queue.notify.armed());
        doomed.exit();
        eventually("the dead client's event is disarmed", () -> queue.notify.armed() == 0);
    }

    @Test
    void r4TheMessageCarriesTheKernelsSigEventLayout() {
        ByteBuffer m = ByteBuffer.allocate(IoNotifyLayout.SIZE).order(ByteOrder.nativeOrder());
        SigEvent e = SigEvent.pulse(3, SigEvent.SIGEV_PULSE_PRIO_INHERIT, 7, -5).updateable();
        IoNotifyLayout.put(m, 0, Notify.ACTION_POLLARM, Notify.COND_INPUT, e);
        assertEquals(IoNotifyLayout.EVENT + SigEventLayout.SIZE, IoNotifyLayout.SIZE);
        assertEquals(SigEventLayout.SIGEV_64BIT | 4 | SigEventLayout.SIGEV_FLAG_UPDATEABLE,
                m.getInt(IoNotifyLayout.EVENT + SigEventLayout.NOTIFY), "SIGEV_PULSE, updateable");
        assertEquals(3, m.getInt(IoNotifyLayout.EVENT + SigEventLayout.COID));
        assertEquals(e.toString(), IoNotifyLayout.event(m, 0).toString());
        m.putInt(IoNotifyLayout.EVENT + SigEventLayout.NOTIFY, SigEventLayout.SIGEV_64BIT | 7);
        fails(Errno.EINVAL, () -> IoNotifyLayout.event(m, 0));
    }

    @Test
    void r4ARegisteredEventCrossesTheMessageAndIsDelivered() throws Exception {
        Resmgr server = process("server");
        Resmgr client = process("client");
        Resmgr producer = process("producer");
        Devices.Queue queue = new Devices.Queue();
        server.resmgrAttach("/dev/queue", queue);
        Kernel k = client.kernel();
        int chid = k.channelCreate(0);
        int self = k.connectAttach(Kernel.ND_LOCAL_NODE, k.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        int fd = client.open("/dev/queue", OpenFlags.O_RDONLY);
        SigEvent registered = k.msgRegisterEvent(SigEvent.pulse(self, 12, INPUT_READY, 77), fd);
        assertEquals(0, client.ionotify(fd, Notify.ACTION_POLLARM, Notify.COND_INPUT, registered));
        int pfd = producer.open("/dev/queue", OpenFlags.O_WRONLY);
        write(producer, pfd, "x");
        Pulse p = awaitPulse(k, chid, queue.notify);
        assertEquals(INPUT_READY, p.code());
        assertEquals(77, p.value());
        client.close(fd);
        producer.close(pfd);
    }
}
