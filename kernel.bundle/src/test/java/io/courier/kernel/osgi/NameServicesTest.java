package io.courier.kernel.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.kernel.internal.osgi.NamePublisher;
import org.junit.jupiter.api.Test;

/** SPEC K14 in OSGi: the properties of the NameInfo services, as clients filter on them. */
class NameServicesTest {

    @Test
    void k14ThePropertiesAreThoseTheKernelBundleRegistersNamesWith() {
        assertEquals(NamePublisher.NAME, NameServices.NAME);
        assertEquals(NamePublisher.PID, NameServices.PID);
        assertEquals(NamePublisher.CHID, NameServices.CHID);
        assertEquals(NamePublisher.OS_PID, NameServices.OS_PID);
        assertEquals(NamePublisher.REMOTE, NameServices.REMOTE);
    }

    @Test
    void k14FilterSelectsOneNameWithTheFiltersSpecialCharactersEscaped() {
        assertEquals("(courier.name=checksum)", NameServices.filter("checksum"));
        assertEquals("(courier.name=a\\*b\\(c\\)d\\\\e)", NameServices.filter("a*b(c)d\\e"));
        assertEquals(Errno.EINVAL, assertThrows(KernelException.class, () -> NameServices.filter("")).errno());
        assertEquals(Errno.EINVAL, assertThrows(KernelException.class, () -> NameServices.filter(null)).errno());
    }
}
