package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.testing.ClassFiles;
import java.util.ServiceConfigurationError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How API entry points find their implementation ({@link Providers}): {@code Microkernel.boot()}
 * names no class of the implementation, finds it through {@link MicrokernelProvider}, and a
 * missing or broken implementation is ENOSYS.
 */
@Timeout(60)
class ProvidersTest {
    /** A provider type no one implements. */
    interface Unprovided {
    }

    /** A provider type whose listed implementation does not exist (see src/test/resources). */
    interface Listed {
    }

    @Test
    void shouldBootTheKernelItsProviderMakesWithoutNamingIt() {
        assertFalse(ClassFiles.names(Microkernel.class, "io.courier.kernel.internal"),
                "Microkernel names a class of the implementation");
        MicrokernelProvider provider = Providers.find(MicrokernelProvider.class);
        assertSame(provider, Providers.find(MicrokernelProvider.class), "the provider is found once and kept");
        try (Microkernel mk = Microkernel.boot(); Microkernel other = provider.boot()) {
            Kernel p = mk.process("p");
            assertTrue(p.isAlive());
            assertEquals(mk, p.microkernel());
            assertTrue(other.processes().isEmpty(), "each boot is a kernel of its own");
        }
    }

    @Test
    void shouldFailWithEnosysWhenNoImplementationIsPresent() {
        KernelException e = assertThrows(KernelException.class, () -> Providers.find(Unprovided.class));
        assertEquals(Errno.ENOSYS, e.errno());
        assertTrue(e.getMessage().contains(Unprovided.class.getName()), e.getMessage());
    }

    @Test
    void shouldFailWithEnosysWhenTheListedImplementationCannotBeLoaded() {
        KernelException e = assertThrows(KernelException.class, () -> Providers.find(Listed.class));
        assertEquals(Errno.ENOSYS, e.errno());
        assertInstanceOf(ServiceConfigurationError.class, e.getCause());
    }
}
