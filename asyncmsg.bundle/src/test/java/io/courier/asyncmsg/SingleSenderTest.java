package io.courier.asyncmsg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * SPEC A3, A4 on a single-sender connection ({@link AsyncConnectionAttr#singleSender()}): puts
 * take no lock, one thread at a time may put, and every other behaviour is that of an ordinary
 * connection, including the races the lock used to settle: a detach or a channel's destruction
 * while the sender puts, and a time trigger disarming as a put arrives.
 */
class SingleSenderTest extends AsyncTestSupport {
    private static AsyncConnectionAttr.Builder single(int trigger) {
        return AsyncConnectionAttr.builder().bufferSize(16).maxNumBuffer(64).triggerNumMsg(trigger).singleSender(true);
    }

    @Test
    void a3OneThreadAtATimeOthersGetEbusyUntilTheSenderEnds() throws Exception {
        Proc p = process("p");
        AsyncMessaging am = p.am();
        int chid = am.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, 16, 64, null, null);
        int coid = am.connectAttach(0, 0, chid, 0, 0, single(0).build());
        assertTrue(am.connectAttr(coid).singleSender());

        Thread first = Thread.ofPlatform().start(() -> am.put(coid, number(1), 1, null));
        first.join(WAIT.toMillis());
        assertTrue(!first.isAlive(), "the first sender ended");
        // The first sender is gone: this thread takes the connection over.
        am.put(coid, number(2), 2, null);

        AtomicBoolean release = new AtomicBoolean();
        Future<Errno> other = async(() -> {
            try {
                am.put(coid, number(99), 99, null);
                return Errno.EOK;
            } catch (KernelException e) {
                return e.errno();
            } finally {
                release.set(true);
            }
        });
        assertEquals(Errno.EBUSY, await(other), "a second thread while the sender lives");
        // Flush works from any thread; the refused message is not among those delivered.
        await(async(() -> {
            am.flush(coid, AsyncMessaging.FLUSH_NONBLOCK);
            return null;
        }));
        assertEquals(List.of(1L, 2L), numbers(am, am.get(chid)));
        assertTrue(release.get());
    }

    @Test
    void a4CountTriggerFullRingFlushAndTimeTriggerWorkAsOnAnyConnection() throws Exception {
        Proc p = process("p");
        AsyncMessaging am = p.am();
        int chid = am.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, 16, 64, null, null);
        int counted = am.connectAttach(0, 0, chid, 0, 0, single(3).build());
        am.put(counted, number(1), 1, null);
        am.put(counted, number(2), 2, null);
        assertNull(am.get(chid), "two of a trigger of three wait on the sender's side");
        am.put(counted, number(3), 3, null);
        assertEquals(List.of(1L, 2L, 3L), numbers(am, am.get(chid)));

        int small = am.connectAttach(0, 0, chid, 0, 0, single(0).maxNumBuffer(4).build());
        for (int i = 0; i < 4; i++) {
            am.put(small, number(i), i, null);
        }
        fails(Errno.EAGAIN, () -> am.put(small, number(4), 4, null));
        assertEquals(List.of(0L, 1L, 2L, 3L), numbers(am, am.get(chid)), "a full ring is delivered");

        int timed = am.connectAttach(0, 0, chid, 0, 0, single(0).triggerTime(2_000_000, 0).build());
        am.put(timed, number(7), 7, null);
        AsyncMsgHeader[] h = new AsyncMsgHeader[1];
        eventually("the time trigger delivered", () -> (h[0] = am.get(chid)) != null);
        assertEquals(7, number(h[0]));
        am.free(h[0]);
    }

    @Test
    void a3DetachWhileTheSenderPutsEveryAcceptedMessageIsGotOrCanceledExactlyOnce() throws Exception {
        raceTheSender(false);
    }

    @Test
    void a3ChannelDestroyedWhileTheSenderPutsEveryAcceptedMessageIsGotOrFailsWithEsrchExactlyOnce() throws Exception {
        raceTheSender(true);
    }

    /**
     * Rounds of: a sender putting as fast as it can, a getter taking batches, and a third thread
     * ending the connection (detach, or the channel's destruction) at a random moment. Every put
     * that returned normally must come back exactly once through the callback: EOK if it was got,
     * the failure's errno if not.
     */
    private void raceTheSender(boolean destroyChannel) throws Exception {
        Proc server = process("server");
        Proc client = process("client");
        Errno failure = destroyChannel ? Errno.ESRCH : Errno.ECANCELED;
        for (int round = 0; round < 40; round++) {
            int chid = server.am().channelCreate(0, 0666, 16, 64, null, null);
            Map<Long, Errno> outcomes = new ConcurrentHashMap<>();
            AtomicLong duplicates = new AtomicLong();
            AsyncCallback record = (err, msg, handle) -> {
                if (outcomes.put(handle, err) != null) {
                    duplicates.incrementAndGet();
                }
            };
            int coid = client.am().connectAttach(0, server.pid(), chid, 0, 0,
                    single(8).maxNumBuffer(256).callback(record).build());
            AtomicBoolean stop = new AtomicBoolean();
            Future<Long> sender = async(() -> {
                long accepted = 0;
                for (;;) {
                    try {
                        client.am().put(coid, number(accepted), accepted, null);
                        accepted++;
                    } catch (KernelException e) {
                        if (e.errno() == Errno.EAGAIN) {
                            Thread.yield();
                            continue;
                        }
                        assertEquals(Errno.EBADF, e.errno(), e.getMessage());
                        return accepted;
                    }
                }
            });
            Future<Long> getter = async(() -> {
                long got = 0;
                while (!stop.get()) {
                    try {
                        got += numbers(server.am(), server.am().get(chid, Duration.ofMillis(5))).size();
                    } catch (KernelException e) {
                        if (e.errno() != Errno.ETIMEDOUT) {
                            return got; // the channel was destroyed under the getter: ESRCH
                        }
                    }
                }
                return got;
            });
            LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(50_000, 2_000_000));
            if (destroyChannel) {
                // The connection by pid and chid dies with the channel: the next put fails with EBADF.
                server.am().channelDestroy(chid);
            } else {
                client.am().connectDetach(coid);
            }
            long accepted = await(sender);
            if (destroyChannel) {
                // A message that landed as the channel went may still wait for its sweep: then the detach cancels it.
                client.am().connectDetach(coid);
            }
            eventually("a callback for each of " + accepted + " accepted puts (round " + round + ")",
                    () -> outcomes.size() >= accepted);
            stop.set(true);
            await(getter);
            assertEquals(0, duplicates.get(), "a message reported twice");
            assertEquals(accepted, outcomes.size(), "round " + round);
            Map<Errno, Integer> kinds = new TreeMap<>();
            outcomes.forEach((seq, err) -> kinds.merge(err, 1, Integer::sum));
            for (Errno e : kinds.keySet()) {
                assertTrue(e == Errno.EOK || e == failure || e == Errno.ECANCELED, "round " + round + ": " + kinds);
            }
            for (long seq = 0; seq < accepted; seq++) {
                assertTrue(outcomes.containsKey(seq), "round " + round + ": message " + seq + " of " + accepted);
            }
            if (!destroyChannel) {
                server.am().channelDestroy(chid);
            }
        }
    }

    @Test
    void a4TimeTriggerNeverStrandsAMessagePutAsItDisarms() throws Exception {
        Proc server = process("server");
        Proc client = process("client");
        int chid = server.am().channelCreate(0, 0666, 16, 64, null, null);
        // Time trigger only: each message waits for it, and each firing that finds nothing new disarms it.
        int coid = client.am().connectAttach(0, server.pid(), chid, 0, 0,
                single(0).maxNumBuffer(64).triggerTime(100_000, 0).build());
        int total = 3_000;
        Future<Void> sender = async(() -> {
            ThreadLocalRandom r = ThreadLocalRandom.current();
            for (int i = 0; i < total; i++) {
                client.am().put(coid, number(i), i, null);
                // Around the trigger time, so that puts keep landing next to the disarming.
                LockSupport.parkNanos(r.nextLong(0, 200_000));
            }
            return null;
        });
        long expected = 0;
        while (expected < total) {
            // No flush anywhere: only the trigger delivers. A stranded message would end in ETIMEDOUT here.
            for (long n : numbers(server.am(), server.am().get(chid, WAIT))) {
                assertEquals(expected++, n);
            }
        }
        await(sender);
    }
}
