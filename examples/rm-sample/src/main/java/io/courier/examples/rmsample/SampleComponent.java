package io.courier.examples.rmsample;

import io.courier.resmgr.Resmgr;
import io.courier.resmgr.ResmgrAttachment;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code /dev/sample} bundle: getting the {@link Resmgr} service makes the bundle a
 * process, which attaches the device while the component is active. Drop the jar into the
 * runtime's {@code deploy/} folder, then {@code courier:cat /dev/sample} and
 * {@code courier:write /dev/sample some text}; stopping the bundle takes the name away.
 */
@Component(immediate = true)
public final class SampleComponent {
    private static final Logger LOG = LoggerFactory.getLogger(SampleComponent.class);

    private final Resmgr rm;
    private final ResmgrAttachment attachment;

    /** Attaches {@link SampleDevice#PATH}. */
    @Activate
    public SampleComponent(@Reference(name = "resmgr") Resmgr rm) {
        this.rm = rm;
        this.attachment = SampleDevice.attach(rm, SampleDevice.PATH);
        LOG.info("{} attached by pid {}", SampleDevice.PATH, rm.kernel().pid());
    }

    /** The attachment, while active. */
    public ResmgrAttachment attachment() {
        return attachment;
    }

    @Deactivate
    void deactivate() {
        if (attachment.attached()) {
            rm.resmgrDetach(attachment);
        }
        LOG.info("{} detached", SampleDevice.PATH);
    }
}
