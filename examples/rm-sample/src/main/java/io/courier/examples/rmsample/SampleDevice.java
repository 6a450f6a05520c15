package io.courier.examples.rmsample;

import io.courier.resmgr.IoAttr;
import io.courier.resmgr.IoFunc;
import io.courier.resmgr.IoWriteLayout;
import io.courier.resmgr.Mode;
import io.courier.resmgr.Ocb;
import io.courier.resmgr.OpenFlags;
import io.courier.resmgr.Resmgr;
import io.courier.resmgr.ResmgrAttachment;
import io.courier.resmgr.ResmgrContext;
import io.courier.resmgr.ResmgrHandler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /dev/sample}, the device of the resource manager exercises ({@code rm_intro}): a
 * character device that answers reads with a message and keeps what is written.
 *
 * <ul>
 *   <li>A read gives the message from the open's offset, so {@code cat /dev/sample} prints it
 *       once and ends; every open starts at the beginning.
 *   <li>A write ({@code echo text > /dev/sample}) becomes the message: the data is fetched with
 *       {@code MsgRead} after the {@code _IO_WRITE} header, as in the exercise's
 *       {@code io_write}, and the next reads give it back. With {@code O_APPEND} it is added.
 *       The exercise's own check (EBADMSG when {@code nbytes} is more than the client sent) is
 *       the dispatch layer's, done before this handler runs: all {@code nbytes} are there.
 *   <li>Everything else (stat, lseek, devctl's {@code DCMD_ALL_*}, permissions) is the iofunc
 *       layer's default: the manager overrides only read and write.
 * </ul>
 */
public final class SampleDevice implements ResmgrHandler {
    /** Where the exercise attaches it. */
    public static final String PATH = "/dev/sample";
    /** What reads give until something is written. */
    public static final String GREETING = "Hello from " + PATH + "\n";
    /** The most bytes the device keeps; longer writes are cut (the reply says how many were taken). */
    public static final int CAPACITY = 64 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(SampleDevice.class);

    /** The message; guarded by the device's attributes' lock, which the dispatch layer holds for handlers. */
    private ByteBuffer message = ByteBuffer.wrap(GREETING.getBytes(StandardCharsets.UTF_8));

    /** Attaches a new device at {@code path} for {@code rm}'s process, on a dispatch of its own. */
    public static ResmgrAttachment attach(Resmgr rm, String path) {
        IoAttr attr = new IoAttr(Mode.S_IFCHR | 0666, rm.kernel().credentials().uid(),
                rm.kernel().credentials().gid());
        attr.size(GREETING.length());
        return rm.resmgrAttach(path, 0, attr, new SampleDevice());
    }

    @Override
    public ByteBuffer read(ResmgrContext ctx, Ocb ocb, int nbytes) {
        ocb.attr().markAccessed();
        return IoFunc.readAt(ocb, message, nbytes);
    }

    @Override
    public int write(ResmgrContext ctx, Ocb ocb, int nbytes) {
        boolean append = (ocb.ioflag() & OpenFlags.O_APPEND) != 0;
        int keep = append ? message.limit() : 0;
        int take = Math.min(nbytes, CAPACITY - keep);
        ByteBuffer next = ByteBuffer.allocate(keep + take);
        next.put(message.duplicate().position(0).limit(keep));
        int got = ctx.msgRead(next, IoWriteLayout.SIZE);
        message = next.flip();
        ocb.attr().size(message.limit());
        ocb.attr().markModified();
        LOG.debug("{} got {} bytes from pid {}", PATH, got, ctx.info().pid());
        return got;
    }

    /** The message now, for tests and logs. */
    public String message() {
        return StandardCharsets.UTF_8.decode(message.duplicate().position(0)).toString();
    }
}
