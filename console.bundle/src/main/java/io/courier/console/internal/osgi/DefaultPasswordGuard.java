package io.courier.console.internal.osgi;

import io.courier.console.internal.LoginGuard;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.servlet.whiteboard.Preprocessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses (403) every HTTP request that offers the Web Console's default password from an
 * address that is not loopback ({@link LoginGuard}): a Servlet Whiteboard preprocessor, so it
 * runs before any servlet, the Web Console's login included. Requests from loopback, and
 * requests with any other password, pass on unchanged.
 */
@Component(service = Preprocessor.class)
public final class DefaultPasswordGuard implements Preprocessor {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultPasswordGuard.class);

    /** Made by Declarative Services. */
    public DefaultPasswordGuard() {
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (request instanceof HttpServletRequest req && response instanceof HttpServletResponse resp
                && LoginGuard.refuses(req.getRemoteAddr(), req.getHeader("Authorization"))) {
            LOG.warn("refused the Web Console's default password from {}: set a password (see the README)",
                    req.getRemoteAddr());
            resp.setStatus(HttpServletResponse.SC_FORBIDDEN);
            resp.setContentType("text/plain");
            resp.setCharacterEncoding(StandardCharsets.UTF_8.name());
            resp.getWriter().write("The Web Console's default password is accepted from this machine only (loopback)."
                    + " Set a password through ConfigAdmin: conf/org.apache.felix.webconsole.internal.servlet.OsgiManager.cfg\n");
            return;
        }
        chain.doFilter(request, response);
    }
}
