package io.courier.kernel.internal.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.internal.MicrokernelImpl;
import io.courier.testing.Waits;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel's settings (configuration {@code io.courier.kernel}) applied to a running kernel by
 * its component: each change takes effect, a bad value is left out and the one in use stays.
 */
class KernelSettingsTest {
    private static final Duration LIMIT = Duration.ofSeconds(5);

    @Test
    void shouldDescribeTheSameDefaultsInMetatypeAsTheKernelUses() throws ReflectiveOperationException {
        KernelSettings defaults = KernelSettings.defaults();
        assertEquals(KernelConfig.class.getDeclaredMethod("idle_spins").getDefaultValue(), defaults.idleSpins());
        assertEquals(KernelConfig.class.getDeclaredMethod("idle_yields").getDefaultValue(), defaults.idleYields());
        assertEquals(KernelConfig.class.getDeclaredMethod("deadlock_detect").getDefaultValue(), defaults.detectDeadlocks());
        assertEquals(KernelConfig.class.getDeclaredMethod("trace_disable").getDefaultValue(), defaults.traceDisable());
        assertEquals(IdleStrategy.BACKOFF, defaults.idle());
        assertEquals(KernelConfig.class.getDeclaredMethod("node").getDefaultValue(), defaults.node());
        assertEquals(KernelConfig.class.getDeclaredMethod("node_root").getDefaultValue(), defaults.nodeRoot());
    }

    @Test
    void shouldJoinTheConfiguredNodeWhenTheKernelBoots(@TempDir Path root) {
        MicrokernelComponent component = new MicrokernelComponent(Map.of("node", "settings-test",
                "node.root", root.toString()));
        MicrokernelImpl mk = (MicrokernelImpl) component.kernel();
        try {
            assertEquals(ProcessHandle.current().pid(), mk.nodeSelf().pid());
            assertEquals("settings-test", mk.nodeFolder().name());
            // A change of node waits for the next boot: the kernel stays where it is.
            component.modified(Map.of("node", ""));
            assertEquals("settings-test", mk.nodeFolder().name());
        } finally {
            component.deactivate();
        }
        MicrokernelComponent alone = new MicrokernelComponent(Map.of());
        try {
            assertNull(((MicrokernelImpl) alone.kernel()).nodeSelf(), "no node configured: none joined");
        } finally {
            alone.deactivate();
        }
    }

    @Test
    void shouldBootAloneWhenTheConfiguredNodeCannotBeJoined(@TempDir Path root) {
        MicrokernelComponent component = new MicrokernelComponent(Map.of("node", "no/slashes",
                "node.root", root.toString()));
        try {
            assertNull(((MicrokernelImpl) component.kernel()).nodeSelf());
            assertEquals(1, component.process("still-works").pid());
        } finally {
            component.deactivate();
        }
    }

    @Test
    void shouldBootWithTheConfiguredSettingsAndApplyEachChange() {
        MicrokernelComponent component = new MicrokernelComponent(
                Map.of("idle.spins", "7", "idle.yields", "11", "deadlock.detect", "false"));
        MicrokernelImpl mk = (MicrokernelImpl) component.kernel();
        try {
            assertEquals(new IdleStrategy.Backoff(7, 11), mk.idleStrategy());
            assertFalse(mk.detectsDeadlocks());

            component.modified(Map.of("idle.spins", "0", "idle.yields", "0", "deadlock.detect", true));
            assertEquals(new IdleStrategy.Backoff(0, 0), mk.idleStrategy());
            assertTrue(mk.detectsDeadlocks());

            // The configuration deleted: every setting back to its default.
            component.modified(Map.of());
            assertEquals(IdleStrategy.BACKOFF, mk.idleStrategy());
        } finally {
            component.deactivate();
        }
    }

    @Test
    void shouldKeepTheSettingInUseWhenTheNewValueIsBad() {
        MicrokernelComponent component = new MicrokernelComponent(Map.of("idle.spins", "7", "deadlock.detect", "false"));
        MicrokernelImpl mk = (MicrokernelImpl) component.kernel();
        try {
            component.modified(Map.of("idle.spins", "lots", "idle.yields", "-3", "deadlock.detect", "maybe"));
            assertEquals(new IdleStrategy.Backoff(7, 500), mk.idleStrategy());
            assertFalse(mk.detectsDeadlocks());
            // The component still takes the next good value.
            component.modified(Map.of("idle.spins", "9"));
            assertEquals(new IdleStrategy.Backoff(9, 500), mk.idleStrategy());
        } finally {
            component.deactivate();
        }
    }

    @Test
    void shouldTurnTracingOffAndOnWhileTheKernelRuns() {
        boolean before = MicrokernelImpl.tracing();
        MicrokernelComponent component = new MicrokernelComponent(Map.of("trace.disable", "true"));
        try {
            assertFalse(MicrokernelImpl.tracing());
            component.modified(Map.of("trace.disable", "false"));
            assertTrue(MicrokernelImpl.tracing(), "on where the JDK has JFR (this one has)");
        } finally {
            component.deactivate();
            MicrokernelImpl.tracing(before);
        }
    }

    /** A receiver that starts a new wait after the change waits with the new strategy: it parks on it at once. */
    @Test
    void shouldWaitWithTheNewIdleStrategyFromTheNextWaitOn() throws InterruptedException {
        MicrokernelComponent component = new MicrokernelComponent(Map.of());
        MicrokernelImpl mk = (MicrokernelImpl) component.kernel();
        try {
            Kernel server = mk.process("server");
            int chid = server.channelCreate(0);
            Thread receiver = Thread.ofPlatform().daemon().start(() -> {
                ByteBuffer buf = ByteBuffer.allocate(64);
                try {
                    for (;;) {
                        server.msgReceive(chid, buf.clear(), null);
                    }
                } catch (KernelException e) {
                    // the server's death ends the loop
                }
            });
            Waits.eventually("the receiver parks with the default strategy",
                    () -> IdleStrategy.BACKOFF.equals(LockSupport.getBlocker(receiver)));

            component.modified(Map.of("idle.spins", "0", "idle.yields", "0"));
            Kernel client = mk.process("client");
            client.msgSendPulse(client.connectAttach(0, server.pid(), chid, 0, 0), 10, 1, 0);
            Waits.eventually("the receiver's next wait parks with the new strategy",
                    () -> new IdleStrategy.Backoff(0, 0).equals(LockSupport.getBlocker(receiver)));
            server.exit();
            receiver.join(LIMIT.toMillis());
            assertSame(Thread.State.TERMINATED, receiver.getState());
        } finally {
            component.deactivate();
        }
    }
}
