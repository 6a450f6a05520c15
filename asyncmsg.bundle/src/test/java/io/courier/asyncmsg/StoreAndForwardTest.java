package io.courier.asyncmsg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Credentials;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.NameInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * SPEC A6 and P3 without a framework: connections by name store messages while no receiver
 * holds the name and hand them, in order, none lost and none twice, to the next one.
 */
class StoreAndForwardTest extends AsyncTestSupport {
    static final String NAME = "sink";

    /** A receiving process: a channel holding {@link #NAME}, and a thread getting into {@code into}. */
    final class Receiver {
        final Proc proc;
        final int chid;
        final Future<Integer> loop;

        Receiver(String name, ConcurrentLinkedQueue<Long> into) {
            proc = process(name);
            chid = proc.am().channelCreate(0, 0666, 16, 256, null, null);
            proc.am().nameAttach(NAME, chid);
            loop = async(() -> {
                int got = 0;
                for (;;) {
                    AsyncMsgHeader h;
                    try {
                        h = proc.am().get(chid);
                    } catch (KernelException e) {
                        return got; // the process died or the channel went
                    }
                    // What a get returned was delivered, even if the process dies now: record it all first.
                    for (AsyncMsgHeader m = h; m != null; m = m.next()) {
                        into.add(number(m));
                        got++;
                    }
                    try {
                        while (h != null) {
                            AsyncMsgHeader next = h.next();
                            proc.am().free(h);
                            h = next;
                        }
                    } catch (KernelException e) {
                        return got;
                    }
                }
            });
        }

        int stop() throws Exception {
            proc.k().exit();
            return await(loop);
        }
    }

