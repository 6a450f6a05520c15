package io.courier.asyncmsg.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.asyncmsg.AsyncCallback;
import io.courier.asyncmsg.AsyncConnectionAttr;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.asyncmsg.AsyncMsgHeader;
import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import io.courier.testing.Waits;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SPEC A3 on a single-sender connection, the interleaving the put lock used to rule out, played
 * step by step: the sender has checked that the connection is open, another thread fails the
 * connection and reads {@code tail}, then the sender stores its message ({@link Conn#record}).
 * That straggler must still come back through its callback, exactly once, with the failure's
 * errno: swept by the sender's own second look at the state, or by the delivery thread a
 * millisecond later; after the sender's process died, delivered like its other messages.
 */
@Timeout(60)
class StragglerSweepTest {
    private Microkernel mk;
    private final ExecutorService other = Executors.newSingleThreadExecutor();

    @BeforeEach
    void boot() {
        mk = Microkernel.boot();
    }

    @AfterEach
    void close() throws InterruptedException {
        mk.close();
        Waits.shutDown(other);
    }

    /** Handle to errno of every callback run; a second report of a handle is counted. */
    private static final class Outcomes implements AsyncCallback {
        final Map<Long, Errno> byHandle = new ConcurrentHashMap<>();
        final AtomicInteger twice = new AtomicInteger();

        @Override
        public void call(Errno err, Object msg, long handle) {
            if (byHandle.put(handle, err) != null) {
                twice.incrementAndGet();
            }
        }
    }

    private record Setup(AsyncMessaging client, AsyncMessaging server, int chid, int coid, Conn conn) {
    }

    private Setup setUp(Kernel client, AsyncCallback callback) {
        AsyncMessaging server = AsyncMessaging.of(mk.process("server"));
        AsyncMessaging am = AsyncMessaging.of(client);
        int chid = server.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, 16, 64, null, null);
        // No trigger: messages wait on the sender's side until the failure.
        AsyncConnectionAttr attr = AsyncConnectionAttr.builder().bufferSize(16).maxNumBuffer(64).triggerNumMsg(0)
                .callback(callback).singleSender(true).build();
        int coid = am.connectAttach(0, server.kernel().pid(), chid, 0, 0, attr);
        Conn conn = AsyncSystem.procOf(client).conn(coid);
        return new Setup(am, server, chid, coid, conn);
    }

    private static ByteBuffer number(long n) {
        return ByteBuffer.allocate(8).putLong(0, n);
    }

    @Test
    void aStragglerAfterADetachIsCanceledByTheSendersSecondLook() throws Exception {
        Outcomes outcomes = new Outcomes();
        Setup s = setUp(mk.process("client"), outcomes);
        s.client().put(s.coid(), number(0), 0, null);
        // Another thread detaches: message 0 fails with ECANCELED.
        Waits.await(other.submit(() -> s.client().connectDetach(s.coid())));
        // The sender had passed its check before the detach; its store lands now.
        s.conn().record(number(1), 0, 8, 1, null);
        assertEquals(Conn.CLOSED, s.conn().state());
        s.conn().sweepStragglers(); // what put() does when the state changed under it
        Waits.eventually("both callbacks ran", () -> outcomes.byHandle.size() == 2);
        assertEquals(Map.of(0L, Errno.ECANCELED, 1L, Errno.ECANCELED), outcomes.byHandle);
        assertEquals(0, outcomes.twice.get());
    }

    @Test
    void aStragglerNeitherSideSawIsFailedByTheDeliveryThreadsSweep() throws Exception {
        // Each round: the channel is destroyed (ESRCH), then the straggler lands. The round counts
        // when the straggler was stored before the delivery thread's sweep began (its due time still set).
        int conclusive = 0;
        for (int round = 0; round < 50 && conclusive < 5; round++) {
            Outcomes outcomes = new Outcomes();
            Setup s = setUp(mk.process("client" + round), outcomes);
            s.client().put(s.coid(), number(0), 0, null);
            s.server().channelDestroy(s.chid());
            s.conn().record(number(1), 0, 8, 1, null);
            boolean sweepStillAhead = s.conn().sweepDue() != 0;
            assertEquals(Conn.DEAD, s.conn().state());
            if (!sweepStillAhead) {
                s.client().connectDetach(s.coid());
                continue;
            }
            conclusive++;
            // No second look by the sender here: only the delivery thread can find message 1.
            Waits.eventually("the delivery thread swept the straggler", () -> outcomes.byHandle.size() == 2);
            assertEquals(Map.of(0L, Errno.ESRCH, 1L, Errno.ESRCH), outcomes.byHandle);
            assertEquals(0, outcomes.twice.get());
            s.client().connectDetach(s.coid());
        }
        assertTrue(conclusive > 0, "no round stored its straggler before the sweep");
    }

    @Test
    void aDeadSendersStragglerIsDeliveredWithItsOtherMessages() throws Exception {
        Kernel client = mk.process("client");
        Setup s = setUp(client, null);
        s.client().put(s.coid(), number(0), 0, null);
        client.exit();
        Waits.eventually("the sender is known dead", () -> s.conn().state() == Conn.SENDER_GONE);
        s.conn().record(number(1), 0, 8, 1, null);
        s.conn().sweepStragglers();
        List<Long> got = new ArrayList<>();
        Waits.eventually("both messages arrived", () -> {
            for (AsyncMsgHeader h = s.server().get(s.chid()); h != null;) {
                got.add(h.iov()[0].getLong(0));
                AsyncMsgHeader next = h.next();
                s.server().free(h);
                h = next;
            }
            return got.size() >= 2;
        });
        assertEquals(List.of(0L, 1L), got);
    }
}
