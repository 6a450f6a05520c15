package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link NameStandby}, a server's hot standby for a name another process holds (SPEC K14's names;
 * beyond QNX): attached at once when free; else standing by until the holder detaches it or
 * dies, then attached and reached by clients that open the name again; closed while standing
 * by or holding; bad input refused with EINVAL.
 */
@Timeout(30)
class NameStandbyTest extends KernelTestSupport {
    private static final String NAME = "standby";
    private static final Duration RETRY = Duration.ofMillis(20);

    private int holder() {
        return mk.names().stream().filter(n -> n.name().equals(NAME)).mapToInt(NameInfo::pid).findFirst().orElse(-1);
    }

    @Test
    void k14AFreeNameIsAttachedAtOnce() throws Exception {
        Kernel k = mk.process("first");
        try (NameStandby s = NameStandby.attach(k, NAME, 0, RETRY)) {
            assertFalse(s.stoodBy());
            assertFalse(s.standingBy());
            NameAttach a = s.attached();
            assertNotNull(a);
            assertSame(a, s.await());
            assertEquals(k.pid(), holder());
        }
        assertEquals(-1, holder(), "the close detached the name");
    }

    @Test
    void k14ATakenNameIsStoodByAndTakenOverWhenItsHolderDetachesIt() throws Exception {
        Kernel first = mk.process("first");
        NameAttach held = first.nameAttach(NAME, 0);
        Kernel second = mk.process("second");
        try (NameStandby s = NameStandby.attach(second, NAME, 0, RETRY)) {
            assertTrue(s.stoodBy());
            assertTrue(s.standingBy());
            assertNull(s.attached());
            Future<NameAttach> waiting = async(s::await);
            Thread.sleep(5 * RETRY.toMillis());
            assertFalse(waiting.isDone(), "the standby waits while the name is held");
            assertEquals(first.pid(), holder());

            first.nameDetach(held);
            NameAttach taken = waiting.get(5, TimeUnit.SECONDS);
            assertNotNull(taken);
            assertEquals(second.pid(), holder());
            assertFalse(s.standingBy());
            assertSame(taken, s.attached());

            // A client that opens the name reaches the new holder.
            Kernel client = mk.process("client");
            Future<Long> served = async(() -> {
                ByteBuffer in = ByteBuffer.allocate(64);
                for (;;) {
                    in.clear();
                    long rcvid = second.msgReceive(taken.chid(), in, null);
                    if (rcvid == 0) {
                        continue; // a pulse
                    }
                    if (IoConnectLayout.type(in.duplicate().flip()) == IoMsg.IO_CONNECT) {
                        second.msgReply(rcvid, 0, null);
                        continue;
                    }
                    second.msgReply(rcvid, 7, null);
                    return rcvid;
                }
            });
            int coid = client.nameOpen(NAME, 0);
            assertEquals(7, client.msgSend(coid, text("hello"), ByteBuffer.allocate(8)));
            await(served);
        }
        assertEquals(-1, holder(), "the close detached the name it took over");
    }

    @Test
    void k14ATakenNameIsTakenOverWhenItsHolderDies() throws Exception {
        Kernel first = mk.process("first");
        first.nameAttach(NAME, 0);
        Kernel second = mk.process("second");
        try (NameStandby s = NameStandby.attach(second, NAME, 0, RETRY)) {
            Future<NameAttach> waiting = async(s::await);
            first.exit();
            NameAttach taken = waiting.get(5, TimeUnit.SECONDS);
            assertNotNull(taken);
            assertEquals(second.pid(), holder());
        }
    }

    @Test
    void k14AStandbyClosedWhileItWaitsEndsItsWaitWithNullAndNeverTakesTheName() throws Exception {
        Kernel first = mk.process("first");
        NameAttach held = first.nameAttach(NAME, 0);
        Kernel second = mk.process("second");
        NameStandby s = NameStandby.attach(second, NAME, 0, Duration.ofSeconds(60));
        Future<NameAttach> waiting = async(s::await);
        Thread.sleep(50);
        long t0 = System.nanoTime();
        s.close();
        assertNull(waiting.get(5, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "the close ended the wait, not the retry");
        assertFalse(s.standingBy());
        assertNull(s.await(), "a closed standby waits for nothing");
        s.close(); // twice: nothing
        first.nameDetach(held);
        Thread.sleep(100);
        assertEquals(-1, holder(), "a closed standby never takes the name");
    }

    @Test
    void k14AStandbyWhoseProcessDiesFailsItsWaitWithEsrch() throws Exception {
        Kernel first = mk.process("first");
        first.nameAttach(NAME, 0);
        Kernel second = mk.process("second");
        try (NameStandby s = NameStandby.attach(second, NAME, 0, RETRY)) {
            Future<NameAttach> waiting = async(s::await);
            second.exit();
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> waiting.get(5, TimeUnit.SECONDS));
            KernelException cause = (KernelException) e.getCause();
            assertEquals(Errno.ESRCH, cause.errno(), cause.getMessage());
        }
        assertEquals(first.pid(), holder());
    }

    @Test
    void k14BadInputIsRefusedWithEinval() {
        Kernel k = mk.process("k");
        fails(Errno.EINVAL, () -> NameStandby.attach(k, NAME, 0, Duration.ZERO));
        fails(Errno.EINVAL, () -> NameStandby.attach(k, NAME, 0, Duration.ofMillis(-1)));
        fails(Errno.EINVAL, () -> NameStandby.attach(k, NAME, 0, null));
        fails(Errno.EINVAL, () -> NameStandby.attach(null, NAME, 0, RETRY));
        fails(Errno.EINVAL, () -> NameStandby.attach(k, "", 0, RETRY));
        fails(Errno.EINVAL, () -> NameStandby.attach(k, "a/b", 0, RETRY));
        assertEquals(List.of(), mk.names().stream().filter(n -> n.pid() == k.pid()).toList());
    }
}
