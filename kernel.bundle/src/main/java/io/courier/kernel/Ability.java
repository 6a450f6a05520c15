package io.courier.kernel;

/** The process-manager abilities ({@code PROCMGR_AID_*}) Courier checks. */
public enum Ability {
    /** {@code PROCMGR_AID_PUBLIC_CHANNEL}: create channels other processes can connect to. */
    PUBLIC_CHANNEL,
    /** {@code PROCMGR_AID_CONNECTION}: attach to channels of processes with other credentials. */
    CONNECTION,
    /** {@code PROCMGR_AID_SIGNAL}: send signals and pulses to processes with other credentials. */
    SIGNAL,
    /**
     * {@code PROCMGR_AID_PRIORITY}: receive event pulses above the non-privileged range
     * ({@link Kernel#PRIORITY_UNPRIVILEGED_MAX}).
     */
    PRIORITY
}
