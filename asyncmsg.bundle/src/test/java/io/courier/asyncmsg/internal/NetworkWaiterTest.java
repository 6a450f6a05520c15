package io.courier.asyncmsg.internal;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.asyncmsg.AsyncMessaging;
import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A channel made while the kernel is in no network leaves a thread waiting for one, to start the
 * gateway for other nodes (B3). When the kernel closes, that thread ends at once, even while the
 * processes are still dying: a closed kernel's {@code awaitNetwork} answers null at once, and a
 * waiter that asked again would spin until the last process was gone.
 */
@Timeout(60)
class NetworkWaiterTest {
    @Test
    void theNetworkWaiterEndsAsTheKernelClosesNotWhenItsLastProcessIsGone() throws Exception {
        Microkernel mk = Microkernel.boot();
        CountDownLatch dying = new CountDownLatch(1);
        CountDownLatch letDie = new CountDownLatch(1);
        Thread closer = null;
        try {
            Kernel server = mk.process("server");
            // Runs before the asyncmsg process's own exit hook: the system is not stopped meanwhile.
            server.atExit(() -> {
                dying.countDown();
                try {
                    letDie.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            AsyncMessaging am = AsyncMessaging.of(server);
            am.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0600, 64, 16, null, null);
            Thread waiter = AsyncSystem.networkWaiter(mk);
            assertNotNull(waiter, "a channel made outside a network waits for one");
            assertTrue(waiter.isAlive());

            closer = Thread.ofPlatform().start(mk::close);
            assertTrue(dying.await(10, TimeUnit.SECONDS), "the close reached the server's exit");
            assertTrue(waiter.join(Duration.ofSeconds(2)),
                    "the waiter ended with the kernel's close, while the server was still dying");
        } finally {
            letDie.countDown();
            if (closer == null) {
                mk.close();
            } else {
                assertTrue(closer.join(Duration.ofSeconds(20)), "the close ended");
            }
        }
    }
}
