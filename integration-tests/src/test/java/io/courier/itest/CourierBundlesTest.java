package io.courier.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.courier.asyncmsg.AsyncMessaging;
import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import io.courier.resmgr.Resmgr;
import io.courier.shm.SharedMemory;
import java.time.Duration;
import org.junit.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/** Felix boots with every Courier bundle active and its service in the registry. */
public class CourierBundlesTest extends CourierTestSupport {
    @Test
    public void shouldStartEveryCourierBundle() {
        for (String name : COURIER_BUNDLES) {
            Bundle bundle = installed(name).orElseThrow(() -> new AssertionError(name + " is not installed"));
            assertEquals(name + " state", Bundle.ACTIVE, bundle.getState());
        }
    }

    @Test
    public void shouldRegisterEveryCourierService() {
        for (Class<?> type : new Class<?>[] {
            Microkernel.class, Kernel.class, AsyncMessaging.class, SharedMemory.class, Resmgr.class}) {
            ServiceReference<?> reference = awaitService(type, Duration.ofSeconds(5));
            assertTrue(type.getName() + " comes from a Courier bundle",
                    reference.getBundle().getSymbolicName().startsWith("io.courier."));
        }
    }
}
