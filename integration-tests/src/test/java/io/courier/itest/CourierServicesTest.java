package io.courier.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import io.courier.asyncmsg.AsyncMessaging;
import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import io.courier.resmgr.Resmgr;
import io.courier.shm.SharedMemory;
import java.time.Duration;
import java.util.function.Function;
import org.junit.Test;
import org.osgi.framework.ServiceReference;

/**
 * The per-bundle services make the bundle that gets them a process of the one
 * {@link Microkernel}, and releasing them kills it. These need the kernel to make processes.
 */
public class CourierServicesTest extends CourierTestSupport {
    private static final Duration LIMIT = Duration.ofSeconds(5);

    /** Gets the service for the probe bundle, failing clearly when its component did not activate. */
    private <S> S get(ServiceReference<S> reference) {
        S service = context.getService(reference);
        assertNotNull(reference + " did not activate for " + context.getBundle().getSymbolicName()
                + " (SCR logged why)", service);
        return service;
    }

    private void assertIsProcessOfThisBundle(Kernel process) {
        assertTrue("pid " + process.pid() + " > 0", process.pid() > 0);
        assertEquals(context.getBundle().getSymbolicName(), process.name());
        assertTrue(process.isAlive());
    }

    @Test
    public void shouldMakeTheBundleThatGetsTheKernelServiceAProcess() {
        Microkernel microkernel = get(awaitService(Microkernel.class, LIMIT));
        ServiceReference<Kernel> reference = awaitService(Kernel.class, LIMIT);
        Kernel kernel = get(reference);
        try {
            assertIsProcessOfThisBundle(kernel);
            assertTrue("the process is listed by the Microkernel",
                    microkernel.processes().stream().anyMatch(p -> p.pid() == kernel.pid()));
        } finally {
            context.ungetService(reference);
        }
    }

    @Test
    public void shouldKillTheProcessWhenTheBundleReleasesTheKernelService() {
        ServiceReference<Kernel> reference = awaitService(Kernel.class, LIMIT);
        Kernel kernel = get(reference);
        assertTrue(kernel.isAlive());
        context.ungetService(reference);
        assertFalse(kernel.isAlive());
    }

    @Test
    public void shouldMakeTheBundleThatGetsAsyncMessagingAProcess() {
        assertServiceActsForAProcessOfThisBundle(AsyncMessaging.class, AsyncMessaging::kernel);
    }

    @Test
    public void shouldMakeTheBundleThatGetsSharedMemoryAProcess() {
        assertServiceActsForAProcessOfThisBundle(SharedMemory.class, SharedMemory::kernel);
    }

    @Test
    public void shouldMakeTheBundleThatGetsResmgrAProcess() {
        assertServiceActsForAProcessOfThisBundle(Resmgr.class, Resmgr::kernel);
    }

    @Test
    public void shouldMakeOneProcessOfABundleThatUsesSeveralCourierServices() {
        ServiceReference<Kernel> k = awaitService(Kernel.class, LIMIT);
        ServiceReference<AsyncMessaging> a = awaitService(AsyncMessaging.class, LIMIT);
        ServiceReference<SharedMemory> m = awaitService(SharedMemory.class, LIMIT);
        ServiceReference<Resmgr> r = awaitService(Resmgr.class, LIMIT);
        Kernel kernel = get(k);
        try {
            assertEquals(kernel.pid(), get(a).kernel().pid());
            assertEquals(kernel.pid(), get(m).kernel().pid());
            assertEquals(kernel.pid(), get(r).kernel().pid());
        } finally {
            context.ungetService(r);
            context.ungetService(m);
            context.ungetService(a);
            assertTrue("the process lives while the bundle holds the Kernel service", kernel.isAlive());
            context.ungetService(k);
        }
        assertFalse("released by every service, the process is dead", kernel.isAlive());
    }

    private <S> void assertServiceActsForAProcessOfThisBundle(Class<S> type, Function<S, Kernel> process) {
        ServiceReference<S> reference = awaitService(type, LIMIT);
        Kernel kernel = process.apply(get(reference));
        try {
            assertIsProcessOfThisBundle(kernel);
        } finally {
            context.ungetService(reference);
        }
        assertFalse("the process dies with the service", kernel.isAlive());
    }
}
