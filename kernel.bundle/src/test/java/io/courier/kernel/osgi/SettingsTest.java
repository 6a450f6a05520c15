package io.courier.kernel.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading a bundle's settings from its configuration: defaults, typed and string values, bad values kept out. */
class SettingsTest {
    private static final String PID = "io.courier.test";

    @Test
    void shouldTakeStringValuesAsAFileGivesThem() {
        Settings s = Settings.of(PID, Map.of("n", " 42 ", "big", "8_192", "on", "TRUE", "path", " /tmp/x "));
        assertEquals(42, s.intValue("n", 1, 1, 0, 100));
        assertEquals(8192L, s.longValue("big", 0, 0, 0, Long.MAX_VALUE));
        assertTrue(s.booleanValue("on", false, false));
        assertEquals("/tmp/x", s.stringValue("path", "", ""));
        assertEquals(List.of(), s.problems());
        assertEquals(List.of("n: 1 -> 42", "big: 0 -> 8192", "on: false -> true", "path:  -> /tmp/x"), s.changes());
    }

    @Test
    void shouldTakeTypedValuesAsConfigAdminGivesThem() {
        Settings s = Settings.of(PID, Map.of("n", 42, "big", 8192L, "on", Boolean.TRUE));
        assertEquals(42, s.intValue("n", 1, 1, 0, 100));
        assertEquals(8192L, s.longValue("big", 0, 0, 0, Long.MAX_VALUE));
        assertTrue(s.booleanValue("on", false, false));
        assertEquals(List.of(), s.problems());
    }

    @Test
    void shouldTakeTheDefaultForAMissingOrBlankKey() {
        Settings s = Settings.of(PID, Map.of("blank", "  "));
        assertEquals(5, s.intValue("missing", 5, 9, 0, 10));
        assertEquals(5, s.intValue("blank", 5, 9, 0, 10));
        assertFalse(s.booleanValue("missing", false, true));
        assertEquals(List.of("missing: 9 -> 5", "blank: 9 -> 5", "missing: true -> false"), s.changes());
        assertEquals(List.of(), s.problems());
    }

    @Test
    void shouldKeepTheValueInUseAndSayWhyForABadValue() {
        Settings s = Settings.of(PID, Map.of("n", "many", "range", "101", "neg", -1, "on", "yes", "text", 12));
        assertEquals(7, s.intValue("n", 1, 7, 0, 100));
        assertEquals(7, s.intValue("range", 1, 7, 0, 100));
        assertEquals(7L, s.longValue("neg", 1, 7, 0, 100));
        assertTrue(s.booleanValue("on", false, true));
        assertEquals("kept", s.stringValue("text", "", "kept"));
        assertEquals(List.of(), s.changes());
        assertEquals(List.of(
                "n = 'many' is not a whole number from 0 to 100; n stays 7",
                "range = '101' is not a whole number from 0 to 100; range stays 7",
                "neg = '-1' is not a whole number from 0 to 100; neg stays 7",
                "on = 'yes' is not true or false; on stays true",
                "text = '12' is not a string; text stays kept"), s.problems());
    }

    @Test
    void shouldRefuseANumberTooBigForAnInt() {
        Settings s = Settings.of(PID, Map.of("n", "4294967296"));
        assertEquals(3, s.intValue("n", 1, 3, 0, Integer.MAX_VALUE));
        assertEquals(1, s.problems().size());
    }

    @Test
    void shouldNameKeysThatNoSettingHasButNotTheFrameworksOwn() {
        Settings s = Settings.of(PID, Map.of("idle.spin", "5", "idle.spins", "5", "service.pid", PID,
                "component.name", "x", "felix.fileinstall.filename", "file:/conf/x.cfg"));
        s.intValue("idle.spins", 1, 1, 0, 10);
        assertEquals(List.of("idle.spin"), s.unknownKeys());
    }
}
