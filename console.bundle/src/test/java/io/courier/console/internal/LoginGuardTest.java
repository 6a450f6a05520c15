package io.courier.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * SPEC B6: the Web Console's default password is accepted from loopback only. The addresses
 * here are only strings handed to the rule; nothing is sent anywhere.
 */
class LoginGuardTest {
    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void b6DefaultPasswordFromANonLoopbackAddressIsRefused() {
        assertTrue(LoginGuard.refuses("192.0.2.10", basic("admin", "admin")));
        assertTrue(LoginGuard.refuses("2001:db8::1", basic("admin", "admin")));
        assertTrue(LoginGuard.refuses("192.0.2.10", basic("someone", "admin")), "whatever the user name");
        assertTrue(LoginGuard.refuses("192.0.2.10", "basic " + Base64.getEncoder().encodeToString(
                "admin:admin".getBytes(StandardCharsets.ISO_8859_1))), "the scheme in any case");
        assertTrue(LoginGuard.refuses("not-an-address", basic("admin", "admin")), "unknown counts as remote");
        assertTrue(LoginGuard.refuses(null, basic("admin", "admin")));
    }

    @Test
    void b6DefaultPasswordFromLoopbackAndOtherPasswordsFromAnywherePass() {
        assertFalse(LoginGuard.refuses("127.0.0.1", basic("admin", "admin")));
        assertFalse(LoginGuard.refuses("127.1.2.3", basic("admin", "admin")));
        assertFalse(LoginGuard.refuses("::1", basic("admin", "admin")));
        assertFalse(LoginGuard.refuses("[0:0:0:0:0:0:0:1]", basic("admin", "admin")));
        assertFalse(LoginGuard.refuses("::ffff:127.0.0.1", basic("admin", "admin")));
        assertFalse(LoginGuard.refuses("192.0.2.10", basic("admin", "s3cret")));
        assertFalse(LoginGuard.refuses("192.0.2.10", basic("admin", "admin2")));
        assertFalse(LoginGuard.refuses("192.0.2.10", null), "no login: the Web Console asks for one");
    }

    @Test
    void b6MalformedAuthorizationsOfferNoPassword() {
        assertNull(LoginGuard.basicPassword("Bearer abc"));
        assertNull(LoginGuard.basicPassword("Basic !!!not-base64"));
        assertNull(LoginGuard.basicPassword("Basic " + Base64.getEncoder().encodeToString("nocolon".getBytes(
                StandardCharsets.ISO_8859_1))));
        assertNull(LoginGuard.basicPassword("Basic"));
        assertEquals("a:b", LoginGuard.basicPassword(basic("u", "a:b")), "the password may hold a colon");
    }
}
