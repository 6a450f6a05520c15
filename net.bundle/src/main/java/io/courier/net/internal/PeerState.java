package io.courier.net.internal;

import io.aeron.ExclusivePublication;
import io.courier.net.NetConfig;
import io.courier.net.PeerStatus;

/**
 * What this node knows of one configured peer. Conductor thread only, but for the fields marked
 * volatile, which {@link io.courier.net.NetNode#link} and {@code peers()} read from any thread.
 */
final class PeerState {
    final int nd;
    final NetConfig.Peer config;
    ExclusivePublication control;
    ExclusivePublication records;

    /** This node's challenge to the peer; new after every down. */
    final byte[] myNonce = new byte[HelloLayout.NONCE_LENGTH];
    /** The peer's incarnation and challenge as last heard (unproven until {@link #proven}). */
    boolean heard;
    long peerInc;
    final byte[] peerNonce = new byte[HelloLayout.NONCE_LENGTH];
    /** The peer signed our current nonce with the key, for {@link #peerInc}. */
    boolean proven;
    /** The peer's record stream as its proof named it. */
    int peerRecordSession;
    /**
     * The session of the peer's record stream before its current one (0: none): after a down,
     * a cut or a restart the old stream lingers until Aeron lets it go, and is no stranger's.
     */
    int formerRecordSession;
    /** The peer's proof said it accepted ours (and bound our record stream). */
    boolean peerAccepted;
    long lastHeardNanos;
    /** A HELLO is due now (something changed). */
    boolean dirty = true;

    volatile boolean up;
    volatile long incarnation;
    volatile NetLinkImpl link;

    PeerState(int nd, NetConfig.Peer config) {
        this.nd = nd;
        this.config = config;
    }

    PeerStatus status() {
        return new PeerStatus(nd, config.name(), config.host(), config.port(), up, incarnation);
    }

    @Override
    public String toString() {
        return config.name() + " (nd " + nd + ")";
    }
}
