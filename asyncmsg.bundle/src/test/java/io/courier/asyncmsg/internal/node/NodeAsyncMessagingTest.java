package io.courier.asyncmsg.internal.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.asyncmsg.AsyncCallback;
import io.courier.asyncmsg.AsyncConnectionAttr;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.kernel.Credentials;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.testing.Waits;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Asynchronous messaging across the JVMs of a node (issue 20, B2; SPEC A1–A5): the server's
 * channel is in a child JVM ({@link AsyncNodeChild}), the client puts in this one.
 */
@Timeout(120)
class NodeAsyncMessagingTest extends AsyncNodeTestSupport {
    /** Every callback, in the order they ran. */
    record Call(Errno err, long handle) {
    }

    static final class Calls implements AsyncCallback {
        final List<Call> calls = new CopyOnWriteArrayList<>();

        @Override
        public void call(Errno err, Object msg, long handle) {
            calls.add(new Call(err, handle));
        }

        int size() {
            return calls.size();
        }
    }

    record Server(int pid, int chid, int ownerOnlyChid, int bigChid) {
    }

    static Server ready(Child c) throws InterruptedException {
        String[] w = c.expect("READY ").split(" ");
        return new Server(Integer.parseInt(w[1]), Integer.parseInt(w[2]), Integer.parseInt(w[3]), Integer.parseInt(w[4]));
    }

    static ByteBuffer number(long n) {
        return ByteBuffer.allocate(8).putLong(0, n);
    }

    /** The numbers of a {@code GOT pid coid n1,n2,...} line. */
    static List<Long> numbers(String got) {
        String[] w = got.split(" ");
        List<Long> out = new ArrayList<>();
        for (String n : w[3].split(",")) {
            out.add(Long.parseLong(n));
        }
        return out;
    }

