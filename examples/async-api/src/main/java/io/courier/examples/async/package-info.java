/**
 * What a client of the asynchronous messaging example (the technote's example 6) knows of its
 * server: the name, the query for the asynchronous chid, and the numbered messages. A bundle of
 * its own, so that clients never import the server's bundle.
 */
@Export
@Version("0.1.0")
package io.courier.examples.async;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
