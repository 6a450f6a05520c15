package io.courier.kernel.osgi;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settings of one Courier bundle as its configuration gives them (a ConfigAdmin
 * configuration of the bundle's PID, handed over by Declarative Services), read one by one:
 * <ul>
 * <li>a key that is missing takes its default (which the caller takes from the system property
 *     of the same setting where there is one, as outside OSGi);
 * <li>a value that is not valid keeps the value in use, and is reported with its key, what was
 *     given and what was expected: a bad value never stops a component;
 * <li>every change from the value in use is reported too.
 * </ul>
 * Values may be strings (a {@code .cfg} file) or typed (a {@code .config} file, or ConfigAdmin
 * from code). {@link #log()} writes the reports under the logger named after the PID
 * ({@code io.courier.kernel} for the kernel bundle), whose level the runtime's
 * {@code logback.xml} sets per bundle.
 *
 * <pre>
 * Settings s = Settings.of("io.courier.kernel", properties);
 * int spins = s.intValue("idle.spins", 200, current.spins(), 0, 1_000_000);
 * s.log();
 * </pre>
 */
@ProviderType
public final class Settings {
    private final String pid;
    private final Map<String, ?> properties;
    private final Set<String> read = new HashSet<>();
    private final List<String> changes = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    private Settings(String pid, Map<String, ?> properties) {
        this.pid = Objects.requireNonNull(pid, "pid");
        this.properties = properties == null ? Map.of() : properties;
    }

    /** The settings of {@code pid} in {@code properties} (the component's properties; null for none). */
    public static Settings of(String pid, Map<String, ?> properties) {
        return new Settings(pid, properties);
    }

    /**
     * A whole number from {@code min} to {@code max}: {@code defaultValue} when the key is
     * missing, {@code current} when its value is not valid.
     */
    public int intValue(String key, int defaultValue, int current, int min, int max) {
        return (int) longValue(key, defaultValue, current, min, max);
    }

    /**
     * A whole number from {@code min} to {@code max}: {@code defaultValue} when the key is
     * missing, {@code current} when its value is not valid.
     */
    public long longValue(String key, long defaultValue, long current, long min, long max) {
        Object raw = raw(key);
        long value = defaultValue;
        if (raw != null) {
            Long parsed = raw instanceof Integer || raw instanceof Long || raw instanceof Short || raw instanceof Byte
                    ? Long.valueOf(((Number) raw).longValue()) : parseLong(raw.toString());
            if (parsed == null || parsed < min || parsed > max) {
                return bad(key, raw, "a whole number from " + min + " to " + max, current);
            }
            value = parsed;
        }
        return changed(key, current, value);
    }

    /** {@code true} or {@code false}: {@code defaultValue} when the key is missing, {@code current} when its value is neither. */
    public boolean booleanValue(String key, boolean defaultValue, boolean current) {
        Object raw = raw(key);
        boolean value = defaultValue;
        if (raw instanceof Boolean b) {
            value = b;
        } else if (raw != null) {
            String text = raw.toString().trim().toLowerCase(Locale.ROOT);
            if (!text.equals("true") && !text.equals("false")) {
                return bad(key, raw, "true or false", current);
            }
            value = text.equals("true");
        }
        return changed(key, current, value);
    }

    /**
     * A string, trimmed: {@code defaultValue} when the key is missing, {@code current} when its
     * value is not a string.
     */
    public String stringValue(String key, String defaultValue, String current) {
        Object raw = raw(key);
        String value = defaultValue;
        if (raw instanceof String text) {
            value = text.trim();
        } else if (raw != null) {
            return bad(key, raw, "a string", current);
        }
        return changed(key, current, value);
    }

    /** What changed from the values in use, one line each ({@code key: old -> new}). */
    public List<String> changes() {
        return List.copyOf(changes);
    }

    /** The values that were not valid and were left alone, one line each. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /**
     * The keys of the configuration that no setting read so far has (a misspelt name, most
     * likely), leaving out those that ConfigAdmin, Declarative Services and FileInstall add.
     */
    public List<String> unknownKeys() {
        return properties.keySet().stream().filter(key -> !read.contains(key) && !isFrameworkKey(key)).sorted().toList();
    }

    /**
     * Logs each change at INFO, and each value that was not valid and each
     * {@linkplain #unknownKeys() unknown key} at WARN.
     */
    public void log() {
        Logger log = LoggerFactory.getLogger(pid);
        for (String change : changes) {
            log.info("{}: {}", pid, change);
        }
        for (String problem : problems) {
            log.warn("{}: {}", pid, problem);
        }
        for (String key : unknownKeys()) {
            log.warn("{}: no setting is named {} (ignored)", pid, key);
        }
    }

    /** Keys that ConfigAdmin, Declarative Services or FileInstall add to every configuration. */
    private static boolean isFrameworkKey(String key) {
        return key.startsWith("service.") || key.startsWith("component.") || key.startsWith("felix.")
                || key.startsWith("osgi.") || key.startsWith(".");
    }

    private Object raw(String key) {
        read.add(key);
        Object raw = properties.get(key);
        return raw instanceof String text && text.isBlank() ? null : raw;
    }

    private <T> T bad(String key, Object raw, String expected, T current) {
        problems.add(key + " = '" + raw + "' is not " + expected + "; " + key + " stays " + current);
        return current;
    }

    private <T> T changed(String key, T current, T value) {
        if (!value.equals(current)) {
            changes.add(key + ": " + current + " -> " + value);
        }
        return value;
    }

    private static Long parseLong(String text) {
        try {
            return Long.valueOf(text.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
