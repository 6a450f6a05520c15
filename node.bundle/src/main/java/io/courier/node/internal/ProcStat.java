package io.courier.node.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code /proc/<pid>/stat} says of a process: whether it lives, and when it started (field
 * 22, {@code starttime}, in clock ticks since boot). A pid and its start time together name one
 * process for as long as the machine runs: when the OS reuses a pid, the start time differs.
 */
public final class ProcStat {
    /** Returned when the process is gone (no such pid, a zombie, or unreadable). */
    public static final long GONE = -1;

    private ProcStat() {
    }

    /** The start time of process {@code pid}, or {@link #GONE}. */
    public static long startTime(long pid) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            return GONE;
        }
        byte[] b;
        try {
            b = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException e) {
            return GONE;
        }
        return parseStartTime(new String(b, StandardCharsets.US_ASCII));
    }

    /** Field 22 of a stat line, or {@link #GONE} for a zombie or dead process or a line that does not parse. */
    static long parseStartTime(String stat) {
        // Field 2, the command, is in parentheses and may hold spaces and parentheses: count after the last ')'.
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 > stat.length()) {
            return GONE;
        }
        String[] f = stat.substring(close + 2).trim().split(" ");
        // f[0] is field 3 (state), so field n is f[n - 3].
        if (f.length < 20 || f[0].isEmpty()) {
            return GONE;
        }
        char state = f[0].charAt(0);
        if (state == 'Z' || state == 'X' || state == 'x') {
            return GONE;
        }
        try {
            return Long.parseLong(f[22 - 3]);
        } catch (NumberFormatException e) {
            return GONE;
        }
    }

    /** Whether process {@code pid} lives and started at {@code startTime}. */
    public static boolean isAlive(long pid, long startTime) {
        long st = startTime(pid);
        return st != GONE && st == startTime;
    }
}
