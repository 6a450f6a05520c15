package io.courier.console.internal.osgi;

import io.courier.console.internal.Json;
import io.courier.console.internal.Page;
import io.courier.console.internal.PageHtml;
import io.courier.console.internal.SystemView;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * One page as a Web Console plugin. The Web Console calls it for {@code <label>} (HTML: it
 * wraps the content in its frame and login) and for {@code <label>.json} (the data, as is).
 * Only GET: the pages change nothing, and any other method is refused (405).
 */
final class PageServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    /** The request attribute holding the Web Console's root path. */
    static final String APP_ROOT = "felix.webconsole.appRoot";

    private final Page page;
    private final transient SystemView view;

    PageServlet(Page page, SystemView view) {
        this.page = page;
        this.view = view;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        noCache(resp);
        if (req.getRequestURI().endsWith(".json")) {
            Map<String, String> params = new HashMap<>();
            req.getParameterMap().forEach((k, v) -> params.put(k, v.length == 0 ? "" : v[0]));
            resp.setContentType("application/json");
            resp.setCharacterEncoding(StandardCharsets.UTF_8.name());
            resp.getWriter().write(Json.write(view.data(page, params)));
            return;
        }
        Object root = req.getAttribute(APP_ROOT);
        resp.getWriter().write(PageHtml.of(page, root == null ? req.getContextPath() + req.getServletPath() : root.toString()));
    }

    private static void noCache(HttpServletResponse resp) {
        resp.setHeader("Cache-Control", "no-store");
        resp.setHeader("X-Content-Type-Options", "nosniff");
    }
}
