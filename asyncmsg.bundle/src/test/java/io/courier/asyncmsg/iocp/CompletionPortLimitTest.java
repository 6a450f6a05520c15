package io.courier.asyncmsg.iocp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SPEC A7 and its exact values: at most 256 ports per process, ENOBUFS beyond. A process is
 * stood in for by a {@link Kernel} that answers only {@code pid()} and {@code atExit()}, which
 * is all the port uses.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(ThreadDumpOnTimeout.class)
class CompletionPortLimitTest {

    /** A process with {@code pid}; its exit hooks are collected in {@code hooks}. */
    private static Kernel process(int pid, List<Runnable> hooks) {
        return (Kernel) Proxy.newProxyInstance(Kernel.class.getClassLoader(),
                new Class<?>[] {Kernel.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "pid" -> pid;
                    case "atExit" -> {
                        hooks.add((Runnable) args[0]);
                        yield null;
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "process " + pid;
                    default -> throw new KernelException(Errno.ENOSYS, method.getName());
                });
    }

    private static void closeAll(List<IoCompletionPort> ports) {
        ports.forEach(IoCompletionPort::close);
    }

    private static long openPortsOf(int pid) {
        return IoCompletionPort.ports().stream().filter(p -> p.ownerPid() == pid).count();
    }

    @Test
    void a7_shouldRefuseThe257thPortOfAProcessWithEnobufs() {
        Kernel process = process(70_001, new CopyOnWriteArrayList<>());
        List<IoCompletionPort> ports = new ArrayList<>();
        try {
            for (int i = 0; i < IoCompletionPort.MAX_PER_PROCESS; i++) {
                ports.add(IoCompletionPort.create(process));
            }
            assertEquals(256, openPortsOf(70_001));
            KernelException e = assertThrows(KernelException.class, () -> IoCompletionPort.create(process));
            assertEquals(Errno.ENOBUFS, e.errno());
            assertEquals(255, e.errno().code(), "QNX's value of ENOBUFS");
        } finally {
            closeAll(ports);
        }
        assertEquals(0, openPortsOf(70_001));
    }

    @Test
    void a7_shouldFreeASlotWhenAPortIsDestroyed() {
        Kernel process = process(70_002, new CopyOnWriteArrayList<>());
        List<IoCompletionPort> ports = new ArrayList<>();
        try {
            for (int i = 0; i < IoCompletionPort.MAX_PER_PROCESS; i++) {
                ports.add(IoCompletionPort.create(process));
            }
            ports.removeFirst().close();
            ports.add(IoCompletionPort.create(process));
            assertThrows(KernelException.class, () -> IoCompletionPort.create(process));
        } finally {
            closeAll(ports);
        }
    }

    @Test
    void a7_shouldCountEachProcessSeparately() {
        Kernel full = process(70_003, new CopyOnWriteArrayList<>());
        Kernel other = process(70_004, new CopyOnWriteArrayList<>());
        List<IoCompletionPort> ports = new ArrayList<>();
        try {
            for (int i = 0; i < IoCompletionPort.MAX_PER_PROCESS; i++) {
                ports.add(IoCompletionPort.create(full));
            }
            IoCompletionPort port = IoCompletionPort.create(other);
            ports.add(port);
            assertEquals(70_004, port.ownerPid());
            IoCompletionPort defaultOwned = IoCompletionPort.create();
            ports.add(defaultOwned);
            assertEquals(IoCompletionPort.DEFAULT_OWNER, defaultOwned.ownerPid());
        } finally {
            closeAll(ports);
        }
    }

    @Test
    void a7_shouldLimitPortsMadeWithoutAProcessTo256Too() {
        List<IoCompletionPort> ports = new ArrayList<>();
        try {
            long already = openPortsOf(IoCompletionPort.DEFAULT_OWNER);
            for (long i = already; i < IoCompletionPort.MAX_PER_PROCESS; i++) {
                ports.add(IoCompletionPort.create());
            }
            assertEquals(Errno.ENOBUFS,
                    assertThrows(KernelException.class, IoCompletionPort::create).errno());
        } finally {
            closeAll(ports);
        }
    }

    @Test
    void a7_shouldDestroyAProcessPortsWhenItExitsAndHookItOnlyOnce() {
        List<Runnable> hooks = new CopyOnWriteArrayList<>();
        Kernel process = process(70_005, hooks);
        IoCompletionPort a = IoCompletionPort.create(process);
        IoCompletionPort b = IoCompletionPort.create(process);
        assertEquals(1, hooks.size(), "one exit hook per process, not per port");
        hooks.forEach(Runnable::run); // the process dies
        assertFalse(a.isOpen());
        assertFalse(b.isOpen());
        assertEquals(0, openPortsOf(70_005));
        assertEquals(Errno.EBADF, assertThrows(KernelException.class,
                () -> a.waitForCompletion(java.time.Duration.ZERO)).errno());
        // A new process with the same pid starts from zero and hooks again.
        IoCompletionPort c = IoCompletionPort.create(process);
        try {
            assertTrue(c.isOpen());
            assertEquals(2, hooks.size());
        } finally {
            c.close();
        }
    }

    @Test
    void a7_shouldRefuseANullProcessWithEinval() {
        assertEquals(Errno.EINVAL,
                assertThrows(KernelException.class, () -> IoCompletionPort.create(null)).errno());
    }
}
