package io.courier.net;

/**
 * A node name or node descriptor that is not in this node's configuration (QNX's
 * {@code netmgr_strtond()} fails with {@code ENOENT}; a bad nd with {@code EINVAL}).
 */
public final class UnknownNodeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** @param message names the unknown node or nd */
    public UnknownNodeException(String message) {
        super(message);
    }
}
