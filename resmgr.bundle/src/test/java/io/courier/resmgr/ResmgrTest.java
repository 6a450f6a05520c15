package io.courier.resmgr;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.courier.kernel.Kernel;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;

class ResmgrTest {
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
        assertSame(process, Resmgr.of(process).kernel());
    }

    @Test
    void shouldRefuseANullProcess() {
        assertThrows(NullPointerException.class, () -> Resmgr.of(null));
    }
}
