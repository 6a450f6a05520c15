package io.courier.kernel.osgi;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.kernel.NameInfo;

/**
 * The {@link NameInfo} services of attached names. In OSGi the kernel bundle registers one for
 * every name a process attaches ({@code name_attach()}), with the properties below, and
 * withdraws it when the name is detached or its process dies. In a node (issue 20) it also
 * registers the names the other JVMs of the node attach, withdrawn when they are detached there
 * or their JVM dies. The kernel bundle registers them,
 * not the server's bundle, so a client that reacts to them is never wired to its server.
 *
 * <p>A Declarative Services client reacts to its server appearing and going with an optional,
 * dynamic reference: the component stays active while the server is away (its commands and
 * services stay registered), and is told when a server holds the name again:
 *
 * <pre>{@code
 * @Reference(target = "(" + NameServices.NAME + "=checksum)",
 *         cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
 * void serverUp(NameInfo server) { ... }      // server.pid(): the process that holds the name now
 * void serverDown(NameInfo server) { ... }    // swapped or removed: calls wait, then fail with ENOENT
 * }</pre>
 *
 * A mandatory reference ({@code @Reference NameInfo server}) instead deactivates the client
 * whenever its server goes, so it fits only a client that has nothing to do without it. The
 * calls themselves go through a {@link io.courier.kernel.NameConnection}, which needs no
 * service at all: it finds the name in the kernel.
 */
public final class NameServices {
    /** The service property holding the name ({@code String}). */
    public static final String NAME = "courier.name";
    /** The service property holding the pid of the process that attached the name ({@code Integer}). */
    public static final String PID = "courier.pid";
    /** The service property holding the chid of the name's channel ({@code Integer}). */
    public static final String CHID = "courier.chid";
    /**
     * The service property holding the operating-system pid of the JVM whose process attached
     * the name ({@code Long}): this JVM's for its own names, another's for a name attached in
     * another JVM of the node.
     */
    public static final String OS_PID = "courier.os.pid";
    /**
     * The service property saying whether another JVM of the node holds the name ({@code
     * Boolean}). In a node, a name attached in any JVM is a service in every JVM of it, with the
     * same properties; {@code nameOpen} and a {@link io.courier.kernel.NameConnection} reach it
     * the same way.
     */
    public static final String REMOTE = "courier.remote";

    private NameServices() {
    }

    /**
     * The LDAP filter that selects the {@link NameInfo} service of {@code name}, with the
     * filter's special characters escaped.
     *
     * @throws KernelException EINVAL for a null or empty name
     */
    public static String filter(String name) {
        if (name == null || name.isEmpty()) {
            throw new KernelException(Errno.EINVAL, "a name may not be empty");
        }
        StringBuilder sb = new StringBuilder("(").append(NAME).append('=');
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '\\' || c == '*' || c == '(' || c == ')') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append(')').toString();
    }
}
