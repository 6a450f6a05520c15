/**
 * What a user of the seed's POSIX shared memory object knows of its creator
 * ({@code shmem_posix.h}): the name and the layout. A bundle of its own, so that the user never
 * imports the creator.
 */
@Export
@Version("0.1.0")
package io.courier.examples.shm.posix;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
