package io.courier.console.internal.osgi;

import io.courier.console.internal.Page;
import io.courier.console.internal.SystemView;
import io.courier.kernel.Microkernel;
import jakarta.servlet.Servlet;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Registers the Courier pages ({@link Page}) as Web Console plugins: servlet services with the
 * {@code felix.webconsole.*} properties, listed under "Courier" in the console's menu. The
 * Web Console serves them behind its login.
 *
 * <p>The pages read the system through the {@link Microkernel} service (which makes no process
 * of this bundle) and the read-only introspection of the other Courier bundles; they take a
 * snapshot per request and run nothing in between.
 */
@Component(immediate = true, service = {})
public final class ConsolePlugins {
    /** The Web Console's plugin properties. */
    static final String LABEL = "felix.webconsole.label";
    static final String TITLE = "felix.webconsole.title";
    static final String CATEGORY = "felix.webconsole.category";

    private final List<ServiceRegistration<Servlet>> registrations = new ArrayList<>();

    /** Registers one plugin per page, all reading {@code mk}. */
    @Activate
    public ConsolePlugins(BundleContext context, @Reference(name = "microkernel") Microkernel mk) {
        SystemView view = new SystemView(mk);
        for (Page page : Page.values()) {
            Dictionary<String, Object> props = new Hashtable<>();
            props.put(LABEL, page.label());
            props.put(TITLE, page.title());
            props.put(CATEGORY, Page.CATEGORY);
            registrations.add(context.registerService(Servlet.class, new PageServlet(page, view), props));
        }
    }

    @Deactivate
    void deactivate() {
        for (ServiceRegistration<Servlet> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // The framework unregisters a stopping bundle's services itself.
            }
        }
        registrations.clear();
    }
}
