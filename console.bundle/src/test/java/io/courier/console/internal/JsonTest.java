package io.courier.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SPEC B6: the pages' JSON, as scripts read it: types, order and escapes. */
class JsonTest {

    @Test
    void b6WritesMapsInOrderListsNumbersBooleansAndNull() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pid", 7);
        m.put("size", 4096L);
        m.put("open", true);
        m.put("name", null);
        m.put("names", List.of("a", "b"));
        m.put("nested", Map.of("x", 1.5));
        m.put("nan", Double.NaN);
        assertEquals("{\"pid\":7,\"size\":4096,\"open\":true,\"name\":null,\"names\":[\"a\",\"b\"],"
                + "\"nested\":{\"x\":1.5},\"nan\":null}", Json.write(m));
        assertEquals("[null,\"x\"]", Json.write(Arrays.asList(null, "x")));
        assertEquals("\"REPLY\"", Json.write(io.courier.kernel.ThreadState.REPLY));
    }

    @Test
    void b6EscapesQuotesControlCharactersAndScriptClosers() {
        assertEquals("\"a\\\"b\\\\c\\nd\\te\\u0001\"", Json.write("a\"b\\c\nd\te\u0001"));
        assertEquals("\"\\u003c/script>\"", Json.write("</script>"), "a process name cannot close a script");
        assertEquals("\"\\u2028\"", Json.write("\u2028"));
    }
}
