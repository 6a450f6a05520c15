package io.courier.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import io.courier.testing.ClassFiles;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code SharedMemory}'s static calls find their implementation through its provider type, naming no class of it. */
@Timeout(60)
class ProviderLookupTest {
    @Test
    void shouldGiveAViewOfTheProcessWithoutNamingTheImplementation() {
        assertFalse(ClassFiles.names(SharedMemory.class, "io.courier.shm.internal"));
        try (Microkernel mk = Microkernel.boot()) {
            Kernel k = mk.process("p");
            SharedMemory shm = SharedMemory.of(k);
            assertSame(k, shm.kernel());
            int fd = shm.shmOpen("/provided", SharedMemory.O_RDWR | SharedMemory.O_CREAT, 0600);
            shm.ftruncate(fd, 4096);
            assertTrue(Files.isDirectory(SharedMemory.directory(mk)));
            assertEquals(4096, SharedMemory.list(mk).stream().filter(s -> s.name().equals("/provided"))
                    .findFirst().orElseThrow().size());
            shm.close(fd);
            shm.shmUnlink("/provided");
        }
    }
}
