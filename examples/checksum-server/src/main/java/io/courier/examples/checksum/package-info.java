/** The checksum protocol of the course's first exercise, shared by server and clients. */
@Export
@Version("0.1.0")
package io.courier.examples.checksum;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
