package io.courier.itest;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/**
 * What the bundles log from now on, as the OSGi log (pax-logging's {@link LogReaderService}, the
 * one Gogo's {@code log} command reads) hands it over. Close it to stop listening.
 */
public final class LogRecorder implements AutoCloseable {
    private final BundleContext context;
    private final ServiceReference<LogReaderService> reference;
    private final LogReaderService reader;
    private final List<LogEntry> entries = new CopyOnWriteArrayList<>();
    private final LogListener listener = entries::add;

    /** Starts recording through {@code context}, waiting up to {@code limit} for the log reader. */
    public LogRecorder(BundleContext context, Duration limit) {
        this.context = context;
        CourierTestSupport.await("the OSGi log reader", limit, () -> context.getServiceReference(LogReaderService.class) != null);
        reference = context.getServiceReference(LogReaderService.class);
        reader = context.getService(reference);
        reader.addLogListener(listener);
    }

    /** Every entry recorded so far. */
    public List<LogEntry> entries() {
        return List.copyOf(entries);
    }

    /** The entries of logger names starting with {@code prefix} at {@code level} or more severe. */
    public List<LogEntry> atLeast(LogLevel level, String prefix) {
        return entries.stream()
                .filter(e -> e.getLoggerName() != null && e.getLoggerName().startsWith(prefix))
                .filter(e -> e.getLogLevel().ordinal() <= level.ordinal())
                .toList();
    }

    /** Waits for an entry at {@code level} whose message {@code matches}. */
    public LogEntry await(String what, Duration limit, LogLevel level, Predicate<String> matches) {
        long deadline = System.nanoTime() + limit.toNanos();
        for (;;) {
            for (LogEntry e : entries) {
                if (e.getLogLevel() == level && matches.test(e.getMessage())) {
                    return e;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not logged at " + level + " within " + limit + ": " + what + "; logged:\n" + this);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for the log: " + what, e);
            }
        }
    }

    @Override
    public String toString() {
        return entries.stream().map(e -> e.getLogLevel() + " " + e.getLoggerName() + ": " + e.getMessage())
                .collect(Collectors.joining("\n"));
    }

    @Override
    public void close() {
        reader.removeLogListener(listener);
        try {
            context.ungetService(reference);
        } catch (IllegalStateException e) {
            // the probe stopped first
        }
    }
}
