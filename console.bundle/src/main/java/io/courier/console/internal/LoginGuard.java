package io.courier.console.internal;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * The rule that keeps the Web Console's default password on the machine itself: a request that
 * offers it (HTTP Basic, the Web Console's login) from an address other than a loopback one is
 * refused, whatever the console's configuration says. A password set through ConfigAdmin works
 * from anywhere the HTTP service listens; the default one only from loopback.
 */
public final class LoginGuard {
    /** The Web Console's default password (user {@code admin}), as shipped. */
    public static final String DEFAULT_PASSWORD = "admin";

    private LoginGuard() {
    }

    /**
     * Whether a request from {@code remoteAddress} (an IP literal, as the servlet container
     * gives it) carrying the {@code Authorization} header {@code authorization} (or null) must be
     * refused: it offers the default password from an address that is not loopback. An address
     * that is not a literal counts as not loopback.
     */
    public static boolean refuses(String remoteAddress, String authorization) {
        return !isLoopback(remoteAddress) && DEFAULT_PASSWORD.equals(basicPassword(authorization));
    }

    static boolean isLoopback(String address) {
        if (address == null || address.isBlank()) {
            return false;
        }
        String literal = address.strip();
        if (literal.startsWith("[") && literal.endsWith("]")) {
            literal = literal.substring(1, literal.length() - 1);
        }
        try {
            return InetAddress.ofLiteral(literal).isLoopbackAddress();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The password of a {@code Basic} authorization, or null when there is none to read. */
    static String basicPassword(String authorization) {
        if (authorization == null) {
            return null;
        }
        String h = authorization.strip();
        int blank = h.indexOf(' ');
        if (blank < 0 || !h.substring(0, blank).toLowerCase(Locale.ROOT).equals("basic")) {
            return null;
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(h.substring(blank).strip());
        } catch (IllegalArgumentException e) {
            return null;
        }
        // ISO-8859-1, as the Web Console decodes it, so that both read the same password.
        String userPass = new String(decoded, StandardCharsets.ISO_8859_1);
        int colon = userPass.indexOf(':');
        return colon < 0 ? null : userPass.substring(colon + 1);
    }
}
