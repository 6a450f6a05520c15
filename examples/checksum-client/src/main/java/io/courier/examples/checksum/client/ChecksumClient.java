package io.courier.examples.checksum.client;

import io.courier.examples.checksum.Checksum;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.NameInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checksum client (the course's client.c, finding the server by name): it waits for the
 * server's name in the service registry, checks itself once on activation, and offers the Gogo
 * command {@code checksum <text>}. Every call opens the name afresh, so a replaced server is
 * reached as soon as it has attached the name again.
 */
@Component(immediate = true, service = ChecksumClient.class, property = {
    "osgi.command.scope=courier",
    "osgi.command.function=checksum"
})
public final class ChecksumClient {
    private static final Logger LOG = LoggerFactory.getLogger(ChecksumClient.class);

    private final Kernel kernel;

    /** Activated once the server's name is in the registry. */
    @Activate
    public ChecksumClient(@Reference Kernel kernel,
            @Reference(target = "(courier.name=" + Checksum.NAME + ")", policy = ReferencePolicy.STATIC)
            NameInfo server) {
        this.kernel = kernel;
        String hello = "hello from pid " + kernel.pid();
        LOG.info("checksum client: server pid {}; checksum of '{}' is {}", server.pid(), hello, checksum(hello));
    }

    /**
     * {@code checksum <text>}: the server's checksum of {@code text}.
     *
     * @throws KernelException ENOENT when no server has attached the name; the send's errno
     */
    public int checksum(String text) {
        int coid = kernel.nameOpen(Checksum.NAME, 0);
        try {
            ByteBuffer reply = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
            int status = kernel.msgSend(coid, Checksum.request(text), reply);
            if (status != Errno.EOK.code() || reply.position() != 4) {
                throw new KernelException(Errno.EBADMSG, "bad checksum reply: status " + status);
            }
            return reply.getInt(0);
        } finally {
            kernel.nameClose(coid);
        }
    }
}
