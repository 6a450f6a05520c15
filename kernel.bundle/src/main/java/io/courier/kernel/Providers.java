package io.courier.kernel;

import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Finds the implementation behind an API entry point ({@link Microkernel#boot()},
 * {@code AsyncMessaging.of(kernel)}, ...), so that no API type names the class that implements
 * it. The bundle that implements a provider type lists its implementation in
 * {@code META-INF/services/<provider type>}, and {@link ServiceLoader} loads it through the
 * provider type's own class loader: in OSGi that is the bundle's, which holds both the API and its
 * implementation (no service-loader extender needed); outside OSGi it is the class path's. One
 * provider is found per provider type and kept.
 */
public final class Providers {
    private static final ClassValue<Object> FOUND = new ClassValue<>() {
        @Override
        protected Object computeValue(Class<?> type) {
            return load(type);
        }
    };

    private Providers() {
    }

    /**
     * The implementation of {@code type}.
     *
     * @throws KernelException ENOSYS when no implementation of {@code type} is present or it
     *     cannot be loaded
     */
    public static <T> T find(Class<T> type) {
        return type.cast(FOUND.get(type));
    }

    private static <T> T load(Class<T> type) {
        try {
            return ServiceLoader.load(type, type.getClassLoader()).findFirst()
                    .orElseThrow(() -> new KernelException(Errno.ENOSYS, "no implementation of " + type.getName()
                            + " is present (META-INF/services/" + type.getName() + ")"));
        } catch (ServiceConfigurationError e) {
            KernelException k = new KernelException(Errno.ENOSYS, "the implementation of " + type.getName()
                    + " cannot be loaded: " + e.getMessage());
            k.initCause(e);
            throw k;
        }
    }
}
