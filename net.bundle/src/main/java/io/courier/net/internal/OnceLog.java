package io.courier.net.internal;

import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;

/**
 * Logs a warning once per key (a kind of refusal and where it came from), so that a flood of
 * bad frames costs one line. Bounded: past {@link #MAX_KEYS} keys it says so once and stops.
 * Conductor thread only.
 */
final class OnceLog {
    static final int MAX_KEYS = 1024;
    private final Logger log;
    private final Set<String> seen = new HashSet<>();
    private boolean full;
    private long count;

    OnceLog(Logger log) {
        this.log = log;
    }

    /** Warns {@code message} (with SLF4J {@code args}) unless {@code key} was warned before. */
    void warn(String key, String message, Object... args) {
        count++;
        if (seen.contains(key)) {
            return;
        }
        if (seen.size() >= MAX_KEYS) {
            if (!full) {
                full = true;
                log.warn("more than {} kinds of refused traffic: no more are logged", MAX_KEYS);
            }
            return;
        }
        seen.add(key);
        log.warn(message, args);
    }

    /** How many refusals were reported, logged or not. */
    long count() {
        return count;
    }
}
