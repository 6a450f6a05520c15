package io.courier.console.internal;

/**
 * The HTML of a page, inside the Web Console's frame: a container the page's script fills from
 * the page's JSON (and refreshes while the page is open and visible), the script and its style
 * sheet from the bundle ({@code res/courier/}). No script or style comes from elsewhere: the
 * runtime may have no internet.
 */
public final class PageHtml {
    private PageHtml() {
    }

    /**
     * The page's content.
     *
     * @param page the page
     * @param appRoot the Web Console's root path ({@code /system/console} by default)
     */
    public static String of(Page page, String appRoot) {
        String root = escape(appRoot == null ? "" : appRoot);
        String res = root + "/" + page.label() + "/res/courier/";
        return "<link rel='stylesheet' href='" + res + "console.css'>\n"
                + "<div id='courier' class='courier' data-page='" + page.key() + "' data-json='" + root + "/"
                + page.label() + ".json' data-root='" + root + "'>\n"
                + "<noscript>This page draws its data with JavaScript; the data itself is at <a href='" + root + "/"
                + page.label() + ".json'>" + page.label() + ".json</a>.</noscript>\n"
                + "<p class='courier-status'>Loading " + escape(page.title()) + "...</p>\n"
                + "</div>\n"
                + "<script src='" + res + "console.js'></script>\n";
    }

    /** Text safe inside an HTML attribute or element. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '\'' -> sb.append("&#39;");
                case '"' -> sb.append("&quot;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
