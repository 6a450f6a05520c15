package io.courier.net;

/**
 * A configured node as this node sees it now.
 *
 * @param nd          its node descriptor here (&gt; 0, stable while the configuration is)
 * @param name        its name
 * @param host        the address it is reached at
 * @param port        its UDP port
 * @param up          whether it is up (proved the key, heard from within the dead-after time)
 * @param incarnation its incarnation while up, else the last one it was up with (0: never)
 */
public record PeerStatus(int nd, String name, String host, int port, boolean up, long incarnation) {
}
