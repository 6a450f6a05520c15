package io.courier.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.Pulse;
import io.courier.kernel.SigEvent;
import io.courier.kernel.SigInfo;
import io.courier.kernel.Signals;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * SPEC S5: what happens when a holder dies. Robust mutexes go to the next locker with EOWNERDEAD,
 * consistent() repairs them, unlocking without it makes them ENOTRECOVERABLE; other mutexes go
 * DEAD until revived; a registered event tells of the death.
 */
class RobustMutexTest extends ShmTestSupport {

    @Test
    void s5TheNextLockerOfARobustMutexGetsEownerdeadWhenTheHoldersProcessDies() throws Exception {
        Kernel holder = mk.process("holder");
        SharedMemory h = SharedMemory.of(holder);
        ShmMutex held = create(h, "/robust", 4096).initMutex(0, ShmMutex.ROBUST);
        assertEquals(Errno.EOK, held.lock());
        holder.exit();
        ShmMutex next = open(shm("next"), "/robust", 4096).mutex(0);
        assertEquals(Errno.EOWNERDEAD, next.lock());
        next.consistent();
        next.unlock();
        ShmMutex third = open(shm("third"), "/robust", 4096).mutex(0);
        assertEquals(Errno.EOK, third.lock(), "repaired: an ordinary mutex again");
        third.unlock();
    }

    @Test
    void s5AWaiterGetsEownerdeadWhenTheHolderDiesWhileItWaits() throws Exception {
        Kernel holder = mk.process("holder");
        ShmMutex held = create(SharedMemory.of(holder), "/robust-wait", 4096).initMutex(0, ShmMutex.ROBUST);
        held.lock();
        ShmMutex next = open(shm("next"), "/robust-wait", 4096).mutex(0);
        var waiting = async(next::lock);
        Thread.sleep(30);
        holder.exit();
        assertEquals(Errno.EOWNERDEAD, await(waiting));
    }

    @Test
    void s5UnlockingWithoutConsistentMakesTheMutexNotRecoverable() throws Exception {
        Kernel holder = mk.process("holder");
        create(SharedMemory.of(holder), "/nr", 4096).initMutex(0, ShmMutex.ROBUST).lock();
        holder.exit();
        Mapping m = open(shm("next"), "/nr", 4096);
        ShmMutex next = m.mutex(0);
        assertEquals(Errno.EOWNERDEAD, next.lock());
        next.unlock();
        fails(Errno.ENOTRECOVERABLE, next::lock);
        fails(Errno.ENOTRECOVERABLE, next::tryLock);
        fails(Errno.EINVAL, next::consistent);
        m.initMutex(0, ShmMutex.ROBUST);
        assertEquals(Errno.EOK, next.lock(), "initialising it again is the way back");
    }

    @Test
    void s5ARobustMutexWhoseHoldingThreadEndsGoesToTheNextLocker() throws Exception {
        SharedMemory a = shm("a");
        ShmMutex m = create(a, "/thread", 4096).initMutex(0, ShmMutex.ROBUST);
        Thread t = Thread.ofPlatform().start(() -> m.lock());
        t.join(WAIT.toMillis());
        assertEquals(Errno.EOWNERDEAD, m.lock(), "the holding thread ended; the process lives on");
        m.consistent();
        m.unlock();
    }

    @Test
    void s5TryLockTakesOverFromADeadHolderToo() {
        Kernel holder = mk.process("holder");
        create(SharedMemory.of(holder), "/try", 4096).initMutex(0, ShmMutex.ROBUST).lock();
        holder.exit();
        ShmMutex next = open(shm("next"), "/try", 4096).mutex(0);
        assertEquals(Errno.EOWNERDEAD, next.tryLock());
    }

    @Test
    void s5ConsistentIsOnlyForTheHolderOfAnInconsistentRobustMutex() {
        Mapping m = create(shm("a"), "/cons", 4096);
        ShmMutex plain = m.initMutex(0, 0);
        plain.lock();
        fails(Errno.EINVAL, plain::consistent);
        ShmMutex robust = m.initMutex(64, ShmMutex.ROBUST);
        fails(Errno.EINVAL, robust::consistent);
        robust.lock();
        fails(Errno.EINVAL, robust::consistent);
    }

