package io.courier.kernel;

/**
 * Signal numbers, with QNX's values ({@code <signal.h>}), and the {@code how} values of
 * {@link Kernel#signalProcmask}. Signals are numbered 1 to {@link #SIGMAX}; a signal set is a
 * 64-bit mask with bit {@code signo - 1} for each signal.
 */
public final class Signals {
    /** Hangup. */
    public static final int SIGHUP = 1;
    /** Interrupt. */
    public static final int SIGINT = 2;
    /** Quit. */
    public static final int SIGQUIT = 3;
    /** Kill: always ends the process; cannot be masked or waited for. */
    public static final int SIGKILL = 9;
    /** Termination request. */
    public static final int SIGTERM = 15;
    /** User signal 1. */
    public static final int SIGUSR1 = 16;
    /** User signal 2. */
    public static final int SIGUSR2 = 17;
    /** The first real-time signal. */
    public static final int SIGRTMIN = 41;
    /** The last real-time signal. */
    public static final int SIGRTMAX = 56;
    /** The highest signal number ({@code _SIGMAX}). */
    public static final int SIGMAX = 64;

    /** {@code SIG_BLOCK}: add the set to the mask. */
    public static final int SIG_BLOCK = 0;
    /** {@code SIG_UNBLOCK}: remove the set from the mask. */
    public static final int SIG_UNBLOCK = 1;
    /** {@code SIG_SETMASK}: the set becomes the mask. */
    public static final int SIG_SETMASK = 2;

    /** {@code SI_USER}: the code of a signal sent by {@code kill()}. */
    public static final int SI_USER = 0;

    private Signals() {
    }

    /** The set holding {@code signos}. */
    public static long set(int... signos) {
        long s = 0;
        for (int signo : signos) {
            if (signo < 1 || signo > SIGMAX) {
                throw new KernelException(Errno.EINVAL, "signal " + signo + " is outside 1.." + SIGMAX);
            }
            s |= 1L << (signo - 1);
        }
        return s;
    }

    /** Whether {@code set} holds {@code signo}. */
    public static boolean contains(long set, int signo) {
        return signo >= 1 && signo <= SIGMAX && (set & (1L << (signo - 1))) != 0;
    }
}
