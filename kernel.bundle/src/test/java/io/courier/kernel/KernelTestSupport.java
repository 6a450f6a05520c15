package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.courier.testing.SystemPerTest;
import org.junit.jupiter.api.function.Executable;

/** A fresh kernel per test ({@link SystemPerTest}), and what the kernel's tests ask of pidin and of failures. */
abstract class KernelTestSupport extends SystemPerTest<Microkernel> {
    @Override
    protected Microkernel boot() {
        return Microkernel.boot();
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

    static KernelException fails(Errno expected, Executable call) {
        return fails(expected, call, "");
    }

    static KernelException fails(Errno expected, Executable call, String why) {
        KernelException e = assertThrows(KernelException.class, call, why);
        assertEquals(expected, e.errno(), why + ": " + e.getMessage());
        return e;
    }
}
