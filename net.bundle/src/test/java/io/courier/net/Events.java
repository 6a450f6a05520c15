package io.courier.net;

import static org.junit.jupiter.api.Assertions.fail;

import io.courier.testing.Waits;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * A listener for a node in the test's own JVM: keeps every event ("UP name inc", "DOWN name
 * reason") with the time it came, checks that up and down alternate per node and that every call
 * comes from one thread, and starts a {@link Traffic.Checker} consumer on every link that comes up.
 */
final class Events implements NetListener {
    record Event(String line, long nanos) {
    }

    private final List<Event> events = new ArrayList<>();
    final Map<String, Traffic.Checker> checkers = new ConcurrentHashMap<>();
    private final Map<String, Boolean> up = new ConcurrentHashMap<>();
    private volatile Thread thread;
    volatile String violation;
    volatile NetNode node;

    @Override
    public void nodeUp(int nd, String name, long incarnation) {
        sameThread();
        if (Boolean.TRUE.equals(up.put(name, true))) {
            violation = "up twice: " + name;
        }
        var link = node.link(nd);
        if (link == null) {
            violation = "no link in nodeUp of " + name;
        } else {
            Traffic.Checker c = new Traffic.Checker(name, link.maxPayload());
            checkers.put(name, c);
            Thread.ofPlatform().daemon().name("consume-" + name).start(() -> Traffic.consume(link, c));
        }
        add("UP " + name + " " + incarnation);
    }

    @Override
    public void nodeDown(int nd, String name, String reason) {
        sameThread();
        if (!Boolean.TRUE.equals(up.put(name, false))) {
            violation = "down while not up: " + name;
        }
        if (node.link(nd) != null) {
            violation = "a link in nodeDown of " + name;
        }
        add("DOWN " + name + " " + reason);
    }

    private void sameThread() {
        Thread t = Thread.currentThread();
        if (thread == null) {
            thread = t;
        } else if (thread != t) {
            violation = "listener called from " + t + " and " + thread;
        }
    }

    private void add(String line) {
        synchronized (events) {
            events.add(new Event(line, System.nanoTime()));
            events.notifyAll();
        }
    }

    int mark() {
        synchronized (events) {
            return events.size();
        }
    }

    /** The first event at or after {@code from} that matches, waiting at most {@link ChildNode#WAIT_MS}. */
    Event await(int from, Predicate<String> p) {
        long end = System.currentTimeMillis() + ChildNode.WAIT_MS;
        synchronized (events) {
            while (true) {
                for (int i = from; i < events.size(); i++) {
                    if (p.test(events.get(i).line())) {
                        return events.get(i);
                    }
                }
                long left = end - System.currentTimeMillis();
                if (left <= 0) {
                    fail("no such event; events: " + lines() + "\n" + Waits.threadDump());
                }
                try {
                    events.wait(Math.min(left, 100));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
        }
    }

    List<String> lines() {
        synchronized (events) {
            return events.stream().map(Event::line).toList();
        }
    }
}
