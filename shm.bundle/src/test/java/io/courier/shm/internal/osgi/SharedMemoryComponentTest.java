package io.courier.shm.internal.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.kernel.ProcessInfo;
import io.courier.shm.Mapping;
import io.courier.shm.SharedMemory;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.ComponentContext;

/**
 * The DS components without a framework (SPEC P1, P2, S3): each using bundle is a process named
 * after it, whose fds and mappings go when the bundle releases the service; the manager
 * component closes everything when the shm bundle stops.
 */
@Timeout(60)
class SharedMemoryComponentTest {
    private final Microkernel mk = Microkernel.boot();

    @AfterEach
    void close() {
        mk.close();
    }

    /**
     * The context of a component used by bundle {@code symbolicName}: the bundle's context hands
     * out its Kernel service (a process of {@code kernel}) and ends it when the use is released,
     * as the kernel bundle's BUNDLE-scoped service does.
     */
    private static ComponentContext usedBy(Microkernel kernel, String symbolicName) {
        Kernel[] process = new Kernel[1];
        ServiceReference<?> ref = (ServiceReference<?>) Proxy.newProxyInstance(ServiceReference.class.getClassLoader(),
                new Class<?>[] {ServiceReference.class}, (proxy, method, args) -> {
                    throw new UnsupportedOperationException(method.getName());
                });
        BundleContext bc = (BundleContext) Proxy.newProxyInstance(BundleContext.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getServiceReference" -> ref;
                    case "getService" -> {
                        if (process[0] == null) {
                            process[0] = kernel.process(symbolicName);
                        }
                        yield process[0];
                    }
                    case "ungetService" -> {
                        process[0].exit();
                        yield true;
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        Bundle bundle = (Bundle) Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getSymbolicName" -> symbolicName;
                    case "getBundleId" -> 42L;
                    case "getBundleContext" -> bc;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        return (ComponentContext) Proxy.newProxyInstance(ComponentContext.class.getClassLoader(),
                new Class<?>[] {ComponentContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getUsingBundle")) {
                        return bundle;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void p2EachBundleIsAProcessWhoseMappingsGoWhenItReleasesTheService() {
        SharedMemoryComponent a = new SharedMemoryComponent(usedBy(mk, "org.example.a"));
        SharedMemoryComponent b = new SharedMemoryComponent(usedBy(mk, "org.example.b"));
        assertTrue(mk.processes().stream().map(ProcessInfo::name).toList().containsAll(
                java.util.List.of("org.example.a", "org.example.b")));
        int fd = a.shmOpen("/bundle", SharedMemory.O_RDWR | SharedMemory.O_CREAT, 0600);
        a.ftruncate(fd, 4096);
        Mapping m = a.mmap(4096, SharedMemory.PROT_READ | SharedMemory.PROT_WRITE, SharedMemory.MAP_SHARED, fd, 0);
        int fdB = b.shmOpen("/bundle", SharedMemory.O_RDWR, 0);
        a.deactivate();
        assertFalse(m.isMapped(), "the bundle's mapping went with its process");
        assertFalse(a.kernel().isAlive());
        KernelException e = assertThrows(KernelException.class, () -> a.fstat(fd));
        assertEquals(Errno.ESRCH, e.errno());
        assertEquals(4096, b.fstat(fdB).size(), "another bundle's fd is untouched");
        b.deactivate();
    }

    @Test
    void p1TheManagerComponentClosesEverythingWhenTheBundleStops() {
        SharedMemoryManagerComponent manager = new SharedMemoryManagerComponent(mk, Map.of());
        Path dir = SharedMemory.directory(mk);
        SharedMemoryComponent a = new SharedMemoryComponent(usedBy(mk, "org.example.a"));
        int fd = a.shmOpen("/stop", SharedMemory.O_RDWR | SharedMemory.O_CREAT, 0600);
        a.ftruncate(fd, 4096);
        Mapping m = a.mmap(4096, SharedMemory.PROT_READ, SharedMemory.MAP_SHARED, fd, 0);
        manager.deactivate();
        assertFalse(m.isMapped());
        assertFalse(Files.exists(dir));
        assertTrue(mk.processes().stream().noneMatch(p -> p.name().equals("shm")), "the manager process is gone");
        a.deactivate();
    }

    @Test
    void p1AForwardingMicrokernelServiceFindsTheSameSharedMemory() {
        // In OSGi the Microkernel service forwards to the kernel that processes report.
        Microkernel forwarding = (Microkernel) Proxy.newProxyInstance(Microkernel.class.getClassLoader(),
                new Class<?>[] {Microkernel.class}, (proxy, method, args) -> method.invoke(mk, args));
        SharedMemoryComponent a = new SharedMemoryComponent(usedBy(forwarding, "org.example.a"));
        a.close(a.shmOpen("/seen", SharedMemory.O_RDWR | SharedMemory.O_CREAT, 0600));
        assertEquals(SharedMemory.directory(mk), SharedMemory.directory(forwarding));
        assertEquals(java.util.List.of("/seen"), SharedMemory.list(forwarding).stream()
                .map(io.courier.shm.ShmStat::name).toList());
        assertEquals(1, mk.processes().stream().filter(p -> p.name().equals("shm")).count(), "one manager");
    }

    /** The largest object size (configuration io.courier.shm, maxSize) applies at the next ftruncate; a bad one is left out. */
    @Test
    void shouldApplyANewLargestSizeAtTheNextFtruncate() {
        SharedMemoryManagerComponent manager = new SharedMemoryManagerComponent(mk, Map.of("maxSize", "8192"));
        SharedMemoryComponent a = new SharedMemoryComponent(usedBy(mk, "org.example.a"));
        try {
            int fd = a.shmOpen("/sized", SharedMemory.O_RDWR | SharedMemory.O_CREAT, 0600);
            assertEquals(Errno.ENOMEM, assertThrows(KernelException.class, () -> a.ftruncate(fd, 16384)).errno());
            manager.modified(Map.of("maxSize", 65536L));
            a.ftruncate(fd, 16384);
            manager.modified(Map.of("maxSize", "a lot"));
            assertEquals(Errno.ENOMEM, assertThrows(KernelException.class, () -> a.ftruncate(fd, 131072)).errno(),
                    "a bad value leaves 65536 in use");
            a.ftruncate(fd, 32768);
        } finally {
            a.deactivate();
            manager.deactivate();
        }
    }

    /**
     * A new folder (dir) restarts the manager: fds of the old one close, new objects are files of
     * the new folder; a folder that cannot be made is left out and the manager stays where it is.
     */
    @Test
    void shouldRestartTheManagerOnANewFolderAndStayForABadOne(@TempDir Path tmp) throws Exception {
        SharedMemoryManagerComponent manager = new SharedMemoryManagerComponent(mk, Map.of());
        SharedMemoryComponent a = new SharedMemoryComponent(usedBy(mk, "org.example.a"));
        try {
            int old = a.shmOpen("/before", SharedMemory.O_RDWR | SharedMemory.O_CREAT, 0600);
            Path shared = tmp.resolve("shared");
            manager.modified(Map.of("dir", shared.toString()));
            assertEquals(shared, SharedMemory.directory(mk));
            assertEquals(Errno.EBADF, assertThrows(KernelException.class, () -> a.fstat(old)).errno());
            a.close(a.shmOpen("/after", SharedMemory.O_RDWR | SharedMemory.O_CREAT, 0600));
            assertTrue(Files.exists(shared.resolve("after")), "the object is a file of the new folder");

            Path file = Files.writeString(tmp.resolve("not-a-folder"), "x");
            manager.modified(Map.of("dir", file.resolve("sub").toString()));
            assertEquals(shared, SharedMemory.directory(mk), "the manager stays on the folder in use");
            a.close(a.shmOpen("/after", SharedMemory.O_RDWR, 0));
        } finally {
            a.deactivate();
            manager.deactivate();
        }
    }
}
