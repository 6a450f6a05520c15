/**
 * Courier's node: the JVMs of one machine that join it, and the shared-memory transport between
 * them. This package holds the transport's parts; the kernel uses them for its node-wide pids,
 * names and messages (the README's "The kernel in a node").
 *
 * <ul>
 * <li>{@link io.courier.node.NodeFolder}: the node's owner-only folder,
 *     {@code /dev/shm/courier-<user>-<node>}.</li>
 * <li>{@link io.courier.node.MemberTable}: one slot per JVM of the node (OS pid and process
 *     start time), joined with a compare-and-set; a JVM that dies, even by {@code kill -9}, is
 *     noticed within a second and its slot reclaimed.</li>
 * <li>{@link io.courier.node.Futex}: sleeping on a shared word until another JVM wakes it.</li>
 * <li>{@link io.courier.node.Link}: records between this JVM and another, as the kernel's
 *     message passing uses them, whatever carries them.</li>
 * <li>{@link io.courier.node.Network}: the nodes reached over the network, each with a node
 *     descriptor and, while it is up, a {@link io.courier.node.Link}.</li>
 * <li>{@link io.courier.node.FileLocks}: the lock of a file the node's JVMs share, taken without
 *     an interrupt closing its channel.</li>
 * <li>{@link io.courier.node.Ring}: a bounded ring of variable-length records in a shared
 *     file, with a futex doorbell; everything read from it is bounds-checked, and a corrupt
 *     ring is reported as a {@link io.courier.node.CorruptRingException} naming the peer.</li>
 * </ul>
 */
@Export
@Version("0.6.0")
package io.courier.node;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
