/**
 * The checksum protocol of the course's first exercise: the name and the message format, all a
 * client knows of the server. It is a bundle of its own, so that a client imports it and never
 * the server's bundle: the server can then be updated, replaced or removed without OSGi
 * refreshing, stopping or unresolving its clients.
 */
@Export
@Version("0.1.0")
package io.courier.examples.checksum;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
