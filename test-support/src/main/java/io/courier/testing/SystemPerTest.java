package io.courier.testing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

/**
 * The frame every module's tests share: a system of the test's own, booted before each test and
 * closed after it, a pool for the test's other threads (stopped, with a limit, after it), the
 * bounded waits of {@link Waits} under short names, and text buffers. A module's test base names
 * its system (a Courier {@code Microkernel}) in {@link #boot()}; this module depends on no Courier
 * module, since the kernel's own tests use it.
 *
 * @param <S> the system
 */
@Timeout(60)
public abstract class SystemPerTest<S extends AutoCloseable> {
    /** The longest any test waits for something to happen. */
    public static final Duration WAIT = Waits.WAIT;

    /** The system of the running test. */
    protected S mk;
    /** The test's other threads. */
    protected final ExecutorService pool = Executors.newCachedThreadPool();

    /** A new system for the next test. */
    protected abstract S boot();

    @BeforeEach
    protected final void bootSystem() {
        mk = boot();
    }

    @AfterEach
    protected final void closeSystem() throws Exception {
        mk.close();
        Waits.shutDown(pool);
    }

    /** Runs {@code task} on a thread of the test's pool. */
    protected <T> Future<T> async(Callable<T> task) {
        return pool.submit(task);
    }

    /** {@link Waits#await}. */
    protected static <T> T await(Future<T> f) throws Exception {
        return Waits.await(f);
    }

    /** {@link Waits#eventually}. */
    protected static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        Waits.eventually(what, condition);
    }

    /** {@link Waits#threadDump}. */
    protected static String threadDump() {
        return Waits.threadDump();
    }

    /** {@code s} as UTF-8 bytes, between position and limit. */
    protected static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The UTF-8 text between 0 and the position of a filled buffer. */
    protected static String text(ByteBuffer filled) {
        ByteBuffer b = filled.duplicate().flip();
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return new String(a, StandardCharsets.UTF_8);
    }
}
