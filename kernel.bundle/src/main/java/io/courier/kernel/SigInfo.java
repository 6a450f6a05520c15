package io.courier.kernel;

/**
 * A received signal ({@code siginfo_t}).
 *
 * @param signo the signal number
 * @param code the signal code ({@link Signals#SI_USER} for {@code signalKill}, or the event's code)
 * @param value the value
 * @param pid the process that sent it
 */
public record SigInfo(int signo, int code, long value, int pid) {
}
