package io.courier.examples.checksum.client;

import io.courier.examples.checksum.Checksum;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.NameConnection;
import io.courier.kernel.NameInfo;
import io.courier.kernel.osgi.NameServices;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checksum client (the course's client.c, finding the server by name) with the Gogo
 * commands {@code checksum <text>} and {@code checksumload <threads> <millis>}. It knows the
 * name and the message format from {@code example-checksum-api} and nothing of the server's
 * code, so the server bundle can be updated, replaced or removed while this one stays ACTIVE.
 *
 * <p>Its calls go through a {@link NameConnection}: the name is opened on first use, a stale
 * coid is re-opened to whichever server holds the name now, and a request cut off by a server's
 * death is sent again to the next server (a checksum may be computed twice). While the server is
 * removed, each call waits up to {@link NameConnection#DEFAULT_REOPEN_WAIT} for it, then fails
 * with ENOENT; once it is back, calls succeed by themselves. The server's name appearing and
 * going ({@code NameInfo} services) is only logged: the connection needs no service.
 */
@Component(immediate = true, service = ChecksumClient.class, property = {
    "osgi.command.scope=courier",
    "osgi.command.function=checksum",
    "osgi.command.function=checksumload"
})
public final class ChecksumClient {
    private static final Logger LOG = LoggerFactory.getLogger(ChecksumClient.class);

    private final NameConnection server;

    /** Ready at once; the server may come later. */
    @Activate
    public ChecksumClient(@Reference Kernel kernel) {
        this.server = NameConnection.builder(kernel, Checksum.NAME).resendAfterServerDeath(true).global(true).build();
    }

    /** A server attached the name: the next call reaches it. */
    @Reference(target = "(" + NameServices.NAME + "=" + Checksum.NAME + ")", unbind = "serverDown",
            cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void serverUp(NameInfo name) {
        LOG.info("checksum client: server pid {} holds '{}'", name.pid(), name.name());
    }

    /** The server's name went with its bundle: calls wait for the next server, then fail with ENOENT. */
    void serverDown(NameInfo name) {
        LOG.info("checksum client: server pid {} released '{}'", name.pid(), name.name());
    }

    /**
     * {@code checksum <text>}: the server's checksum of {@code text}.
     *
     * @throws KernelException ENOENT when no server holds the name within the connection's wait;
     *     EBADMSG for a reply that is no checksum; the send's errno
     */
    public int checksum(String text) {
        ByteBuffer reply = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
        int status = server.msgSend(Checksum.request(text), reply);
        if (status != Errno.EOK.code() || reply.position() != 4) {
            throw new KernelException(Errno.EBADMSG, "bad checksum reply: status " + status);
        }
        return reply.getInt(0);
    }

    /**
     * {@code checksumload <threads> <millis>}: {@code threads} threads ask for checksums without
     * pause for {@code millis} ms, checking every answer; the figures, one line. Replace or
     * remove the server meanwhile to see what a swap costs its clients.
     */
    public String checksumload(int threads, long millis) throws InterruptedException {
        return ChecksumLoad.run(this, threads, millis).toString();
    }

    @Deactivate
    void deactivate() {
        server.close();
    }
}
