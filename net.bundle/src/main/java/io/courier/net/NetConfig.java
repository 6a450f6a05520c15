package io.courier.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How a node joins the network: its name, the address and UDP port it listens on, the nodes it
 * talks to, the key they share, and how fast a silent node is given up.
 *
 * <p>Nothing listens beyond the loopback interface unless {@code bindHost} says so: the default
 * is {@value #DEFAULT_BIND_HOST}. The key is kept private: {@link #key()} returns a copy, and
 * {@link #toString()} does not show it.
 *
 * @param name      this node's name: 1 to 64 of {@code A-Z a-z 0-9 . _ -}
 * @param bindHost  the address this node listens on (and sends from): an IP literal or host name
 * @param port      this node's UDP port, 1 to 65535
 * @param peers     the other nodes; their names and endpoints distinct, not this node's own
 * @param key       the shared key, at least {@value #MIN_KEY_BYTES} bytes (the same on every node)
 * @param heartbeat how often a node says it is alive, at least 10 ms
 * @param deadAfter how long a silent node stays up, more than twice the heartbeat
 */
public record NetConfig(String name, String bindHost, int port, List<Peer> peers, byte[] key, Duration heartbeat,
        Duration deadAfter) {
    /** The address a node listens on unless configured otherwise. */
    public static final String DEFAULT_BIND_HOST = "127.0.0.1";
    /** The heartbeat unless configured otherwise. */
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofMillis(250);
    /** The dead-after time unless configured otherwise. */
    public static final Duration DEFAULT_DEAD_AFTER = Duration.ofSeconds(2);
    /** The shortest key. */
    public static final int MIN_KEY_BYTES = 16;
    /** The most peers a node has. */
    public static final int MAX_PEERS = 254;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /**
     * Another node.
     *
     * @param name its name (as in {@link NetConfig#name()})
     * @param host the address it listens on
     * @param port its UDP port
     */
    public record Peer(String name, String host, int port) {
        /** Validates. */
        public Peer {
            checkName("a peer's name", name);
            checkHost("peer " + name + "'s host", host);
            checkPort("peer " + name + "'s port", port);
        }

        /** Parses {@code name@host:port}. */
        public static Peer parse(String spec) {
            if (spec == null) {
                throw new IllegalArgumentException("a peer is name@host:port, not null");
            }
            int at = spec.indexOf('@');
            int colon = spec.lastIndexOf(':');
            if (at <= 0 || colon < at + 2 || colon == spec.length() - 1) {
                throw new IllegalArgumentException("a peer is name@host:port: \"" + spec + "\"");
            }
            int port;
            try {
                port = Integer.parseInt(spec.substring(colon + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("a peer is name@host:port, the port a number: \"" + spec + "\"", e);
            }
            return new Peer(spec.substring(0, at).trim(), spec.substring(at + 1, colon).trim(), port);
        }
    }

    /** Validates, copying the peers and the key. */
    public NetConfig {
        checkName("the node's name", name);
        checkHost("the bind host", bindHost);
        checkPort("the node's port", port);
        if (peers == null) {
            throw new IllegalArgumentException("peers is null (an empty list for none)");
        }
        peers = List.copyOf(peers);
        if (peers.size() > MAX_PEERS) {
            throw new IllegalArgumentException("at most " + MAX_PEERS + " peers: " + peers.size());
        }
        Set<String> names = new HashSet<>();
        Set<String> endpoints = new HashSet<>();
        endpoints.add(bindHost + ":" + port);
        for (Peer p : peers) {
            if (p.name().equals(name)) {
                throw new IllegalArgumentException("peer " + p.name() + " has this node's own name");
            }
            if (!names.add(p.name())) {
                throw new IllegalArgumentException("peer " + p.name() + " is listed twice");
            }
            if (!endpoints.add(p.host() + ":" + p.port())) {
                throw new IllegalArgumentException("peer " + p.name() + "'s endpoint " + p.host() + ":" + p.port()
                        + " is another node's");
            }
        }
        if (key == null || key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("the shared key has at least " + MIN_KEY_BYTES + " bytes: "
                    + (key == null ? "none" : key.length));
        }
        key = key.clone();
        if (heartbeat == null || heartbeat.toMillis() < 10) {
            throw new IllegalArgumentException("the heartbeat is at least 10 ms: " + heartbeat);
        }
        if (deadAfter == null || deadAfter.compareTo(heartbeat.multipliedBy(2)) <= 0) {
            throw new IllegalArgumentException("dead-after (" + deadAfter + ") is more than twice the heartbeat ("
                    + heartbeat + ")");
        }
    }

    /** A node listening on {@value #DEFAULT_BIND_HOST}:{@code port}, with the default timings. */
    public static NetConfig of(String name, int port, List<Peer> peers, byte[] key) {
        return new NetConfig(name, DEFAULT_BIND_HOST, port, peers, key, DEFAULT_HEARTBEAT, DEFAULT_DEAD_AFTER);
    }

    /** This configuration listening on {@code host} instead. */
    public NetConfig withBindHost(String host) {
        return new NetConfig(name, host, port, peers, key, heartbeat, deadAfter);
    }

    /** This configuration with other timings. */
    public NetConfig withTimings(Duration heartbeatEvery, Duration deadAfterSilence) {
        return new NetConfig(name, bindHost, port, peers, key, heartbeatEvery, deadAfterSilence);
    }

    /** A copy of the shared key. */
    @Override
    public byte[] key() {
        return key.clone();
    }

    /** The key as UTF-8 bytes of {@code secret}. */
    public static byte[] keyFromString(String secret) {
        if (secret == null) {
            throw new IllegalArgumentException("the shared key is null");
        }
        return secret.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The key in {@code file}: its bytes, less a trailing line end (so that {@code openssl rand
     * -hex 32 > key} works). The file should be readable by its owner only.
     */
    public static byte[] keyFromFile(Path file) {
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the shared key from " + file, e);
        }
        int n = b.length;
        while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r')) {
            n--;
        }
        return Arrays.copyOf(b, n);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NetConfig c && name.equals(c.name) && bindHost.equals(c.bindHost) && port == c.port
                && peers.equals(c.peers) && Arrays.equals(key, c.key) && heartbeat.equals(c.heartbeat)
                && deadAfter.equals(c.deadAfter);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + port;
    }

    @Override
    public String toString() {
        return "NetConfig[name=" + name + ", bind=" + bindHost + ":" + port + ", peers=" + peers + ", key=("
                + key.length + " bytes), heartbeat=" + heartbeat + ", deadAfter=" + deadAfter + "]";
    }

    private static void checkName(String what, String n) {
        if (n == null || !NAME.matcher(n).matches()) {
            throw new IllegalArgumentException(what + " is 1 to 64 of A-Z a-z 0-9 . _ -: \"" + n + "\"");
        }
    }

    private static void checkHost(String what, String h) {
        if (h == null || h.isBlank() || h.length() > 255 || h.chars().anyMatch(c -> c <= ' ' || c == '|' || c == '?'
                || c == '=' || c == '@')) {
            throw new IllegalArgumentException(what + " is an address or host name: \"" + h + "\"");
        }
    }

    private static void checkPort(String what, int p) {
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException(what + " is 1 to 65535: " + p);
        }
    }
}
