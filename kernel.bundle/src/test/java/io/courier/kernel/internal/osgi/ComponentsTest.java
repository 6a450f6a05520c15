package io.courier.kernel.internal.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;

/** The DS components outside a framework, with the framework's objects played by proxies. */
class ComponentsTest {
    @SuppressWarnings("unchecked")
    private static <T> T fake(Class<T> type, java.lang.reflect.InvocationHandler handler) {
        return (T) Proxy.newProxyInstance(ComponentsTest.class.getClassLoader(), new Class<?>[] {type}, handler);
    }

    private static ComponentContext usedBy(String symbolicName, long id) {
        Bundle bundle = fake(Bundle.class, (p, m, a) -> switch (m.getName()) {
            case "getSymbolicName" -> symbolicName;
            case "getBundleId" -> id;
            default -> throw new AssertionError(m.getName());
        });
        return fake(ComponentContext.class, (p, m, a) -> {
            if (m.getName().equals("getUsingBundle")) {
                return bundle;
            }
            throw new AssertionError(m.getName());
        });
    }

    @Test
    void shouldRefuseToCloseTheSystemForOneServiceUser() {
        MicrokernelComponent component = new MicrokernelComponent(Map.of());
        try {
            assertEquals(Errno.EPERM, assertThrows(KernelException.class, component::close).errno());
        } finally {
            component.deactivate();
        }
    }

    @Test
    void shouldMakeTheUsingBundlesProcessAndKillItOnDeactivation() {
        List<String> made = new ArrayList<>();
        AtomicBoolean alive = new AtomicBoolean(true);
        Kernel process = fake(Kernel.class, (p, m, a) -> switch (m.getName()) {
            case "isAlive" -> alive.get();
            case "exit" -> {
                alive.set(false);
                yield null;
            }
            case "pid" -> 7;
            default -> throw new AssertionError(m.getName());
        });
        Microkernel microkernel = fake(Microkernel.class, (p, m, a) -> {
            if (m.getName().equals("process") && a.length == 1 && a[0] instanceof String name) {
                made.add(name);
                return process;
            }
            throw new AssertionError(m.getName());
        });

        KernelComponent component = new KernelComponent(microkernel, usedBy("com.example.client", 12));
        assertEquals(List.of("com.example.client"), made);
        assertSame(process, component.delegate());
        assertEquals(7, component.pid());
        assertTrue(alive.get());

        component.deactivate();
        assertFalse(alive.get());
        component.deactivate();
    }

    @Test
    void shouldFailActivationWithTheKernelsErrorWhenNoProcessCanBeMade() {
        Microkernel microkernel = fake(Microkernel.class, (p, m, a) -> {
            throw new KernelException(Errno.EAGAIN, "process table full");
        });
        KernelException failure = assertThrows(KernelException.class,
                () -> new KernelComponent(microkernel, usedBy("com.example.client", 12)));
        assertEquals(Errno.EAGAIN, failure.errno());
    }

    @Test
    void shouldNameTheProcessAfterTheBundleIdWhenTheBundleHasNoSymbolicName() {
        assertEquals("bundle.12", KernelComponent.processName(usedBy(null, 12).getUsingBundle()));
    }
}
