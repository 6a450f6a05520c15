/**
 * Courier nodes across machines, like QNX's Qnet: a node has a name and, seen from another
 * node, a node descriptor ({@code nd}); the nodes a node talks to are listed in its
 * {@link io.courier.net.NetConfig}; {@link io.courier.net.NetNode} keeps a link to each that is
 * up and tells a {@link io.courier.net.NetListener} when one comes up or goes down.
 *
 * <ul>
 * <li>{@link io.courier.net.NetNode#ndToStr} / {@link io.courier.net.NetNode#strToNd}: QNX's
 *     {@code netmgr_ndtostr()} / {@code netmgr_strtond()}; nd {@value
 *     io.courier.net.NetNode#ND_LOCAL_NODE} is this node ({@code ND_LOCAL_NODE}).</li>
 * <li>{@link io.courier.net.NetNode#link}: the {@link io.courier.node.Link} to a node that is up
 *     (records whole, exactly once, in order while it is up), over which the kernel runs the
 *     same protocol as between the JVMs of one node.</li>
 * <li>Security: a peer proves the shared key (HMAC-SHA256 over both names, incarnations and
 *     fresh nonces) before anything it sends is taken; anything else is dropped and logged
 *     once.</li>
 * </ul>
 *
 * <p>The transport is Aeron UDP unicast with a media driver embedded per node; no Aeron type
 * shows here.
 */
@Export
@Version("0.1.0")
package io.courier.net;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
