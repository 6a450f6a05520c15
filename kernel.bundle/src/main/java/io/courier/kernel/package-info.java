/**
 * Courier's kernel: processes, threads, channels, connections, synchronous messages, pulses,
 * events, names and signals, after the QNX Neutrino microkernel. {@link io.courier.kernel.Microkernel}
 * is the system; {@link io.courier.kernel.Kernel} is one process's view of it.
 *
 * <p>Exported and never imported: the static entry points find their implementation through
 * this bundle's own class loader ({@link io.courier.kernel.Providers}), so they must be this
 * bundle's classes, not another bundle's copy of the package.
 */
@Export(substitution = Export.Substitution.NOIMPORT)
@Version("0.8.0")
package io.courier.kernel;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
