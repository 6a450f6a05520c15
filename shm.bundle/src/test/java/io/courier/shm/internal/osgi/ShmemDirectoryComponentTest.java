package io.courier.shm.internal.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import io.courier.resmgr.DirEntry;
import io.courier.resmgr.Resmgr;
import io.courier.resmgr.ShmemDirectory;
import io.courier.resmgr.ShmemEntry;
import io.courier.shm.SharedMemory;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** SPEC S3 and R5: /dev/shmem lists the shared memory objects through the resource managers. */
@Timeout(60)
class ShmemDirectoryComponentTest {

    @Test
    void r5DevShmemListsTheObjects() {
        try (Microkernel mk = Microkernel.boot()) {
            Kernel p = mk.process("p");
            SharedMemory shm = SharedMemory.of(p);
            int fd = shm.shmOpen("/config", SharedMemory.O_RDWR | SharedMemory.O_CREAT, 0640);
            shm.ftruncate(fd, 5000);
            ShmemDirectoryComponent dir = new ShmemDirectoryComponent(mk);
            assertEquals(List.of(new ShmemEntry("config", 8192, 0640, 0, 0)), dir.objects());
            Resmgr rm = Resmgr.of(mk.process("lister"));
            ShmemDirectory.Registration r = rm.shmemDirectoryAttach(dir);
            List<String> names = rm.readdir("/dev/shmem").stream().map(DirEntry::name).toList();
            assertTrue(names.contains("config"), names.toString());
            r.close();
            assertTrue(rm.readdir("/dev/shmem").isEmpty(), "unplugged: an empty directory");
        }
    }
}
