package io.courier.resmgr;

import io.courier.testing.Waits;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/** A fresh kernel (and so a fresh pathname space) per test, bounded waits, and small helpers. */
@Timeout(60)
public abstract class ResmgrTestSupport {
    /** The longest any test waits for something to happen. */
    public static final Duration WAIT = Waits.WAIT;

    protected Microkernel mk;
    protected final ExecutorService pool = Executors.newCachedThreadPool();

    @BeforeEach
    void bootKernel() {
        mk = Microkernel.boot();
    }

    @AfterEach
    void shutDown() throws InterruptedException {
        mk.close();
        Waits.shutDown(pool);
    }

    /** A new process and its resource manager view. */
    protected Resmgr process(String name) {
        return Resmgr.of(mk.process(name));
    }

    protected <T> Future<T> async(Callable<T> task) {
        return pool.submit(task);
    }

    protected static <T> T await(Future<T> f) throws Exception {
        return Waits.await(f);
    }

    /** Waits (bounded) until {@code condition} holds. */
    protected static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        Waits.eventually(what, condition);
    }

    protected static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The bytes between 0 and the position of a filled buffer. */
    protected static String text(ByteBuffer filled) {
        ByteBuffer b = filled.duplicate().flip();
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return new String(a, StandardCharsets.UTF_8);
    }

    /** Reads everything {@code fd} gives until end of file. */
    protected static String readAll(Resmgr rm, int fd) {
        StringBuilder sb = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocate(100);
        for (;;) {
            buf.clear();
            int n = rm.read(fd, buf);
            if (n == 0) {
                return sb.toString();
            }
            sb.append(text(buf));
        }
    }

    /** Writes {@code s} to {@code fd}, asserting every byte was taken. */
    protected static void write(Resmgr rm, int fd, String s) {
        ByteBuffer b = text(s);
        assertEquals(b.remaining(), rm.write(fd, b));
    }

    protected static List<String> names(List<DirEntry> entries) {
        return entries.stream().map(DirEntry::name).toList();
    }

    protected static KernelException fails(Errno expected, Executable call) {
        KernelException e = assertThrows(KernelException.class, call);
        assertEquals(expected, e.errno(), e.getMessage());
        return e;
    }

    protected static boolean alive(Kernel k) {
        return k.isAlive();
    }

    protected static String threadDump() {
        return Waits.threadDump();
    }
}
