package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.testing.Waits;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The one idle strategy every Courier wait uses (STYLE 9): rounds, parks and deadlines. */
@Timeout(60)
class IdleStrategyTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void shouldParkFromTheRoundAfterItsSpinsAndYields() {
        assertEquals(700, IdleStrategy.BACKOFF.parkRound());
        assertEquals(0, IdleStrategy.PARK.parkRound());
        assertEquals(72, new IdleStrategy.Backoff(64, 8, 2_000, 1_000_000).parkRound());
    }

    @Test
    void shouldNeverParkPastTheDeadline() {
        IdleStrategy untimed = new IdleStrategy.Backoff(0, 0);
        IdleStrategy longParks = new IdleStrategy.Backoff(0, 0, 10 * SECOND, 10 * SECOND);
        for (IdleStrategy idle : new IdleStrategy[] {untimed, longParks}) {
            long start = System.nanoTime();
            idle.idle(0, IdleStrategy.deadlineIn(1_000_000));
            assertTrue(System.nanoTime() - start < 5 * SECOND, idle + " parked past its deadline");
        }
    }

    @Test
    void shouldEndAnUntimedParkWhenUnparked() throws Exception {
        CountDownLatch parked = new CountDownLatch(1);
        Thread waiter = Thread.ofVirtual().start(() -> {
            parked.countDown();
            IdleStrategy.PARK.idle(0, IdleStrategy.NO_DEADLINE);
        });
        assertTrue(parked.await(Waits.WAIT.toMillis(), TimeUnit.MILLISECONDS));
        Waits.eventually("the waiter ends once unparked", () -> {
            LockSupport.unpark(waiter);
            return !waiter.isAlive();
        });
    }

    @Test
    void shouldTellDeadlinesThatPassedFromNone() {
        assertEquals(IdleStrategy.NO_DEADLINE, IdleStrategy.deadlineIn(Long.MAX_VALUE));
        assertFalse(IdleStrategy.passed(IdleStrategy.NO_DEADLINE));
        assertTrue(IdleStrategy.passed(IdleStrategy.deadlineIn(0)));
        assertFalse(IdleStrategy.passed(IdleStrategy.deadlineIn(3600 * SECOND)));
    }

    @Test
    void shouldRejectBadBackoffsWithEinval() {
        for (long[] bad : new long[][] {{-1, 0, 0, 0}, {0, -1, 0, 0}, {0, 0, 0, 1_000}, {0, 0, 2_000, 1_000},
                {0, 0, -1, 0}}) {
            KernelException e = assertThrows(KernelException.class,
                    () -> new IdleStrategy.Backoff((int) bad[0], (int) bad[1], bad[2], bad[3]));
            assertEquals(Errno.EINVAL, e.errno());
        }
    }
}
