package io.courier.it.asyncmsg;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.courier.itest.CourierTestSupport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceRegistration;

/**
 * The technote's client and server pair (example 6) as the two real example bundles in Felix:
 * {@code example-async-client} puts {@code message #N} by name once a second, and the numbers
 * reach {@code example-async-server}. While the server bundle is stopped the client keeps
 * putting; started again, the server gets what was stored meanwhile (SPEC A6): every number
 * from 1 on, once, in order.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class AsyncClientExampleTest extends CourierTestSupport {
    private static final Duration LIMIT = Duration.ofSeconds(30);

    @Test
    public void shouldDeliverTheClientsMessagesAndThoseStoredWhileTheServerWasStopped() throws Exception {
        ConcurrentLinkedQueue<Long> received = new ConcurrentLinkedQueue<>();
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("courier.asyncmsg.observer", "client-example-test");
        ServiceRegistration<LongConsumer> observer = context.registerService(LongConsumer.class, received::add, props);
        context.installBundle(courierJar("example-async-api").toUri().toString()).start();
        Bundle server = context.installBundle(courierJar("example-async-server").toUri().toString());
        server.start();
        Bundle client = context.installBundle(courierJar("example-async-client").toUri().toString());
        client.start();

        await("the server got the client's first two messages", LIMIT, () -> received.size() >= 2);
        server.stop();
        int beforeStop = received.size();
        // The client puts one message a second; two or three wait on its side meanwhile.
        TimeUnit.MILLISECONDS.sleep(2_500);
        assertEquals("nothing arrives while the server is stopped", beforeStop, received.size());
        server.start();
        await("the stored messages and a new one arrived", LIMIT, () -> received.size() >= beforeStop + 3);
        client.stop();

        List<Long> got = new ArrayList<>(received);
        for (int i = 0; i < got.size(); i++) {
            assertEquals("every number from 1, once, in order: " + got, i + 1, got.get(i).longValue());
        }
        assertTrue(got.size() >= beforeStop + 3);
        observer.unregister();
    }
}
