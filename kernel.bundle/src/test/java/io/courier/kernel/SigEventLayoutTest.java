package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * SPEC K17: the byte form of {@code struct sigevent} ({@link SigEventLayout}), QNX 7's 64-bit
 * offsets: round trips, bytes a QNX program would write, registered events delivered from their
 * bytes, and every kind of bad input as EFAULT or EINVAL.
 */
class SigEventLayoutTest extends KernelTestSupport {
    private static ByteBuffer nativeBuffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
    }

    @Test
    void k17EveryEventThatCrossesAMessageRoundTrips() {
        ByteBuffer b = ByteBuffer.allocate(SigEventLayout.SIZE + 8).order(ByteOrder.BIG_ENDIAN);
        for (SigEvent e : new SigEvent[] {SigEvent.pulse(3, 21, 7, -5).updateable(), SigEvent.signal(9, 77),
            SigEvent.signalCode(10, 1, -2), SigEvent.signalThread(11, 3, 4), SigEvent.none(), SigEvent.unblock(),
            SigEvent.intr(), SigEvent.pulse(1, SigEvent.SIGEV_PULSE_PRIO_INHERIT, 3, Long.MIN_VALUE),
            SigEvent.pulse(1, 2, 3, 4).withHandle(0x5EC0_0000_0099L), SigEvent.signal(12, 5).updateable().withHandle(7)}) {
            SigEventLayout.put(b, 8, e);
            assertEquals(e.toString(), SigEventLayout.get(b, 8).toString(), "whatever the buffer's own byte order");
            assertEquals(0, b.position(), "the position is left alone");
        }
    }

    @Test
    void k17ThePulseLiesAtQnxOffsetsInNativeOrder() {
        ByteBuffer b = nativeBuffer(SigEventLayout.SIZE);
        SigEventLayout.put(b, 0, SigEvent.pulse(0x1234, SigEvent.SIGEV_PULSE_PRIO_INHERIT, 99, 0x0102030405060708L)
                .updateable());
        assertEquals(0x84 | 0x400, b.getInt(0), "SIGEV_PULSE (SIGEV_64BIT | 4) | SIGEV_FLAG_UPDATEABLE");
        assertEquals(0, b.getInt(4), "padding");
        assertEquals(0x1234, b.getInt(8), "sigev_coid");
        assertEquals(0x0102030405060708L, b.getLong(16), "sigev_value");
        assertEquals(99, b.getShort(24), "sigev_code");
        assertEquals(-1, b.getShort(26), "sigev_priority: SIGEV_PULSE_PRIO_INHERIT");
        assertEquals(0, b.getInt(28));
        assertEquals(32, SigEventLayout.SIZE, "sizeof(struct sigevent) on 64-bit QNX 7");
    }

    @Test
    void k17BytesWrittenLikeQnxsInitMacrosDecode() {
        ByteBuffer b = nativeBuffer(SigEventLayout.SIZE);
        // SIGEV_PULSE_INT_INIT(&ev, coid 5, priority 10, code 3, value -7): a 32-bit sival_int.
        b.putInt(0, SigEventLayout.SIGEV_64BIT | 4 | SigEventLayout.SIGEV_FLAG_SIVAL_INT);
        b.putInt(8, 5);
        b.putLong(16, 0xDEAD_BEEF_FFFF_FFF9L);
        b.putShort(24, (short) 3);
        b.putShort(26, (short) 10);
        SigEvent p = SigEventLayout.get(b, 0);
        assertEquals(SigEvent.Type.PULSE, p.type());
        assertEquals(5, p.coid());
        assertEquals(10, p.priority());
        assertEquals(3, p.code());
        assertEquals(-7, p.value(), "sival_int: the first 4 bytes, sign-extended");
        // SIGEV_SIGNAL_CODE_INIT(&ev, SIGUSR1, 42, -3).
        b.clear();
        for (int i = 0; i < SigEventLayout.SIZE; i += 8) {
            b.putLong(i, 0);
        }
        b.putInt(0, SigEventLayout.SIGEV_64BIT | 2);
        b.putInt(8, Signals.SIGUSR1);
        b.putLong(16, 42);
        b.putShort(24, (short) -3);
        SigEvent s = SigEventLayout.get(b, 0);
        assertEquals(SigEvent.Type.SIGNAL_CODE, s.type());
        assertEquals(Signals.SIGUSR1, s.signo());
        assertEquals(42, s.value());
        assertEquals(-3, s.code());
        b.putInt(0, 0);
        assertEquals(SigEvent.Type.NONE, SigEventLayout.get(b, 0).type(), "SIGEV_NONE is 0");
    }

    @Test
    void k17BadBuffersAreEfault() {
        ByteBuffer b = nativeBuffer(SigEventLayout.SIZE);
        SigEvent ev = SigEvent.none();
        fails(Errno.EFAULT, () -> SigEventLayout.get(null, 0));
        fails(Errno.EFAULT, () -> SigEventLayout.put(null, 0, ev));
        fails(Errno.EFAULT, () -> SigEventLayout.get(b, -1));
        fails(Errno.EFAULT, () -> SigEventLayout.get(b, 1), "one byte short");
        fails(Errno.EFAULT, () -> SigEventLayout.get(b, Integer.MAX_VALUE));
        fails(Errno.EFAULT, () -> SigEventLayout.get(b.limit(SigEventLayout.SIZE - 1), 0), "the limit counts");
        b.clear();
        fails(Errno.EFAULT, () -> SigEventLayout.put(b, Integer.MIN_VALUE, ev));
        fails(Errno.EFAULT, () -> SigEventLayout.put(b.asReadOnlyBuffer(), 0, ev));
        fails(Errno.EFAULT, () -> SigEventLayout.put(b, 0, null));
    }

    @Test
    void k17EventsAndBytesTheLayoutCannotHoldAreEinval() {
        ByteBuffer b = nativeBuffer(SigEventLayout.SIZE);
        fails(Errno.EINVAL, () -> SigEventLayout.put(b, 0, SigEvent.thread(() -> { }, 1)));
        fails(Errno.EINVAL, () -> SigEventLayout.put(b, 0, SigEvent.pulse(1, 1 << 16, 1, 1)));
        fails(Errno.EINVAL, () -> SigEventLayout.put(b, 0, SigEvent.signalCode(1, 1, 40_000)));
        SigEventLayout.put(b, 0, SigEvent.pulse(1, 10, 1, 1));
        for (int notify : new int[] {4, 7, 8, 0x87, 0x88, 0x89, 0xFF, 0x84 | 0x200, 0x84 | 0x1_0000, 0x84 | 0x8000_0000}) {
            b.putInt(0, notify);
            fails(Errno.EINVAL, () -> SigEventLayout.get(b, 0), "sigev_notify 0x" + Integer.toHexString(notify));
        }
        b.putInt(0, 0x84 | SigEventLayout.SIGEV_FLAG_HANDLE);
        b.putLong(SigEventLayout.HANDLE, 0);
        fails(Errno.EINVAL, () -> SigEventLayout.get(b, 0), "a registered event without a handle");
    }

    @Test
    void k17RandomBytesDecodeOrFailWithAnErrnoOnly() {
        long seed = Long.getLong("courier.fuzz.seed", 0x5167_E7E7L);
        SplittableRandom rnd = new SplittableRandom(seed);
        ByteBuffer b = nativeBuffer(64);
        int decoded = 0;
        for (int i = 0; i < 20_000; i++) {
            for (int j = 0; j < 64; j += 8) {
                b.putLong(j, rnd.nextLong());
            }
            int at = rnd.nextInt(-4, 40);
            if (at >= 0 && rnd.nextBoolean()) {
                // A plausible notify, so that the decoding paths are reached, not only the type check.
                int flags = (rnd.nextBoolean() ? SigEventLayout.SIGEV_FLAG_UPDATEABLE : 0)
                        | (rnd.nextBoolean() ? SigEventLayout.SIGEV_FLAG_SIVAL_INT : 0)
                        | (rnd.nextBoolean() ? SigEventLayout.SIGEV_FLAG_HANDLE : 0);
                b.putInt(at, rnd.nextInt(10) | (rnd.nextBoolean() ? SigEventLayout.SIGEV_64BIT : 0) | flags);
            }
            try {
                SigEvent e = SigEventLayout.get(b, at);
                SigEventLayout.put(b, 0, e);
                assertEquals(e.toString(), SigEventLayout.get(b, 0).toString(), "seed " + seed);
                decoded++;
            } catch (KernelException e) {
                assertTrue(e.errno() == Errno.EINVAL || e.errno() == Errno.EFAULT, "seed " + seed + ": " + e);
            }
        }
        assertTrue(decoded > 1_000, "seed " + seed + ": the decoding paths ran " + decoded + " times");
    }

    /**
     * The MsgDeliverEvent page's exchange in bytes: the client registers a pulse and a signal,
     * sends them in its message, the server decodes them from the message and delivers them.
     */
    @Test
    void k17RegisteredEventsDecodedFromAMessageAreDelivered() throws Exception {
        Kernel server = mk.process("server");
        int chid = server.channelCreate(0);
        Kernel client = mk.process("client");
        int self = client.channelCreate(0);
        int selfCoid = client.connectAttach(0, client.pid(), self, Kernel.SIDE_CHANNEL, 0);
        int srv = client.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, ConnectFlags.REG_EVENTS);
        SigEvent pulse = client.msgRegisterEvent(SigEvent.pulse(selfCoid, SigEvent.SIGEV_PULSE_PRIO_INHERIT, 5, 50)
                .updateable(), srv);
        SigEvent signal = client.msgRegisterEvent(SigEvent.signal(Signals.SIGUSR2, 60), srv);
        client.signalProcmask(Signals.SIG_SETMASK, Signals.set(Signals.SIGUSR2));
        ByteBuffer msg = nativeBuffer(8 + 2 * SigEventLayout.SIZE);
        SigEventLayout.put(msg, 8, pulse);
        SigEventLayout.put(msg, 8 + SigEventLayout.SIZE, signal);
        var sent = async(() -> client.msgSend(srv, msg, null));
        ByteBuffer in = ByteBuffer.allocate(128);
        long rcvid = server.msgReceive(chid, in, null);
        server.msgReply(rcvid, 0, null);
        await(sent);
        SigEvent gotPulse = SigEventLayout.get(in, 8);
        SigEvent gotSignal = SigEventLayout.get(in, 8 + SigEventLayout.SIZE);
        assertTrue(gotPulse.isUpdateable(), "the server sees SIGEV_FLAG_UPDATEABLE");
        server.msgDeliverEvent(rcvid, gotPulse.withValue(51));
        Pulse p = client.msgReceivePulse(self, WAIT);
        assertEquals(5, p.code());
        assertEquals(51, p.value(), "updateable: the server's value");
        server.msgDeliverEvent(rcvid, gotSignal);
        SigInfo si = client.signalWaitinfo(Signals.set(Signals.SIGUSR2), WAIT);
        assertEquals(Signals.SIGUSR2, si.signo());
        assertEquals(60, si.value());
    }
}
