package io.courier.net.internal;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keyed proofs of the handshake: HMAC-SHA256 with the shared key over a domain label, the
 * frame's fixed part (both names' lengths, both incarnations, both nonces, kind and flags) and
 * both names. Used by the conductor thread only (one {@link Mac}).
 */
final class Handshake {
    private static final byte[] LABEL = "courier-net/1".getBytes(StandardCharsets.US_ASCII);
    private final Mac mac;
    private final SecureRandom random = new SecureRandom();
    private final byte[] computed = new byte[HelloLayout.MAC_LENGTH];
    private final byte[] given = new byte[HelloLayout.MAC_LENGTH];

    Handshake(byte[] key) {
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** A fresh nonce into {@code nonce}. */
    void newNonce(byte[] nonce) {
        random.nextBytes(nonce);
    }

    long newIncarnation() {
        // Milliseconds since the epoch above 16 random bits: larger at every start, and two
        // starts in one millisecond still differ (almost surely).
        return System.currentTimeMillis() << 16 | (random.nextInt() & 0xffff) | 1;
    }

    /** Signs {@code frame} (a well-formed frame in a heap buffer of its exact length) in place. */
    void sign(byte[] frame, int length) {
        compute(frame, length);
        System.arraycopy(computed, 0, frame, HelloLayout.MAC_OFFSET, HelloLayout.MAC_LENGTH);
    }

    /** Whether {@code frame}'s mac is the key's (compared in constant time). */
    boolean verify(ByteBuffer frame) {
        int length = frame.limit();
        byte[] b = new byte[length];
        frame.get(0, b);
        System.arraycopy(b, HelloLayout.MAC_OFFSET, given, 0, HelloLayout.MAC_LENGTH);
        compute(b, length);
        return MessageDigest.isEqual(computed, given);
    }

    private void compute(byte[] frame, int length) {
        mac.update(LABEL);
        mac.update(frame, 0, HelloLayout.SIGNED_HEADER);
        mac.update(frame, HelloLayout.NAMES_OFFSET, length - HelloLayout.NAMES_OFFSET);
        try {
            mac.doFinal(computed, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
