package io.courier.kernel.internal.osgi;

import io.courier.kernel.IdleStrategy;
import io.courier.kernel.internal.MicrokernelImpl;
import io.courier.kernel.osgi.Settings;
import io.courier.node.NodeFolder;
import java.nio.file.Path;
import java.util.Map;

/**
 * The kernel's settings in use (configuration PID {@value #PID}, described by
 * {@link KernelConfig}), and how each applies to a running kernel.
 *
 * @param idleSpins rounds a blocked call spins before it yields
 * @param idleYields rounds it yields before it parks
 * @param detectDeadlocks whether a send that would close a send cycle fails with EDEADLK (K19)
 * @param traceDisable whether kernel calls make no Flight Recorder events
 * @param node the node the kernel joins when it boots (empty: none, the kernel is alone in its JVM)
 * @param nodeRoot the folder the node folders are in
 */
record KernelSettings(int idleSpins, int idleYields, boolean detectDeadlocks, boolean traceDisable, String node,
        String nodeRoot) {
    /** The configuration PID: {@code conf/io.courier.kernel.cfg} in the runtime. */
    static final String PID = "io.courier.kernel";
    private static final int MAX_ROUNDS = 1_000_000;

    /**
     * The settings without a configuration: the default idle strategy, and the system properties
     * {@code courier.deadlock.detect}, {@code courier.trace.disable}, {@code courier.node} and
     * {@code courier.node.root}, as outside OSGi.
     */
    static KernelSettings defaults() {
        IdleStrategy.Backoff idle = (IdleStrategy.Backoff) IdleStrategy.BACKOFF;
        return new KernelSettings(idle.spins(), idle.yields(),
                Boolean.parseBoolean(System.getProperty("courier.deadlock.detect", "true")),
                Boolean.getBoolean("courier.trace.disable"),
                System.getProperty(NodeFolder.NAME_PROPERTY, "").trim(),
                System.getProperty(NodeFolder.ROOT_PROPERTY, NodeFolder.DEFAULT_ROOT).trim());
    }

    /**
     * The settings {@code properties} give, read over these (the ones in use): a missing key
     * takes its default, a value that is not valid keeps the one in use. Logs each change and
     * each bad value.
     */
    KernelSettings update(Map<String, ?> properties) {
        KernelSettings defaults = defaults();
        Settings s = Settings.of(PID, properties);
        KernelSettings next = new KernelSettings(
                s.intValue("idle.spins", defaults.idleSpins, idleSpins, 0, MAX_ROUNDS),
                s.intValue("idle.yields", defaults.idleYields, idleYields, 0, MAX_ROUNDS),
                s.booleanValue("deadlock.detect", defaults.detectDeadlocks, detectDeadlocks),
                s.booleanValue("trace.disable", defaults.traceDisable, traceDisable),
                s.stringValue("node", defaults.node, node),
                s.stringValue("node.root", defaults.nodeRoot, nodeRoot));
        s.log();
        return next;
    }

    /** The idle strategy these settings describe. */
    IdleStrategy idle() {
        return new IdleStrategy.Backoff(idleSpins, idleYields);
    }

    /** The node folder to join when the kernel boots, or null (no node named). */
    NodeFolder nodeFolder() {
        return node.isEmpty() ? null : NodeFolder.open(Path.of(nodeRoot), node);
    }

    /**
     * Applies every setting to {@code mk}: each takes effect at its next use, but the node, which
     * the kernel joins only when it boots.
     */
    void applyTo(MicrokernelImpl mk) {
        MicrokernelImpl.tracing(!traceDisable);
        mk.idleStrategy(idle());
        mk.detectDeadlocks(detectDeadlocks);
    }
}
