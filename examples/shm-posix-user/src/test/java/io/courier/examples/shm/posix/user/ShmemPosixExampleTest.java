package io.courier.examples.shm.posix.user;

import io.courier.examples.shm.posix.creator.ShmemPosixCreator;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import io.courier.shm.SharedMemory;
import io.courier.shm.ShmStat;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The example's creator and users, embedded: SPEC S1, S2, S3, S5. */
@Timeout(60)
class ShmemPosixExampleTest {
    private Microkernel mk;

    @BeforeEach
    void boot() {
        mk = Microkernel.boot();
    }

    @AfterEach
    void close() {
        mk.close();
    }

    private static void eventually(String what, java.util.function.BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void s5UsersFollowTheCreatorsUpdatesAndCloseUnlinksTheName() throws Exception {
        List<String> a = new CopyOnWriteArrayList<>();
        List<String> b = new CopyOnWriteArrayList<>();
        // Users first: they wait for the creator.
        ShmemPosixUser ua = new ShmemPosixUser(SharedMemory.of(mk.process("user-a")), "/wally", a::add);
        ShmemPosixUser ub = new ShmemPosixUser(SharedMemory.of(mk.process("user-b")), "/wally", b::add);
        ShmemPosixCreator creator = new ShmemPosixCreator(SharedMemory.of(mk.process("creator")), "/wally",
                Duration.ofMillis(5));
        eventually("both users saw updates", () -> a.size() >= 3 && b.size() >= 3);
        assertTrue(a.get(0).startsWith("data update: "), a.toString());
        ua.close();
        ub.close();
        creator.close();
        assertTrue(SharedMemory.list(mk).isEmpty());
    }

    @Test
    void s3AUserSurvivesTheCreatorBeingKilledAndRestarted() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        ShmemPosixUser user = new ShmemPosixUser(SharedMemory.of(mk.process("user")), "/wally", seen::add);
        Kernel first = mk.process("creator");
        new ShmemPosixCreator(SharedMemory.of(first), "/wally", Duration.ofMillis(5));
        eventually("updates from the first creator", () -> seen.size() >= 2);
        first.exit();
        List<String> names = SharedMemory.list(mk).stream().map(ShmStat::name).toList();
        assertFalse(names.isEmpty(), "the killed creator left its name");
        int before = seen.size();
        ShmemPosixCreator second = new ShmemPosixCreator(SharedMemory.of(mk.process("creator")), "/wally",
                Duration.ofMillis(5));
        // At most one more update can come from the dead creator's object (one it died in).
        eventually("updates from the restarted creator", () -> seen.size() >= before + 3);
        user.close();
        second.close();
    }

    @Test
    void s3AClosingCreatorLeavesTheObjectOfTheCreatorThatReplacedItAlone() {
        ShmemPosixCreator first = new ShmemPosixCreator(SharedMemory.of(mk.process("creator-1")), "/wally",
                Duration.ofSeconds(10));
        ShmemPosixCreator second = new ShmemPosixCreator(SharedMemory.of(mk.process("creator-2")), "/wally",
                Duration.ofSeconds(10));
        first.close();
        assertEquals(List.of("/wally"), SharedMemory.list(mk).stream().map(ShmStat::name).toList(),
                "the second creator's object keeps its name");
        second.close();
        assertTrue(SharedMemory.list(mk).isEmpty());
    }

    @Test
    void s3ACreatorWhoseNameWasUnlinkedAlreadyClosesQuietly() {
        ShmemPosixCreator creator = new ShmemPosixCreator(SharedMemory.of(mk.process("creator")), "/wally",
                Duration.ofSeconds(10));
        SharedMemory.of(mk.process("admin")).shmUnlink("/wally");
        assertDoesNotThrow(creator::close, "ENOENT at close is no error: the name is gone as wanted");
    }
}
