/**
 * The kernel's OSGi edge for other Courier bundles: the process of a bundle that uses their
 * per-bundle services, and the reading of a bundle's settings from its configuration.
 */
@Export
@Version("0.2.0")
package io.courier.kernel.osgi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
