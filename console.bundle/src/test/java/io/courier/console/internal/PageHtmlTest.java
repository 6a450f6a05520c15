package io.courier.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import org.junit.jupiter.api.Test;

/** SPEC B6: each page's frame names its JSON and its script, from the bundle only. */
class PageHtmlTest {

    @Test
    void b6PageNamesItsJsonAndItsOwnScript() {
        String html = PageHtml.of(Page.SENDS, "/system/console");
        assertTrue(html.contains("data-page='sends'"), html);
        assertTrue(html.contains("data-json='/system/console/courier-sends.json'"), html);
        assertTrue(html.contains("<script src='/system/console/courier-sends/res/courier/console.js'>"), html);
        assertFalse(html.contains("http"), "nothing from elsewhere: " + html);
        assertTrue(Page.class.getResource("/res/courier/console.js") != null, "the script is in the bundle");
        assertTrue(Page.class.getResource("/res/courier/console.css") != null, "the style sheet is in the bundle");
    }

    @Test
    void b6RootIsEscapedAndLabelsAreUnique() {
        String html = PageHtml.of(Page.NAMES, "/x'><script>");
        assertFalse(html.contains("/x'><script>"), html);
        assertTrue(html.contains("/x&#39;&gt;&lt;script&gt;"), html);
        assertEquals(Page.values().length,
                new HashSet<>(Arrays.stream(Page.values()).map(Page::label).toList()).size());
        for (Page p : Page.values()) {
            assertTrue(p.label().startsWith("courier-"), p.label());
        }
    }
}