    @Test
    void s5ANonRobustMutexGoesDeadWhenItsHolderDiesAndReviveTakesIt() throws Exception {
        Kernel holder = mk.process("holder");
        create(SharedMemory.of(holder), "/dead", 4096).initMutex(0, 0).lock();
        holder.exit();
        Mapping m = open(shm("next"), "/dead", 4096);
        ShmMutex next = m.mutex(0);
        fails(Errno.EINVAL, next::lock);
        assertEquals(SyncLayout.OWNER_DEAD, m.segment().get(ValueLayout.JAVA_LONG, SyncLayout.MUTEX_OWNER));
        next.revive();
        fails(Errno.EDEADLK, next::lock);
        next.unlock();
        assertEquals(Errno.EOK, next.lock());
        next.unlock();
        fails(Errno.EINVAL, next::revive);
    }

    @Test
    void s5AnEventIsDeliveredWhenAMutexGoesDead() throws Exception {
        Kernel watcher = mk.process("watcher");
        int chid = watcher.channelCreate(io.courier.kernel.ChannelFlags.PRIVATE);
        int coid = watcher.connectAttach(0, watcher.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        Mapping wm = create(SharedMemory.of(watcher), "/event", 4096);
        ShmMutex watched = wm.initMutex(0, 0);
        watched.event(SigEvent.pulse(coid, 10, 5, 0xDEAD));
        Kernel holder = mk.process("holder");
        ShmMutex viaHolder = open(SharedMemory.of(holder), "/event", 4096).mutex(0);
        viaHolder.lock();
        holder.exit();
        Pulse p = watcher.msgReceivePulse(chid, WAIT);
        assertEquals(5, p.code());
        assertEquals(0xDEAD, p.value());
        watched.revive();
        watched.unlock();
    }

    @Test
    void s5TheWatchdogNoticesAHolderThreadEndingAndTellsOnce() throws Exception {
        Kernel watcher = mk.process("watcher");
        int chid = watcher.channelCreate(io.courier.kernel.ChannelFlags.PRIVATE);
        int coid = watcher.connectAttach(0, watcher.pid(), chid, Kernel.SIDE_CHANNEL, 0);
        ShmMutex m = create(SharedMemory.of(watcher), "/dog", 4096).initMutex(0, ShmMutex.ROBUST);
        m.event(SigEvent.pulse(coid, 0, 1, 7));
        Thread t = Thread.ofPlatform().start(() -> m.lock());
        t.join(WAIT.toMillis());
        Pulse p = watcher.msgReceivePulse(chid, WAIT);
        assertEquals(1, p.code());
        assertEquals(1, p.priority(), "priority 0 becomes 1");
        fails(Errno.ETIMEDOUT, () -> watcher.msgReceivePulse(chid, Duration.ofMillis(100)));
        assertEquals(Errno.EOWNERDEAD, m.lock());
        m.event(null);
    }

    @Test
    void s5AnyEventTypeIsDeliveredAsTheKernelDeliversItAndBadOnesFailAtOnce() throws Exception {
        Kernel watcher = mk.process("watcher");
        Kernel holder = mk.process("holder");
        ShmMutex watched = create(SharedMemory.of(watcher), "/types", 4096).initMutex(0, ShmMutex.ROBUST);
        fails(Errno.EINVAL, () -> watched.event(SigEvent.signal(0, 0)));
        fails(Errno.EBADF, () -> watched.event(SigEvent.pulse(4242, 10, 1, 1)));
        watched.event(SigEvent.signal(Signals.SIGUSR1, 0xDEAD));
        ShmMutex held = open(SharedMemory.of(holder), "/types", 4096).mutex(0);
        held.lock();
        holder.exit();
        SigInfo si = watcher.signalWaitinfo(Signals.set(Signals.SIGUSR1), WAIT);
        assertEquals(0xDEAD, si.value(), "the dead-mutex event came as a signal");
        assertEquals(Errno.EOWNERDEAD, watched.lock());
        watched.consistent();
        watched.unlock();
        watched.event(SigEvent.none());
        watched.event(null);
    }
}
