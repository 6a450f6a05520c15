/**
 * Asynchronous messaging after QNX Neutrino's {@code asyncmsg_*()} calls: batched, buffered
 * sends that do not block the sender, on channels and connections of the kernel, with store and
 * forward by name. {@link io.courier.asyncmsg.AsyncMessaging} is one process's view of it.
 */
@Export
@Version("0.4.0")
package io.courier.asyncmsg;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
