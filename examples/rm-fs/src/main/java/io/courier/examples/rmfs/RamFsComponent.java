package io.courier.examples.rmfs;

import io.courier.resmgr.Resmgr;
import io.courier.resmgr.ResmgrAttachment;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-memory filesystem bundle: attaches {@link RamFs#PATH} with two dispatch threads while
 * active. In the runtime's shell: {@code courier:write /ramfs/notes hello},
 * {@code courier:ls /ramfs}, {@code courier:cat /ramfs/notes}.
 */
@Component(immediate = true)
public final class RamFsComponent {
    private static final Logger LOG = LoggerFactory.getLogger(RamFsComponent.class);

    private final ResmgrAttachment attachment;

    /** Attaches the filesystem. */
    @Activate
    public RamFsComponent(@Reference(name = "resmgr") Resmgr rm) {
        attachment = RamFs.attach(rm, RamFs.PATH, 2);
        LOG.info("{} attached by pid {}", RamFs.PATH, rm.kernel().pid());
    }

    /** The attachment, while active. */
    public ResmgrAttachment attachment() {
        return attachment;
    }

    @Deactivate
    void deactivate() {
        // Closing the dispatch detaches the path and cuts the open files off (EBADF).
        attachment.dispatch().close();
        LOG.info("{} detached", RamFs.PATH);
    }
}
