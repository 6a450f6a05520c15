package io.courier.kernel.internal.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The kernel's settings (configuration PID {@code io.courier.kernel}), as the Metatype service
 * describes them: in the runtime, {@code conf/io.courier.kernel.cfg}. Every one takes effect
 * while the kernel runs, but the node, joined when the kernel boots; {@link KernelSettings} reads them.
 */
@ObjectClassDefinition(id = KernelSettings.PID, name = "Courier kernel",
        description = "How blocked kernel calls wait, send-cycle detection, Flight Recorder tracing and the node joined."
                + " Each change takes effect while the kernel runs; a value that is not valid is logged"
                + " and the value in use stays.")
@interface KernelConfig {
    /** See {@link KernelSettings#idleSpins()}. */
    @AttributeDefinition(name = "Idle spins", min = "0", max = "1000000",
            description = "Rounds a blocked call spins (Thread.onSpinWait) before it yields; 0 with idle.yields 0"
                    + " parks at once. Takes effect at each thread's next wait.")
    int idle_spins() default 200;

    /** See {@link KernelSettings#idleYields()}. */
    @AttributeDefinition(name = "Idle yields", min = "0", max = "1000000",
            description = "Rounds a blocked call yields (Thread.yield) after spinning, before it parks."
                    + " Takes effect at each thread's next wait.")
    int idle_yields() default 500;

    /** See {@link KernelSettings#detectDeadlocks()}. */
    @AttributeDefinition(name = "Deadlock detection",
            description = "Refuse a send that would close a cycle of SEND- and REPLY-blocked threads with EDEADLK"
                    + " (SPEC K19). Default: the system property courier.deadlock.detect, else true."
                    + " Takes effect at the next send.")
    boolean deadlock_detect() default true;

    /** See {@link KernelSettings#traceDisable()}. */
    @AttributeDefinition(name = "Tracing off",
            description = "true: kernel calls make no Flight Recorder events at all (not even the check for a"
                    + " recording). Default: the system property courier.trace.disable, else false."
                    + " Takes effect at the next kernel calls.")
    boolean trace_disable() default false;

    /** See {@link KernelSettings#node()}. */
    @AttributeDefinition(name = "Node", required = false,
            description = "The node of this machine the kernel joins (its JVMs share one pid space and name space):"
                    + " 1-64 of [A-Za-z0-9._-]. Empty: the kernel joins no node and is alone in its JVM."
                    + " Default: the system property courier.node, else empty. Read when the kernel boots:"
                    + " a change takes effect when the kernel bundle restarts.")
    String node() default "";

    /** See {@link KernelSettings#nodeRoot()}. */
    @AttributeDefinition(name = "Node root", required = false,
            description = "The folder the node folders are in (courier-<user>-<node>). Default: the system"
                    + " property courier.node.root, else /dev/shm. Read when the kernel boots.")
    String node_root() default "/dev/shm";
}
