package io.courier.node;

import java.io.Serial;

/**
 * A ring read from shared memory holds something its protocol never writes: a length, an offset
 * or a position out of bounds. The peer that writes into (or reads from) the ring cannot be
 * trusted any more: cut it off. Once thrown, every later use of the ring throws it again.
 */
public class CorruptRingException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String peer;
    private final String ring;

    /** A corruption of {@code ring}, shared with {@code peer}, described by {@code detail}. */
    public CorruptRingException(String peer, String ring, String detail) {
        super("corrupt ring " + ring + " shared with " + peer + ": " + detail);
        this.peer = peer;
        this.ring = ring;
    }

    /** Who shares the ring: the peer to cut off. */
    public String peer() {
        return peer;
    }

    /** The ring's file name. */
    public String ring() {
        return ring;
    }
}
