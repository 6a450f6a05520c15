package io.courier.kernel;

import io.courier.testing.Waits;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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

/** A fresh kernel per test, threads with bounded waits, and small buffer helpers. */
@Timeout(60)
abstract class KernelTestSupport {
    static final Duration WAIT = Waits.WAIT;

    Microkernel mk;
    final ExecutorService pool = Executors.newCachedThreadPool();

    @BeforeEach
    void bootKernel() {
        mk = Microkernel.boot();
    }

    @AfterEach
    void shutDown() throws InterruptedException {
        mk.close();
        Waits.shutDown(pool);
    }

    <T> Future<T> async(Callable<T> task) {
        return pool.submit(task);
    }

    static <T> T await(Future<T> f) throws Exception {
        return Waits.await(f);
    }

    /** Waits (bounded) until {@code condition} holds. */
    static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        Waits.eventually(what, condition);
    }

    /** Waits until thread {@code tid} of {@code pid} is in {@code state}. */
    void awaitState(int pid, int tid, ThreadState state) throws InterruptedException {
        // A thread lent to a process between calls is not listed: it is not yet in that state.
        eventually("thread " + pid + "/" + tid + " is " + state, () -> mk.processes().stream()
                .filter(p -> p.pid() == pid).flatMap(p -> p.threads().stream())
                .anyMatch(t -> t.tid() == tid && t.state() == state));
    }

    /** Waits until some thread of {@code pid} is in {@code state}. */
    void awaitAnyState(int pid, ThreadState state) throws InterruptedException {
        eventually("a thread of " + pid + " is " + state, () -> mk.processes().stream()
                .filter(p -> p.pid() == pid).flatMap(p -> p.threads().stream()).anyMatch(t -> t.state() == state));
    }

    /** The state of the only thread of {@code pid} other than the caller's. */
    ThreadState otherState(int pid) {
        return mk.processes().stream().filter(p -> p.pid() == pid).flatMap(p -> p.threads().stream())
                .filter(t -> t.state() != ThreadState.RUNNING).findFirst()
                .orElseThrow(() -> new AssertionError("no other thread in " + pid)).state();
    }

    ThreadState state(int pid, int tid) {
        return thread(pid, tid).state();
    }

    ThreadInfo thread(int pid, int tid) {
        return mk.processes().stream().filter(p -> p.pid() == pid).flatMap(p -> p.threads().stream())
                .filter(t -> t.tid() == tid).findFirst().orElseThrow(() -> new AssertionError("no thread " + tid));
    }

    static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    static String text(ByteBuffer filled) {
        ByteBuffer b = filled.duplicate().flip();
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return new String(a, StandardCharsets.UTF_8);
    }

    static KernelException fails(Errno expected, Executable call) {
        return fails(expected, call, "");
    }

    static KernelException fails(Errno expected, Executable call, String why) {
        KernelException e = assertThrows(KernelException.class, call, why);
        assertEquals(expected, e.errno(), why + ": " + e.getMessage());
        return e;
    }

    static String threadDump() {
        return Waits.threadDump();
    }
}
