package io.courier.kernel.internal.osgi;

import io.courier.kernel.ConnectionInfo;
import io.courier.kernel.Credentials;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.kernel.NameInfo;
import io.courier.kernel.ProcessInfo;
import io.courier.kernel.SendCycle;
import io.courier.kernel.SendInfo;
import io.courier.kernel.internal.MicrokernelImpl;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The system of an OSGi runtime: boots the kernel when the kernel bundle starts, registers it as
 * the {@link Microkernel} service and closes it when the bundle stops.
 *
 * <p>Its settings come from the configuration {@value KernelSettings#PID} (described by
 * {@link KernelConfig}): each change applies to the running kernel ({@link #modified}), so a
 * configuration never restarts the component, and a bad value is logged and left alone.
 *
 * <p>Immediate, because a delayed component would be deactivated, and every process killed,
 * whenever its last user let go of the service.
 *
 * <p>SPEC P1.
 */
@Component(service = Microkernel.class, immediate = true, configurationPid = KernelSettings.PID)
@Designate(ocd = KernelConfig.class)
public final class MicrokernelComponent implements Microkernel {
    private static final Logger LOG = LoggerFactory.getLogger(MicrokernelComponent.class);

    private final MicrokernelImpl microkernel;
    /** The settings in use; SCR calls activation and {@link #modified} one at a time. */
    private KernelSettings settings;

    /** Boots the kernel with the settings of its configuration. */
    @Activate
    public MicrokernelComponent(Map<String, Object> properties) {
        settings = KernelSettings.defaults().update(properties);
        microkernel = boot(settings);
        settings.applyTo(microkernel);
        LOG.info("Courier kernel booted{}", settings.node().isEmpty() ? "" : " in node " + settings.node());
    }

    /**
     * A kernel in the configured node; one alone in its JVM, with an error logged, when the node
     * cannot be joined (a bad name, a folder not ours, every member slot taken): the runtime's
     * bundles still get their kernel.
     */
    private static MicrokernelImpl boot(KernelSettings settings) {
        try {
            return new MicrokernelImpl(settings.idle(), settings.nodeFolder());
        } catch (RuntimeException e) {
            LOG.error("cannot join node '{}' under {}: the kernel boots alone in its JVM", settings.node(),
                    settings.nodeRoot(), e);
            return new MicrokernelImpl(settings.idle());
        }
    }

    /** A new configuration: each setting takes effect at its next use. */
    @Modified
    void modified(Map<String, Object> properties) {
        KernelSettings before = settings;
        settings = settings.update(properties);
        settings.applyTo(microkernel);
        if (!settings.node().equals(before.node()) || !settings.nodeRoot().equals(before.nodeRoot())) {
            LOG.warn("the kernel's node is now '{}' under {}: it joins it when the kernel bundle restarts"
                    + " (it stays in '{}' until then)", settings.node(), settings.nodeRoot(), before.node());
        }
    }

    /** The kernel itself, for the other components of this bundle. */
    Microkernel kernel() {
        return microkernel;
    }

    @Deactivate
    void deactivate() {
        microkernel.close();
        LOG.info("Courier kernel closed");
    }

    @Override
    public Kernel process(String name) {
        return microkernel.process(name);
    }

    @Override
    public Kernel process(String name, Credentials credentials) {
        return microkernel.process(name, credentials);
    }

    @Override
    public Optional<Kernel> process(int pid) {
        return microkernel.process(pid);
    }

    @Override
    public List<ProcessInfo> processes() {
        return microkernel.processes();
    }

    @Override
    public List<NameInfo> names() {
        return microkernel.names();
    }

    @Override
    public List<ConnectionInfo> connections() {
        return microkernel.connections();
    }

    @Override
    public List<SendInfo> sends() {
        return microkernel.sends();
    }

    @Override
    public List<SendCycle> sendCycles() {
        return microkernel.sendCycles();
    }

    @Override
    public List<io.courier.kernel.NodeProcessInfo> nodeProcesses() {
        return microkernel.nodeProcesses();
    }

    @Override
    public List<ProcessInfo> processes(int nd) {
        return microkernel.processes(nd);
    }

    @Override
    public io.courier.node.NodeFolder nodeFolder() {
        return microkernel.nodeFolder();
    }

    @Override
    public io.courier.node.Member nodeSelf() {
        return microkernel.nodeSelf();
    }

    @Override
    public io.courier.node.Member nodeMember(int pid) {
        return microkernel.nodeMember(pid);
    }

    @Override
    public List<io.courier.node.Member> nodeMembers() {
        return microkernel.nodeMembers();
    }

    @Override
    public int nodeMemberOf(int pid) {
        return microkernel.nodeMemberOf(pid);
    }

    @Override
    public int nodeSlot() {
        return microkernel.nodeSlot();
    }

    @Override
    public void joinNetwork(io.courier.node.Network net) {
        microkernel.joinNetwork(net);
    }

    @Override
    public io.courier.node.Network network() {
        return microkernel.network();
    }

    @Override
    public void leaveNetwork(io.courier.node.Network net) {
        microkernel.leaveNetwork(net);
    }

    @Override
    public io.courier.node.Network awaitNetwork(java.time.Duration timeout) throws InterruptedException {
        return microkernel.awaitNetwork(timeout);
    }

    @Override
    public List<io.courier.kernel.NameInfo> globalNames(int nd) {
        return microkernel.globalNames(nd);
    }

    @Override
    public List<io.courier.kernel.NameInfo> globalNamesKnown(int nd) {
        return microkernel.globalNamesKnown(nd);
    }

    /**
     * Refused: the kernel bundle owns the system's life, and one user of the service must not
     * kill every other user's processes.
     *
     * @throws KernelException EPERM always
     */
    @Override
    public boolean isClosed() {
        return microkernel.isClosed();
    }

    @Override
    public void close() {
        throw new KernelException(Errno.EPERM, "the Microkernel service closes when the kernel bundle stops");
    }
}
