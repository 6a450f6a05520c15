/**
 * What a client of the seed's {@code shmem_qnx_server} knows of it ({@code shmem_qnx.h}): the
 * name and the messages. A bundle of its own, so that the client never imports the server.
 */
@Export
@Version("0.1.0")
package io.courier.examples.shm.handles;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
