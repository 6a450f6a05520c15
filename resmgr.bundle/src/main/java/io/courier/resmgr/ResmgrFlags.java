package io.courier.resmgr;

/** Flags of {@link Resmgr#resmgrAttach}, with QNX's {@code _RESMGR_FLAG_*} values. */
public final class ResmgrFlags {
    /** {@code _RESMGR_FLAG_BEFORE}: resolve before older managers attached at the same path. */
    public static final int BEFORE = 0x0001;
    /** {@code _RESMGR_FLAG_AFTER}: resolve after older managers attached at the same path. */
    public static final int AFTER = 0x0002;
    /**
     * {@code _RESMGR_FLAG_DIR}: the path is a directory; the manager also receives opens of
     * every path below it, with the rest of the path relative to the mount point.
     */
    public static final int DIR = 0x0004;
    /**
     * {@code _RESMGR_FLAG_OPAQUE}: when this manager answers ENOENT, resolution stops there
     * instead of trying managers attached at shorter prefixes.
     */
    public static final int OPAQUE = 0x0008;

    /** Every flag {@link Resmgr#resmgrAttach} accepts. */
    public static final int ALL = BEFORE | AFTER | DIR | OPAQUE;

    private ResmgrFlags() {
    }
}
