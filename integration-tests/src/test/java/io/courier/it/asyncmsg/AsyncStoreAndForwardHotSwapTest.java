package io.courier.it.asyncmsg;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.courier.asyncmsg.AsyncCallback;
import io.courier.asyncmsg.AsyncConnectionAttr;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.itest.CourierTestSupport;
import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.kernel.NameInfo;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceRegistration;

/**
 * SPEC A6 and P3 in Felix with the real example bundle: the probe streams 100,000 numbered
 * messages by name to {@code example-async-server} while that bundle is updated twice. The
 * server hands each number it got to the probe's {@link LongConsumer} observer; at the end the
 * numbers are exactly 0..99,999 in order: none lost, none twice, order kept for the connection,
 * and no callback reported a failure.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class AsyncStoreAndForwardHotSwapTest extends CourierTestSupport {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final String NAME = "ASYNCH_RECEIVER";
    private static final int TOTAL = 100_000;

    private int serverPid(AsyncMessaging am) {
        return am.names().stream().filter(n -> n.name().equals(NAME)).mapToInt(NameInfo::pid).findFirst().orElse(-1);
    }

    @Test
    public void shouldDeliverEveryMessageOnceInOrderWhileTheServerBundleIsUpdatedTwice() throws Exception {
        ConcurrentLinkedQueue<Long> received = new ConcurrentLinkedQueue<>();
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("courier.asyncmsg.observer", "hot-swap-test");
        ServiceRegistration<LongConsumer> observer = context.registerService(LongConsumer.class, received::add, props);
        context.installBundle(courierJar("example-async-api").toUri().toString()).start();
        Bundle server = context.installBundle(courierJar("example-async-server").toUri().toString());
        server.start();
        AsyncMessaging am = context.getService(awaitService(AsyncMessaging.class, LIMIT));
        await("the server holds the name", LIMIT, () -> serverPid(am) > 0);

        Map<Errno, AtomicLong> failures = new ConcurrentHashMap<>();
        AsyncCallback onlyFailures = (err, msg, handle) -> {
            if (err != Errno.EOK) {
                failures.computeIfAbsent(err, e -> new AtomicLong()).incrementAndGet();
            }
        };
        int coid = am.nameOpen(NAME, 0, AsyncConnectionAttr.builder().bufferSize(64).maxNumBuffer(16_384)
                .triggerNumMsg(64).triggerTime(Duration.ofMillis(1).toNanos(), 0).callback(onlyFailures).build());
        AtomicLong eagain = new AtomicLong();
        List<Throwable> stray = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread producer = Thread.ofPlatform().name("async-producer").start(() -> {
            long deadline = System.nanoTime() + LIMIT.toNanos();
            for (int i = 0; i < TOTAL && System.nanoTime() < deadline;) {
                ByteBuffer msg = ByteBuffer.wrap(("message #" + i + "\0").getBytes(StandardCharsets.UTF_8));
                try {
                    am.put(coid, msg, i, null);
                    i++;
                } catch (KernelException e) {
                    if (e.errno() != Errno.EAGAIN) {
                        stray.add(e);
                        return;
                    }
                    eagain.incrementAndGet();
                    Thread.yield();
                }
            }
        });

        List<Integer> pids = new ArrayList<>();
        pids.add(serverPid(am));
        for (int update = 1; update <= 2; update++) {
            long target = TOTAL * update / 3;
            await("the server got " + target + " messages", LIMIT, () -> received.size() >= target);
            int before = pids.get(pids.size() - 1);
            server.update();
            await("the updated server holds the name", LIMIT, () -> {
                int now = serverPid(am);
                return now > 0 && now != before;
            });
            pids.add(serverPid(am));
        }
        producer.join(LIMIT.toMillis());
        assertTrue("the producer finished", !producer.isAlive());
        assertTrue("no put failed but with EAGAIN: " + stray, stray.isEmpty());
        am.flush(coid, AsyncMessaging.FLUSH_NONBLOCK);
        await("every message arrived", LIMIT, () -> received.size() >= TOTAL);

        List<Long> got = new ArrayList<>(received);
        assertEquals("none lost, none twice", TOTAL, got.size());
        for (int i = 0; i < TOTAL; i++) {
            assertEquals("in order", i, got.get(i).longValue());
        }
        assertEquals(3, pids.stream().distinct().count());
        assertTrue("no callback reported a failure: " + failures, failures.isEmpty());
        am.connectDetach(coid);
        observer.unregister();
    }
}
