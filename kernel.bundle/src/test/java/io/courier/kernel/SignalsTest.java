package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** SPEC K18: per-process signal queues, per-thread masks, SignalKill, SignalWaitinfo. */
class SignalsTest extends KernelTestSupport {

    @Test
    void k18MaskedSignalsStayPendingUntilWaitedFor() {
        Kernel p = mk.process("p");
        Kernel sender = mk.process("sender");
        p.signalProcmask(Signals.SIG_SETMASK, Signals.set(Signals.SIGUSR1, Signals.SIGUSR2));
        sender.signalKill(p.pid(), 0, Signals.SIGUSR2, 7, 70);
        sender.signalKill(p.pid(), 0, Signals.SIGUSR1, 8, 80);
        SigInfo first = p.signalWaitinfo(Signals.set(Signals.SIGUSR1), WAIT);
        assertEquals(new SigInfo(Signals.SIGUSR1, 8, 80, sender.pid()), first);
        SigInfo second = p.signalWaitinfo(Signals.set(Signals.SIGUSR1, Signals.SIGUSR2), WAIT);
        assertEquals(Signals.SIGUSR2, second.signo());
        fails(Errno.ETIMEDOUT, () -> p.signalWaitinfo(Signals.set(Signals.SIGUSR1), Duration.ofMillis(20)));
        fails(Errno.EINVAL, () -> p.signalWaitinfo(0, WAIT));
    }

    @Test
    void k18SignalKillWithPidZeroSignalsTheCallingProcess() {
        Kernel p = mk.process("p");
        Kernel other = mk.process("other");
        p.signalProcmask(Signals.SIG_SETMASK, Signals.set(Signals.SIGUSR1));
        other.signalProcmask(Signals.SIG_SETMASK, Signals.set(Signals.SIGUSR1));
        p.signalKill(0, 0, Signals.SIGUSR1, 3, 30);
        assertEquals(new SigInfo(Signals.SIGUSR1, 3, 30, p.pid()), p.signalWaitinfo(Signals.set(Signals.SIGUSR1), WAIT));
        fails(Errno.ETIMEDOUT, () -> other.signalWaitinfo(Signals.set(Signals.SIGUSR1), Duration.ofMillis(20)));
    }

    @Test
    void k18ASignalUnblocksABlockedKernelCallWithEintr() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        Future<Integer> c = async(() -> client.msgSend(coid, text("x"), null));
        awaitAnyState(client.pid(), ThreadState.SEND);
        server.signalKill(client.pid(), 0, Signals.SIGTERM, Signals.SI_USER, 0);
        fails(Errno.EINTR, () -> await(c));
    }

    @Test
    void k18SignalToAReplyBlockedClientOnAnUnblockChannelSendsTheUnblockPulse() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(ChannelFlags.UNBLOCK);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        Future<Integer> c = async(() -> client.msgSend(coid, text("x"), null));
        long rcvid = server.msgReceive(chid, ByteBuffer.allocate(8), null);
        awaitAnyState(client.pid(), ThreadState.REPLY);
        server.signalKill(client.pid(), 0, Signals.SIGINT, Signals.SI_USER, 0);
        Pulse p = server.msgReceivePulse(chid, WAIT);
        assertEquals(PulseCode.UNBLOCK, p.code());
        assertEquals(rcvid, p.value());
        server.msgError(rcvid, -1);
        fails(Errno.EINTR, () -> await(c));
    }

    @Test
    void k18AMaskedSignalDoesNotUnblock() throws Exception {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
        Future<Integer> c = async(() -> {
            client.signalProcmask(Signals.SIG_BLOCK, Signals.set(Signals.SIGUSR1));
            int s = client.msgSend(coid, text("x"), null);
            SigInfo later = client.signalWaitinfo(Signals.set(Signals.SIGUSR1), WAIT);
            return s + later.signo();
        });
        awaitAnyState(client.pid(), ThreadState.SEND);
        server.signalKill(client.pid(), 0, Signals.SIGUSR1, 0, 0);
        Thread.sleep(30);
        assertEquals(ThreadState.SEND, otherState(client.pid()), "masked: still blocked");
        long rcvid = server.msgReceive(chid, ByteBuffer.allocate(8), null);
        server.msgReply(rcvid, 100, null);
        assertEquals(100 + Signals.SIGUSR1, await(c), "the signal stayed pending for SignalWaitinfo");
    }

    @Test
    void k18SigkillEndsTheProcessAndSignalChecksHold() {
        Kernel p = mk.process("victim");
        Kernel killer = mk.process("killer", new Credentials(5, 5));
        Kernel stranger = mk.process("stranger", new Credentials(6, 6));
        stranger.dropAbility(Ability.SIGNAL);
        fails(Errno.EPERM, () -> stranger.signalKill(killer.pid(), 0, Signals.SIGTERM, 0, 0));
        fails(Errno.EINVAL, () -> killer.signalKill(p.pid(), 0, 0, 0, 0));
        fails(Errno.EINVAL, () -> killer.signalKill(p.pid(), 0, 65, 0, 0));
        fails(Errno.ESRCH, () -> killer.signalKill(4242, 0, Signals.SIGTERM, 0, 0));
        fails(Errno.ESRCH, () -> killer.signalKill(p.pid(), 99, Signals.SIGTERM, 0, 0));
        fails(Errno.EINVAL, () -> p.signalProcmask(7, 0));
        long old = p.signalProcmask(Signals.SIG_BLOCK, Signals.set(Signals.SIGKILL, Signals.SIGHUP));
        assertEquals(0, old);
        assertFalse(Signals.contains(p.signalProcmask(Signals.SIG_UNBLOCK, 0), Signals.SIGKILL),
                "SIGKILL cannot be masked");
        killer.signalKill(p.pid(), 0, Signals.SIGKILL, 0, 0);
        assertFalse(p.isAlive());
        assertTrue(mk.process(p.pid()).isEmpty());
        fails(Errno.ESRCH, () -> p.channelCreate(0));
    }
}
