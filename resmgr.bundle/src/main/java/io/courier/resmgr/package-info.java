/**
 * Resource managers after QNX Neutrino's {@code resmgr_*()} library: a pathname space whose
 * entries are served by processes, and file-descriptor I/O on them.
 * {@link io.courier.resmgr.Resmgr} is one process's view of it.
 */
@Export
@Version("0.1.0")
package io.courier.resmgr;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
