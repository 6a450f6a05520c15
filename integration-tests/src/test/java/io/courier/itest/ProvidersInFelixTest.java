package io.courier.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import io.courier.asyncmsg.AsyncMessaging;
import io.courier.asyncmsg.iocp.IoCompletionPort;
import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import io.courier.resmgr.OpenFlags;
import io.courier.resmgr.Resmgr;
import io.courier.shm.SharedMemory;
import java.nio.file.Files;
import org.junit.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;

/**
 * The static entry points of the API packages ({@code Microkernel.boot()}, {@code AsyncMessaging.of},
 * {@code IoCompletionPort.create}, {@code SharedMemory.of}, {@code Resmgr.of}) find their
 * implementation in Felix when called from another bundle (this probe), through the class loader
 * of the bundle that exports the API, with no service-loader extender installed.
 */
public class ProvidersInFelixTest extends CourierTestSupport {
    @Test
    public void shouldFindEachImplementationInTheBundleOfItsApi() {
        try (Microkernel mk = Microkernel.boot()) {
            assertSame(bundleOf(Microkernel.class), bundleOf(mk.getClass()));
            Kernel k = mk.process("providers");
            assertTrue(k.isAlive());

            AsyncMessaging am = AsyncMessaging.of(k);
            assertSame(bundleOf(AsyncMessaging.class), bundleOf(am.getClass()));
            assertTrue(am.channelCreate(0, 0600, 64, 4, null, null) > 0);

            try (IoCompletionPort port = IoCompletionPort.create(k)) {
                assertSame(bundleOf(IoCompletionPort.class), bundleOf(port.getClass()));
                assertEquals(k.pid(), port.ownerPid());
            }

            SharedMemory shm = SharedMemory.of(k);
            assertSame(bundleOf(SharedMemory.class), bundleOf(shm.getClass()));
            int fd = shm.shmOpen("/providers", SharedMemory.O_RDWR | SharedMemory.O_CREAT, 0600);
            assertTrue(SharedMemory.list(mk).stream().anyMatch(s -> s.name().equals("/providers")));
            assertTrue(Files.isDirectory(SharedMemory.directory(mk)));
            shm.close(fd);
            shm.shmUnlink("/providers");

            Resmgr rm = Resmgr.of(k);
            assertSame(bundleOf(Resmgr.class), bundleOf(rm.getClass()));
            rm.close(rm.open("/dev/name/local", OpenFlags.O_RDONLY));
        }
    }

    private static Bundle bundleOf(Class<?> type) {
        Bundle b = FrameworkUtil.getBundle(type);
        assertTrue(type + " is loaded by a bundle", b != null);
        return b;
    }
}