    static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            out.add(i);
        }
        return out;
    }

    @Test
    void technoteExample6AcrossJvmsTheClientFindsTheServerByNameAsksForTheChidAndPuts() throws Exception {
        Child c = child("technote");
        c.expect("READY ");
        Kernel client = mk.process("asynch_client");
        AsyncMessaging am = AsyncMessaging.of(client);
        int serverCoid = client.nameOpen("ASYNCH_RECEIVER", 0);
        int serverPid = client.connectServerInfo(serverCoid).pid();
        ByteBuffer query = ByteBuffer.allocate(2).order(ByteOrder.nativeOrder()).putShort(0, AsyncNodeChild.GET_ACHID);
        ByteBuffer reply = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
        assertEquals(0, client.msgSend(serverCoid, query, reply));
        int achid = reply.getInt(0);

        Calls calls = new Calls();
        AsyncConnectionAttr aca = AsyncConnectionAttr.builder().bufferSize(2048).maxNumBuffer(5).triggerNumMsg(1)
                .callback(calls).build();
        int acoid = am.connectAttach(0, serverPid, achid, 0, 0, aca);
        for (int count = 1; count <= 5; count++) {
            byte[] text = ("message #" + count).getBytes(StandardCharsets.UTF_8);
            am.put(acoid, ByteBuffer.allocate(text.length + 1).put(text).put((byte) 0).flip(), count, null);
            Thread.sleep(20);
        }
        for (int count = 1; count <= 5; count++) {
            assertEquals("SEEN " + client.pid() + " 1 message #" + count, c.expect("SEEN "));
        }
        eventually("every callback ran", () -> calls.size() == 5);
        for (int i = 0; i < 5; i++) {
            assertEquals(new Call(Errno.EOK, i + 1), calls.calls.get(i), "the count is the handle");
        }
        am.connectDetach(acoid);
        client.nameClose(serverCoid);
        c.expect("DISCONNECT");
    }

    @Test
    void a4TheCountTriggerDeliversTheBatchAtItsThirdMessage() throws Exception {
        Child c = child("numbers", "0");
        Server s = ready(c);
        Kernel client = mk.process("client");
        AsyncMessaging am = AsyncMessaging.of(client);
        Calls calls = new Calls();
        int coid = am.connectAttach(0, s.pid(), s.chid(), 0, 0,
                AsyncConnectionAttr.builder().bufferSize(64).maxNumBuffer(16).triggerNumMsg(3).callback(calls).build());
        am.put(coid, number(1), 1, null);
        am.put(coid, number(2), 2, null);
        assertNull(c.poll(300), "nothing before the trigger");
        am.put(coid, number(3), 3, null);
        String got = c.expect("GOT ");
        assertEquals(client.pid() + " " + coid, got.split(" ")[1] + " " + got.split(" ")[2], "the client's pid and coid");
        assertEquals(List.of(1L, 2L, 3L), numbers(got));
        eventually("three callbacks", () -> calls.size() == 3);
        assertEquals(List.of(new Call(Errno.EOK, 1), new Call(Errno.EOK, 2), new Call(Errno.EOK, 3)), calls.calls);
        assertEquals(3, am.stats().callbacksRun());
    }

    /**
     * maxNumBuffer across JVMs (A3, B2): it bounds what the connection holds here, not yet sent
     * to the other JVM; what was sent there and not yet got keeps its slot here (its callback
     * runs only when it is got), up to the window there (twice the slots). The server gets one
     * batch, then sleeps 3 s: meanwhile exactly maxNumBuffer + window more puts are accepted, with
     * no callback; then every message arrives once, in order, each called back once with EOK.
     */
    @Test
    void a3MaxNumBufferAcrossJvmsCountsWhatIsNotSentToTheOtherJvmYet() throws Exception {
        Child c = child("numbers", "3000");
        Server s = ready(c);
        AsyncMessaging am = AsyncMessaging.of(mk.process("client"));
        Calls calls = new Calls();
        int slots = 8;
        int window = 2 * slots; // NodeBatchLayout.window: twice the slots, what the gateway's connection holds
        int coid = am.connectAttach(0, s.pid(), s.chid(), 0, 0, AsyncConnectionAttr.builder().bufferSize(64)
                .maxNumBuffer(slots).triggerNumMsg(1).callback(calls).build());
        am.put(coid, number(0), 0, null);
        assertEquals(List.of(0L), numbers(c.expect("GOT ")));
        eventually("the first called back", () -> calls.size() == 1);
        // The server sleeps now: put until refused, and refused still a while later.
        long accepted = 1;
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < 400_000_000L) {
            try {
                am.put(coid, number(accepted), accepted, null);
                accepted++;
                quietSince = System.nanoTime();
            } catch (KernelException e) {
                assertEquals(Errno.EAGAIN, e.errno());
                Thread.sleep(5);
            }
        }
        // A message sent there frees its room here; its slot waits for its outcome, up to the window.
        assertEquals(1 + slots + window, accepted, "maxNumBuffer here and the window there");
        assertEquals(1, calls.size(), "nothing called back before it is got");
        List<Long> got = new ArrayList<>();
        while (got.size() < accepted - 1) {
            got.addAll(numbers(c.expect("GOT ", 20_000)));
        }
        assertEquals(range(1, accepted - 1), got, "once each, in order");
        long all = accepted;
        eventually("every message called back", () -> calls.size() == all);
        for (int i = 0; i < all; i++) {
            assertEquals(new Call(Errno.EOK, i), calls.calls.get(i));
        }
    }

    /** What a test puts on its connection to the child's channel. */
    private interface Puts {
        void on(AsyncMessaging am, int coid);
    }

    /**
     * Three messages put by {@code puts} (handles 1 to 3) on a connection to a child's channel
     * that triggers at three: one get there takes them as {@code expected}, and each callback
     * here says EOK, in order.
     */
    private void threeArriveAs(List<Long> expected, Puts puts) throws Exception {
        Child c = child("numbers", "0");
        Server s = ready(c);
        AsyncMessaging am = AsyncMessaging.of(mk.process("client"));
        Calls calls = new Calls();
        int coid = am.connectAttach(0, s.pid(), s.chid(), 0, 0,
                AsyncConnectionAttr.builder().bufferSize(64).maxNumBuffer(16).triggerNumMsg(3).callback(calls).build());
        puts.on(am, coid);
        assertEquals(expected, numbers(c.expect("GOT ")));
        eventually("three callbacks", () -> calls.size() == 3);
        assertEquals(List.of(new Call(Errno.EOK, 1), new Call(Errno.EOK, 2), new Call(Errno.EOK, 3)), calls.calls);
    }

    /** putv across JVMs (A3): the parts, each from its position, arrive as one message, beside plain puts from an offset. */
    @Test
    void a3PutvAcrossJvmsArrivesAsOneMessageOfItsParts() throws Exception {
        ByteBuffer whole = number(0x0102030405060708L);
        ByteBuffer tail = ByteBuffer.allocate(12);
        tail.put(4, whole, 3, 5).position(4).limit(9);
        ByteBuffer offset = ByteBuffer.allocate(20).putLong(6, 77).position(6).limit(14);
        threeArriveAs(List.of(1L, 0x0102030405060708L, 77L), (am, coid) -> {
            am.put(coid, number(1), 1, null);
            am.putv(coid, new ByteBuffer[] {whole.slice(0, 3), tail}, 2, null);
            am.put(coid, offset, 3, null);
        });
    }

    /**
     * Messages across JVMs (A3) from a direct buffer, from a heap buffer that is a slice of a
     * larger array (its bytes start past the array's start), and a putv of a direct part and such
     * a slice: each packed into the batch from its own bytes, each arriving whole.
     */
    @Test
    void a3PutsFromDirectBuffersAndSlicesAcrossJvmsArriveWhole() throws Exception {
        ByteBuffer direct = ByteBuffer.allocateDirect(16).putLong(4, 55).position(4).limit(12);
        ByteBuffer slice = ByteBuffer.allocate(30).putLong(11, 99).slice(9, 12).position(2).limit(10);
        ByteBuffer whole = number(0x1112131415161718L);
        ByteBuffer head = ByteBuffer.allocateDirect(6).put(1, whole, 0, 3).position(1).limit(4);
        ByteBuffer rest = ByteBuffer.allocate(20).put(12, whole, 3, 5).slice(10, 10).position(2).limit(7);
        threeArriveAs(List.of(55L, 99L, 0x1112131415161718L), (am, coid) -> {
            am.put(coid, direct, 1, null);
            am.put(coid, slice, 2, null);
            am.putv(coid, new ByteBuffer[] {head, rest}, 3, null);
        });
    }

    /**
     * Long batches across JVMs (B2): 4,000-byte messages, 16 to a batch (64 KiB, which the
     * gateway keeps in the buffer it received them into, then reuses once they are got), 3,000
     * of them, each filled with its number's low byte: every one arrives once, in order, whole.
     */
    @Test
    void longBatchesArriveWholeOnceEachAndInOrder() throws Exception {
        Child c = child("numbers", "0");
        Server s = ready(c);
        AsyncMessaging am = AsyncMessaging.of(mk.process("client"));
        Calls calls = new Calls();
        int coid = am.connectAttach(0, s.pid(), s.bigChid(), 0, 0, AsyncConnectionAttr.builder().bufferSize(4000)
                .maxNumBuffer(64).triggerNumMsg(16).callback(calls).build());
        int total = 3000;
        for (long i = 0; i < total; i++) {
            ByteBuffer m = ByteBuffer.allocate(4000);
            for (int j = 8; j < 4000; j++) {
                m.put(j, (byte) i);
            }
            putRetrying(am, coid, m.putLong(0, i), i);
        }
        am.flush(coid, 0);
        List<Long> got = new ArrayList<>();
        while (got.size() < total) {
            String line = c.expect("GOT ");
            assertTrue(!line.contains("bad"), "a message's bytes changed on the way: " + line);
            got.addAll(numbers(line));
        }
        assertEquals(range(0, total - 1), got, "once each, in order");
        eventually("every message called back", () -> calls.size() == total);
        assertTrue(calls.calls.stream().allMatch(x -> x.err() == Errno.EOK));
    }

    /**
     * Interrupts do not cost asyncmsg across JVMs a message (A3, B2): 20,000 puts from a thread of
     * this JVM that is interrupted every 0.2 ms (its interrupt is its own: a put never waits, and
     * the thread keeps it) all arrive in the other JVM once each, in order, each called back once.
     */
    @Test
    void aPutterInterruptedAgainAndAgainLosesNoMessage() throws Exception {
        Child c = child("numbers", "0");
        Server s = ready(c);
        AsyncMessaging am = AsyncMessaging.of(mk.process("client"));
        Calls calls = new Calls();
        int coid = am.connectAttach(0, s.pid(), s.chid(), 0, 0, AsyncConnectionAttr.builder().bufferSize(64)
                .maxNumBuffer(1024).triggerNumMsg(64).triggerTime(1_000_000, 0).callback(calls).build());
        int total = 20_000;
        Waits.Started putter = Waits.start(Thread.ofPlatform().daemon().name("putter"), () -> {
            for (long i = 0; i < total; ) {
                try {
                    am.put(coid, number(i), i, null);
                    i++;
                } catch (KernelException e) {
                    assertEquals(Errno.EAGAIN, e.errno(), "a put on a full connection");
                    Thread.onSpinWait();
                }
            }
        });
        try (var _ = Waits.interruptEvery(200_000, putter.thread())) {
            putter.done().get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
        am.flush(coid, AsyncMessaging.FLUSH_NONBLOCK);
        List<Long> got = new ArrayList<>();
        while (got.size() < total) {
            got.addAll(numbers(c.expect("GOT ", 20_000)));
        }
        assertEquals(range(0, total - 1), got, "once each, in order");
        eventually("every message called back", () -> calls.size() == total);
        assertTrue(calls.calls.stream().allMatch(x -> x.err() == Errno.EOK), "each called back with EOK");
    }

    @Test
    void a4TheTimeTriggerDeliversWhatWaitsWhenItExpires() throws Exception {
        Child c = child("numbers", "0");
        Server s = ready(c);
        AsyncMessaging am = AsyncMessaging.of(mk.process("client"));
        int coid = am.connectAttach(0, s.pid(), s.chid(), 0, 0, AsyncConnectionAttr.builder().bufferSize(64)
                .maxNumBuffer(16).triggerNumMsg(0).triggerTime(150_000_000L, 0).build());
        long start = System.nanoTime();
        for (long i = 1; i <= 4; i++) {
            am.put(coid, number(i), i, null);
        }
        assertEquals(List.of(1L, 2L, 3L, 4L), numbers(c.expect("GOT ")));
        assertTrue(System.nanoTime() - start >= 100_000_000L, "not before the trigger time");
    }

    @Test
    void a4FlushDeliversAndWaitsUntilTheServerGotThem() throws Exception {
        Child c = child("numbers", "0");
        Server s = ready(c);
        AsyncMessaging am = AsyncMessaging.of(mk.process("client"));
        Calls calls = new Calls();
        int coid = am.connectAttach(0, s.pid(), s.chid(), 0, 0,
                AsyncConnectionAttr.builder().bufferSize(64).maxNumBuffer(16).triggerNumMsg(0).build());
        for (long i = 1; i <= 5; i++) {
            am.put(coid, number(i), i, calls);
        }
        assertNull(c.poll(300), "no trigger: nothing before the flush");
        am.flush(coid, 0);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), numbers(c.expect("GOT ", 1000)));
        eventually("five callbacks", () -> calls.size() == 5);
        assertTrue(calls.calls.stream().allMatch(x -> x.err() == Errno.EOK));
    }

    @Test
    void a2TheErrorsOfALocalAttach() throws Exception {
        Child c = child("numbers", "0");
        Server s = ready(c);
        AsyncMessaging am = AsyncMessaging.of(mk.process("client"));
        AsyncConnectionAttr attr = AsyncConnectionAttr.of(64, 16, 1);
        assertEquals(Errno.ESRCH, assertThrows(KernelException.class,
                () -> am.connectAttach(0, s.pid(), 4242, 0, 0, attr)).errno(), "no such channel");
        assertEquals(Errno.ESRCH, assertThrows(KernelException.class,
                () -> am.connectAttach(0, s.pid() + 7, s.chid(), 0, 0, attr)).errno(), "no such process");
        AsyncMessaging stranger = AsyncMessaging.of(mk.process("stranger", new Credentials(4321, 4321)));
        assertEquals(Errno.EACCES, assertThrows(KernelException.class,
                () -> stranger.connectAttach(0, s.pid(), s.ownerOnlyChid(), 0, 0, attr)).errno(), "mode 0600");
        int coid = stranger.connectAttach(0, s.pid(), s.chid(), 0, 0, attr);
        assertEquals(Errno.EMSGSIZE, assertThrows(KernelException.class,
                () -> stranger.put(coid, ByteBuffer.allocate(65), 0, null)).errno(), "longer than the buffer size");
        stranger.put(coid, number(9), 0, null);
        assertEquals(List.of(9L), numbers(c.expect("GOT ")));
    }

    @Test
    void tenThousandMessagesOnTwoConnectionsArriveOnceEachInOrder() throws Exception {
        Child c = child("numbers", "0");
        Server s = ready(c);
        Kernel client = mk.process("client");
        AsyncMessaging am = AsyncMessaging.of(client);
        Calls calls = new Calls();
        AsyncConnectionAttr attr = AsyncConnectionAttr.builder().bufferSize(64).maxNumBuffer(256).triggerNumMsg(50)
                .triggerTime(5_000_000L, 0).callback(calls).build();
        int a = am.connectAttach(0, s.pid(), s.chid(), 0, 0, attr);
        int b = am.connectAttach(0, s.pid(), s.chid(), 0, 0, attr);
        int each = 5_000;
        for (long i = 0; i < each; i++) {
            putRetrying(am, a, i);
            putRetrying(am, b, each + i);
        }
        am.flush(a, 0);
        am.flush(b, 0);
        Map<Integer, List<Long>> byCoid = new ConcurrentHashMap<>();
        int total = 0;
        while (total < 2 * each) {
            String got = c.expect("GOT ");
            int coid = Integer.parseInt(got.split(" ")[2]);
            List<Long> n = numbers(got);
            byCoid.computeIfAbsent(coid, k -> new ArrayList<>()).addAll(n);
            total += n.size();
        }
        assertNull(c.poll(200), "nothing more");
        assertEquals(range(0, each - 1), byCoid.get(a), "coid a: all, once, in order");
        assertEquals(range(each, 2L * each - 1), byCoid.get(b), "coid b: all, once, in order");
        eventually("every callback ran", () -> calls.size() == 2 * each);
        assertTrue(calls.calls.stream().allMatch(x -> x.err() == Errno.EOK));
        long[] handles = calls.calls.stream().mapToLong(Call::handle).sorted().toArray();
        long[] want = new long[2 * each];
        Arrays.setAll(want, i -> i);
        assertTrue(Arrays.equals(want, handles), "one callback per message");
    }

    /**
     * Three threads get from the channel over there, taking turns at the one connection, each
     * telling the gateway's bookkeeping the run it drained: every message arrives once, each
     * flush returns once the server got all put before it (every outcome was told), and every
     * callback says EOK, once.
     */
    @Test
    void a4ThreeGettersOverThereEachMessageOnceEveryFlushAnsweredEveryCallbackOnce() throws Exception {
        Child c = child("numbers", "0", "3");
        Server s = ready(c);
        AsyncMessaging am = AsyncMessaging.of(mk.process("client"));
        Calls calls = new Calls();
        int coid = am.connectAttach(0, s.pid(), s.chid(), 0, 0, AsyncConnectionAttr.builder().bufferSize(64)
                .maxNumBuffer(64).triggerNumMsg(7).callback(calls).build());
        int total = 20_000;
        for (long i = 0; i < total; i++) {
            putRetrying(am, coid, i);
            if (i % 2_500 == 2_499) {
                am.flush(coid, 0); // returns once the server got everything put so far: every outcome came
                long flushed = i + 1;
                eventually("the callbacks of all " + flushed + " flushed", () -> calls.size() >= flushed);
            }
        }
        java.util.Set<Long> seen = new java.util.HashSet<>();
        while (seen.size() < total) {
            for (long n : numbers(c.expect("GOT "))) {
                assertTrue(seen.add(n), "message " + n + " arrived twice");
            }
        }
        assertNull(c.poll(200), "nothing more");
        eventually("every callback ran", () -> calls.size() == total);
        assertTrue(calls.calls.stream().allMatch(x -> x.err() == Errno.EOK));
        assertEquals(total, calls.calls.stream().mapToLong(Call::handle).distinct().count(), "one callback per message");
    }

    private static void putRetrying(AsyncMessaging am, int coid, long n) throws InterruptedException {
        putRetrying(am, coid, number(n), n);
    }

    private static void putRetrying(AsyncMessaging am, int coid, ByteBuffer msg, long n) throws InterruptedException {
        for (;;) {
            try {
                am.put(coid, msg, n, null);
                return;
            } catch (KernelException e) {
                if (e.errno() != Errno.EAGAIN) {
                    throw e;
                }
                Thread.sleep(0, 200_000);
            }
        }
    }

    @Test
    void theChannelDestroyedInTheOtherJvmFailsWhatWaitsWithEsrchAndLaterPutsWithEbadf() throws Exception {
        Child c = child("numbers", "0");
        Server s = ready(c);
        AsyncMessaging am = AsyncMessaging.of(mk.process("client"));
        Calls calls = new Calls();
        int coid = am.connectAttach(0, s.pid(), s.chid(), 0, 0,
                AsyncConnectionAttr.builder().bufferSize(64).maxNumBuffer(16).triggerNumMsg(0).callback(calls).build());
        am.put(coid, number(1), 1, null);
        am.flush(coid, 0);
        assertEquals(List.of(1L), numbers(c.expect("GOT ")));
        c.command("destroy");
        c.expect("DESTROYED");
        am.put(coid, number(2), 2, null);
        am.put(coid, number(3), 3, null);
        am.flush(coid, 0);
        eventually("three callbacks", () -> calls.size() == 3);
        assertEquals(List.of(new Call(Errno.EOK, 1), new Call(Errno.ESRCH, 2), new Call(Errno.ESRCH, 3)), calls.calls);
        // The connection is marked dead just after the outcomes it learnt are handed to the
        // callbacks: a put in between is taken and fails with ESRCH; from then on, EBADF.
        java.util.concurrent.atomic.AtomicInteger taken = new java.util.concurrent.atomic.AtomicInteger();
        eventually("later puts fail with EBADF", () -> {
            try {
                am.put(coid, number(4), 4, null);
                taken.incrementAndGet();
                return false;
            } catch (KernelException e) {
                assertEquals(Errno.EBADF, e.errno());
                return true;
            }
        });
        eventually("every put taken meanwhile called back once", () -> calls.size() == 3 + taken.get());
        assertTrue(calls.calls.stream().skip(3).allMatch(x -> x.equals(new Call(Errno.ESRCH, 4))), calls.calls.toString());
    }

    @Test
    void theServersJvmKilledUnderTrafficFailsWhatWasNotGotOnceEachWithoutAHang() throws Exception {
        Child c = child("numbers", "20");
        Server s = ready(c);
        AsyncMessaging am = AsyncMessaging.of(mk.process("client"));
        Map<Long, Errno> outcome = new ConcurrentHashMap<>();
        AtomicLong twice = new AtomicLong();
        AsyncCallback cb = (err, msg, handle) -> {
            if (outcome.put(handle, err) != null) {
                twice.incrementAndGet();
            }
        };
        int coid = am.connectAttach(0, s.pid(), s.chid(), 0, 0, AsyncConnectionAttr.builder().bufferSize(64)
                .maxNumBuffer(128).triggerNumMsg(8).triggerTime(2_000_000L, 0).callback(cb).build());
        AtomicLong accepted = new AtomicLong();
        AtomicLong refusedWith = new AtomicLong();
        Thread producer = Thread.ofPlatform().start(() -> {
            for (long i = 0;; i++) {
                try {
                    am.put(coid, number(i), i, null);
                    accepted.incrementAndGet();
                } catch (KernelException e) {
                    if (e.errno() == Errno.EAGAIN) {
                        i--;
                        Thread.onSpinWait();
                        continue;
                    }
                    refusedWith.set(e.errno().code());
                    return;
                }
            }
        });
        for (int i = 0; i < 5; i++) {
            c.expect("GOT ");
        }
        c.kill();
        producer.join(30_000);
        assertTrue(!producer.isAlive(), "the producer stopped: puts fail once the connection is dead");
        assertEquals(Errno.EBADF.code(), refusedWith.get(), "as after a local channel's destruction");
        eventually("a callback for every message put", () -> outcome.size() == accepted.get());
        assertEquals(0, twice.get(), "no callback twice");
        long ok = outcome.values().stream().filter(e -> e == Errno.EOK).count();
        long failed = outcome.values().stream().filter(e -> e == Errno.ESRCH).count();
        assertTrue(ok >= 5, "the batches got before the kill were delivered: " + ok);
        assertTrue(failed > 0, "the rest failed");
        assertEquals(accepted.get(), ok + failed, "delivered or ESRCH, nothing else: " + outcome.values().stream().distinct().toList());
    }
}
