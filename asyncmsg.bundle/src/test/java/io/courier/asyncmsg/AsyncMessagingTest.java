package io.courier.asyncmsg;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.courier.kernel.Kernel;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class AsyncMessagingTest {
    /** A process that fails any call made on it: the view must not call its kernel to be made. */
    private static Kernel untouchableProcess() {
        return (Kernel) Proxy.newProxyInstance(Kernel.class.getClassLoader(), new Class<?>[] {Kernel.class},
                (proxy, method, args) -> {
                    throw new AssertionError("unexpected kernel call " + method.getName());
                });
    }

    @Test
    void shouldActForTheProcessItWasMadeFor() {
        Kernel process = untouchableProcess();
        assertSame(process, AsyncMessaging.of(process).kernel());
    }

    @Test
    void shouldRefuseANullProcess() {
        assertThrows(NullPointerException.class, () -> AsyncMessaging.of(null));
    }
}
