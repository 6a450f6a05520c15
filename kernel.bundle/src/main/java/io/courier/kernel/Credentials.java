package io.courier.kernel;

/**
 * A process's credentials.
 *
 * @param uid the user id
 * @param gid the group id
 */
public record Credentials(int uid, int gid) {
    /** The super user's credentials. */
    public static final Credentials ROOT = new Credentials(0, 0);
}
