/**
 * Resource managers after QNX Neutrino's {@code resmgr_*()} and {@code iofunc_*()} libraries: a
 * pathname space whose entries are served by processes, and file-descriptor I/O on them.
 *
 * <ul>
 *   <li>{@link io.courier.resmgr.Resmgr} is one process's view: {@code resmgrAttach} for
 *       managers, {@code open}/{@code read}/{@code write}/... for clients.
 *   <li>{@link io.courier.resmgr.ResmgrHandler} is what a manager implements; its defaults are the
 *       iofunc layer's, with {@link io.courier.resmgr.IoAttr} (an entry's attributes),
 *       {@link io.courier.resmgr.Ocb} (one open), {@link io.courier.resmgr.IoFunc} (the default
 *       handlers and permission checks) and {@link io.courier.resmgr.NotifyList}
 *       ({@code ionotify} events).
 *   <li>{@link io.courier.resmgr.Dispatch} is a manager's channel and thread pool.
 *   <li>The {@code *Layout} classes describe the {@code _IO_*} messages byte by byte, for clients
 *       and servers that speak them with plain {@code msgSend}/{@code msgReceive}.
 *   <li>{@link io.courier.resmgr.ShmemDirectory} plugs the shared memory objects into
 *       {@code /dev/shmem}.
 * </ul>
 *
 * <p>Exported and never imported: the static entry points find their implementation through
 * this bundle's own class loader ({@link io.courier.kernel.Providers}), so they must be this
 * bundle's classes, not another bundle's copy of the package.
 */
@Export(substitution = Export.Substitution.NOIMPORT)
@Version("0.3.0")
package io.courier.resmgr;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
