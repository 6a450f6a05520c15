/**
 * Shared memory after QNX Neutrino's {@code shm_open()}, {@code mmap()} and shared-memory
 * handles: named memory objects that processes map and share.
 * {@link io.courier.shm.SharedMemory} is one process's view of it.
 */
@Export
@Version("0.1.0")
package io.courier.shm;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
