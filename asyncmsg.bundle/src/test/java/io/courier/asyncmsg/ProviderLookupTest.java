package io.courier.asyncmsg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.asyncmsg.iocp.IoCompletionPort;
import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import io.courier.testing.ClassFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code AsyncMessaging.of} and {@code IoCompletionPort}'s static calls find their
 * implementation through their provider types, naming no class of it.
 */
@Timeout(60)
class ProviderLookupTest {
    @Test
    void shouldGiveAViewOfTheProcessWithoutNamingTheImplementation() {
        assertFalse(ClassFiles.names(AsyncMessaging.class, "io.courier.asyncmsg.internal"));
        try (Microkernel mk = Microkernel.boot()) {
            Kernel k = mk.process("p");
            AsyncMessaging am = AsyncMessaging.of(k);
            assertSame(k, am.kernel());
            int chid = am.channelCreate(0, 0600, 64, 4, null, null);
            assertTrue(chid > 0, "the view makes channels of its process");
        }
    }

    @Test
    void shouldMakeCompletionPortsWithoutNamingTheImplementation() {
        assertFalse(ClassFiles.names(IoCompletionPort.class, "io.courier.asyncmsg.iocp.internal"));
        try (Microkernel mk = Microkernel.boot()) {
            Kernel k = mk.process("p");
            try (IoCompletionPort port = IoCompletionPort.create(k)) {
                assertEquals(k.pid(), port.ownerPid());
                assertTrue(IoCompletionPort.ports().stream().anyMatch(i -> i.id() == port.id()));
            }
        }
    }
}
