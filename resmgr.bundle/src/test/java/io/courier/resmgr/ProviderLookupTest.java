package io.courier.resmgr;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import io.courier.testing.ClassFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code Resmgr.of} finds its implementation through its provider type, naming no class of it. */
@Timeout(60)
class ProviderLookupTest {
    @Test
    void shouldGiveAViewOfTheProcessWithoutNamingTheImplementation() {
        assertFalse(ClassFiles.names(Resmgr.class, "io.courier.resmgr.internal"));
        try (Microkernel mk = Microkernel.boot()) {
            Kernel k = mk.process("p");
            Resmgr rm = Resmgr.of(k);
            assertSame(k, rm.kernel());
            int fd = rm.open("/dev/name/local", OpenFlags.O_RDONLY);
            assertTrue(fd >= 0, "the view opens paths of the pathname space");
            rm.close(fd);
        }
    }
}