    @Test
    void a6MessagesPutBeforeAnyoneHoldsTheNameArriveWhenItIsAttached() throws Exception {
        Proc client = process("client");
        CallbackLog log = new CallbackLog();
        int coid = client.am().nameOpen(NAME, 0,
                AsyncConnectionAttr.builder().bufferSize(16).maxNumBuffer(16).triggerNumMsg(1).callback(log).build());
        for (int i = 0; i < 5; i++) {
            client.am().put(coid, number(i), i, null);
        }
        assertEquals(List.of(), client.am().names());
        Thread.sleep(30);
        assertEquals(0, log.size(), "stored, not failed");
        ConcurrentLinkedQueue<Long> got = new ConcurrentLinkedQueue<>();
        Receiver r = new Receiver("receiver", got);
        assertEquals(List.of(new NameInfo(NAME, r.proc.pid(), r.chid)), client.am().names());
        eventually("the stored messages arrived", () -> got.size() == 5);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), new ArrayList<>(got));
        eventually("their callbacks ran", () -> log.size() == 5);
        log.calls.forEach(c -> assertEquals(Errno.EOK, c.err()));
        r.stop();
    }

    @Test
    void a6AStreamSurvivesTwoReplacementsOfItsReceiverNoneLostNoneTwiceInOrder() throws Exception {
        Proc client = process("client");
        int total = 100_000;
        CallbackLog failures = new CallbackLog();
        AsyncCallback onlyFailures = (err, msg, handle) -> {
            if (err != Errno.EOK) {
                failures.call(err, msg, handle);
            }
        };
        int coid = client.am().nameOpen(NAME, 0, AsyncConnectionAttr.builder().bufferSize(16).maxNumBuffer(4096)
                .triggerNumMsg(64).triggerTime(Duration.ofMillis(1).toNanos(), 0).callback(onlyFailures).build());
        ConcurrentLinkedQueue<Long> got = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        Future<Integer> producer = async(() -> {
            int eagain = 0;
            for (int i = 0; i < total && !stop.get();) {
                try {
                    client.am().put(coid, number(i), i, null);
                    i++;
                } catch (KernelException e) {
                    assertEquals(Errno.EAGAIN, e.errno());
                    eagain++;
                    Thread.yield();
                }
            }
            return eagain;
        });
        Receiver first = new Receiver("receiver-1", got);
        eventually("the first receiver got some", () -> got.size() > total / 10);
        int byFirst = first.stop();
        Thread.sleep(20); // nobody holds the name for a while: the sender's side stores
        Receiver second = new Receiver("receiver-2", got);
        eventually("the second receiver got some", () -> got.size() > byFirst + total / 10);
        int bySecond = second.stop();
        Receiver third = new Receiver("receiver-3", got);
        await(producer);
        client.am().flush(coid, 0);
        eventually("everything arrived", () -> got.size() >= total);
        third.stop();

        assertTrue(byFirst > 0 && bySecond > 0, "each receiver got a share: " + byFirst + ", " + bySecond);
        List<Long> seen = new ArrayList<>(got);
        assertEquals(total, seen.size(), "none lost, none twice");
        for (int i = 0; i < total; i++) {
            assertEquals(i, seen.get(i), "in order");
        }
        assertEquals(0, failures.size());
    }

    @Test
    void a6StoredMessagesFailWithEtimedoutAfterTheStoreTimeAndPutsWithEnoentUntilAReceiverReturns() throws Exception {
        Proc client = process("client");
        CallbackLog log = new CallbackLog();
        long storeTime = Duration.ofMillis(100).toNanos();
        int coid = client.am().nameOpen(NAME, 0, AsyncConnectionAttr.builder().bufferSize(16).maxNumBuffer(8)
                .triggerNumMsg(1).callback(log).storeTimeNsec(storeTime).build());
        long start = System.nanoTime();
        client.am().put(coid, number(1), 1, null);
        client.am().put(coid, number(2), 2, null);
        eventually("the stored messages failed", () -> log.size() == 2);
        assertTrue(System.nanoTime() - start >= storeTime - 1_000_000, "not before the store time");
        log.calls.forEach(c -> assertEquals(Errno.ETIMEDOUT, c.err()));
        fails(Errno.ENOENT, () -> client.am().put(coid, number(3), 3, null));
        assertEquals(2, client.am().stats().failed());

        ConcurrentLinkedQueue<Long> got = new ConcurrentLinkedQueue<>();
        Receiver r = new Receiver("receiver", got);
        client.am().put(coid, number(4), 4, null);
        eventually("a receiver is back: puts work again", () -> got.size() == 1);
        assertEquals(4L, got.peek());
        r.stop();
    }

    @Test
    void a6StoringIsBoundedByMaxNumBuffer() {
        Proc client = process("client");
        int coid = client.am().nameOpen(NAME, 0, AsyncConnectionAttr.of(16, 3, 1));
        for (int i = 0; i < 3; i++) {
            client.am().put(coid, number(i), i, null);
        }
        fails(Errno.EAGAIN, () -> client.am().put(coid, number(3), 3, null));
    }

    @Test
    void a6WhatADeadSenderPutIsStillDeliveredWithoutItsCallbacks() throws Exception {
        Proc server = process("server");
        Proc client = process("client");
        int chid = server.am().channelCreate(0, 0666, 16, 8, null, null);
        server.am().nameAttach(NAME, chid);
        CallbackLog log = new CallbackLog();
        int coid = client.am().nameOpen(NAME, 0, AsyncConnectionAttr.builder().bufferSize(16).maxNumBuffer(8)
                .triggerNumMsg(0).callback(log).build());
        client.am().put(coid, number(7), 7, null);
        client.am().put(coid, number(8), 8, null);
        client.k().exit();
        AsyncMsgHeader h = server.am().get(chid, WAIT);
        assertEquals(2, count(h));
        assertEquals(7, number(h));
        assertEquals(8, number(h.next()));
        server.am().free(h.next());
        server.am().free(h);
        Thread.sleep(30);
        assertEquals(0, log.size(), "the sender is gone: no callback runs in it");
        assertEquals(0, server.am().stats().failed() + server.am().stats().discarded());
    }

    @Test
    void a6NameDetachKeepsTheMessagesForTheNextHolder() throws Exception {
        Proc server = process("server");
        Proc client = process("client");
        int one = server.am().channelCreate(0, 0666, 16, 8, null, null);
        int two = server.am().channelCreate(0, 0666, 16, 8, null, null);
        server.am().nameAttach(NAME, one);
        fails(Errno.EEXIST, () -> server.am().nameAttach(NAME, two));
        int coid = client.am().nameOpen(NAME, 0, AsyncConnectionAttr.of(16, 8, 0));
        client.am().put(coid, number(1), 1, null);
        server.am().nameDetach(NAME);
        fails(Errno.EINVAL, () -> server.am().nameDetach(NAME));
        client.am().flush(coid, AsyncMessaging.FLUSH_NONBLOCK);
        server.am().nameAttach(NAME, two);
        AsyncMsgHeader h = server.am().get(two, WAIT);
        assertEquals(1, number(h));
        server.am().free(h);
        fails(Errno.ETIMEDOUT, () -> server.am().get(one, Duration.ofMillis(20)));
    }

    @Test
    void a6ANameHeldByAChannelThatRefusesTheSenderIsEacces() {
        Kernel owner = mk.process("owner", new Credentials(100, 100));
        Kernel stranger = mk.process("stranger", new Credentials(200, 200));
        AsyncMessaging server = AsyncMessaging.of(owner);
        int chid = server.channelCreate(0, 0600, 16, 8, null, null);
        server.nameAttach(NAME, chid);
        fails(Errno.EACCES, () -> AsyncMessaging.of(stranger).nameOpen(NAME, 0, AsyncConnectionAttr.of(16, 8, 1)));
    }

    @Test
    void a6BadNamesAreRefused() {
        AsyncMessaging am = process("p").am();
        int chid = am.channelCreate(0, 0666, 16, 8, null, null);
        for (String bad : List.of("", "a/b", ".", "..", "tab\there")) {
            fails(Errno.EINVAL, () -> am.nameAttach(bad, chid));
            fails(Errno.EINVAL, () -> am.nameOpen(bad, 0, AsyncConnectionAttr.of(16, 8, 1)));
        }
        fails(Errno.ENAMETOOLONG, () -> am.nameAttach("x".repeat(256), chid));
        fails(Errno.EINVAL, () -> am.nameAttach("fine", chid + 1));
    }
}
