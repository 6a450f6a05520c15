package io.courier.kernel.internal.osgi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.courier.kernel.Kernel;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ForwardingKernelTest {
    @Test
    void shouldForwardEveryKernelCallWithItsArgumentsAndResult() throws Exception {
        List<Method> calls = new ArrayList<>();
        List<Object[]> arguments = new ArrayList<>();
        Kernel delegate = (Kernel) Proxy.newProxyInstance(Kernel.class.getClassLoader(), new Class<?>[] {Kernel.class},
                (proxy, method, args) -> {
                    calls.add(method);
                    arguments.add(args == null ? new Object[0] : args);
                    return sample(method.getReturnType());
                });
        Kernel forwarding = new ForwardingKernel() {
            @Override
            protected Kernel delegate() {
                return delegate;
            }
        };
        for (Method method : Kernel.class.getMethods()) {
            // Default methods too: the delegate may override them.
            if (Modifier.isStatic(method.getModifiers())) {
                continue;
            }
            Object[] args = new Object[method.getParameterCount()];
            for (int i = 0; i < args.length; i++) {
                args[i] = sample(method.getParameterTypes()[i]);
            }
            calls.clear();
            arguments.clear();
            Object result = method.invoke(forwarding, args);
            assertEquals(List.of(method), calls, method.toString());
            assertArrayEquals(args, arguments.getFirst(), method.toString());
            if (method.getReturnType().isPrimitive()) {
                assertEquals(sample(method.getReturnType()), result, method.toString());
            } else {
                assertSame(sample(method.getReturnType()), result, method.toString());
            }
        }
    }

    private static final Map<Class<?>, Object> SAMPLES = new HashMap<>();

    /**
     * A value of {@code type}, the same instance each time, so that forwarding shows as
     * identity; null only for the classes the test cannot make, which the kernel API leaves to
     * the kernel (results such as {@code MsgInfo}).
     */
    private static Object sample(Class<?> type) {
        if (type == void.class) {
            return null;
        }
        if (type == int.class) {
            return 42;
        }
        if (type == long.class) {
            return 42L;
        }
        if (type == boolean.class) {
            return true;
        }
        if (type.isPrimitive()) {
            throw new AssertionError("no sample for " + type);
        }
        return SAMPLES.computeIfAbsent(type, ForwardingKernelTest::make);
    }

    private static Object make(Class<?> type) {
        if (type == String.class) {
            return "sample";
        }
        if (type == ByteBuffer.class) {
            return ByteBuffer.allocate(1);
        }
        if (type == Duration.class) {
            return Duration.ofSeconds(42);
        }
        if (type == Set.class) {
            return Set.of();
        }
        if (type.isEnum()) {
            return type.getEnumConstants()[0];
        }
        if (type.isArray()) {
            return Array.newInstance(type.getComponentType(), 1);
        }
        if (type.isInterface()) {
            return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, a) -> {
                throw new AssertionError("sample touched: " + m);
            });
        }
        return null;
    }
}
