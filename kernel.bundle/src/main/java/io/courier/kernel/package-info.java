/**
 * Courier's kernel: processes, threads, channels, connections, synchronous messages, pulses,
 * events, names and signals, after the QNX Neutrino microkernel. {@link io.courier.kernel.Microkernel}
 * is the system; {@link io.courier.kernel.Kernel} is one process's view of it.
 */
@Export
@Version("0.2.0")
package io.courier.kernel;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
