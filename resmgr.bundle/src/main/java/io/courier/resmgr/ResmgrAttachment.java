package io.courier.resmgr;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A name a manager put into the pathname space ({@code resmgr_attach()}'s id).
 */
@ProviderType
public interface ResmgrAttachment {
    /** The id, unique in its pathname space; {@code _IO_CONNECT} carries it as {@code handle}. */
    int id();

    /** The path. */
    String path();

    /** The {@link ResmgrFlags}. */
    int flags();

    /** The attributes of the mount point. */
    IoAttr attr();

    /** The dispatch serving it. */
    Dispatch dispatch();

    /** Whether it is still in the pathname space. */
    boolean attached();
}
