package io.courier.examples.shm.handles.server;

import io.courier.examples.shm.handles.ShmemQnx;

import io.courier.kernel.Errno;
import io.courier.kernel.IoConnectLayout;
import io.courier.kernel.IoMsg;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.MsgInfo;
import io.courier.kernel.NameAttach;
import io.courier.kernel.NameStandby;
import io.courier.kernel.Pulse;
import io.courier.kernel.PulseCode;
import io.courier.shm.Mapping;
import io.courier.shm.SharedMemory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code shmem_qnx_server}: attaches {@value ShmemQnx#SHMEM_SERVER_NAME}; on GET makes an
 * anonymous object and a handle only the asking client can open; on CHANGED reads the client's
 * bytes from the object and writes its answer there; cleans up on RELEASE or when the client's
 * connection goes (DISCONNECT pulse). One client at a time, as in the seed.
 */
public final class ShmemServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ShmemServer.class);
    /** Where the answer goes: the second page, 30 bytes in. */
    public static final int ANSWER_OFFSET = 4096 + 30;

    private final Kernel k;
    private final SharedMemory shm;
    /** The name, attached, or stood by for while another server holds it. */
    private final NameStandby name;
    private final byte[] response;
    private final Consumer<String> received;
    private final Thread loop;
    private int clientScoid;
    private Mapping shmem;

    /**
     * Attaches the name and starts serving on a thread of {@code k}'s process; where another
     * server holds the name (the bundle deployed twice in the node), says so and stands by
     * ({@link NameStandby}), serving once the name is free.
     */
    public ShmemServer(Kernel k, String response, Consumer<String> received) {
        this.k = k;
        this.shm = SharedMemory.of(k);
        this.response = response.getBytes(StandardCharsets.US_ASCII);
        this.received = received;
        this.name = NameStandby.attach(k, ShmemQnx.SHMEM_SERVER_NAME, 0, NameStandby.DEFAULT_RETRY);
        if (name.standingBy()) {
            LOG.info("shmem_qnx_server: pid {}: '{}' is served by another process of the node; standing by to take it"
                    + " over when that one goes", k.pid(), ShmemQnx.SHMEM_SERVER_NAME);
        }
        loop = Thread.ofPlatform().daemon().name("shmem_qnx_server").start(this::run);
    }

    private void run() {
        NameAttach att;
        try {
            att = name.await();
        } catch (KernelException | InterruptedException e) {
            LOG.debug("shmem_qnx_server: ends before it held the name: {}", e.toString());
            return;
        }
        if (att == null) {
            return; // closed while it stood by
        }
        if (name.stoodBy()) {
            LOG.info("shmem_qnx_server: pid {} took over '{}'", k.pid(), ShmemQnx.SHMEM_SERVER_NAME);
        }
        serve(att);
    }

    private void serve(NameAttach att) {
        ByteBuffer rbuf = ShmemQnx.buffer(512);
        MsgInfo info = new MsgInfo();
        for (;;) {
            rbuf.clear();
            long rcvid;
            try {
                rcvid = k.msgReceive(att.chid(), rbuf, info);
            } catch (KernelException e) {
                LOG.debug("server stops: {}", e.getMessage());
                return;
            }
            rbuf.flip();
            try {
                if (rcvid == 0) {
                    pulse(Pulse.from(rbuf));
                } else {
                    message(rcvid, rbuf, info);
                }
            } catch (KernelException e) {
                // Never leave a client blocked: a failed request fails its send.
                if (rcvid > 0) {
                    k.msgError(rcvid, e.errno());
                }
            }
        }
    }

    private void pulse(Pulse pulse) {
        if (pulse.code() == PulseCode.DISCONNECT) {
            // A client went away: was it ours?
            if (pulse.scoid() == clientScoid) {
                LOG.info("client gone without releasing: cleaning up");
                release();
            }
            k.connectDetach(pulse.scoid());
        }
    }

    private void message(long rcvid, ByteBuffer rbuf, MsgInfo info) {
        int type = rbuf.getShort(0) & 0xFFFF;
        if (type == IoMsg.IO_CONNECT && IoConnectLayout.type(rbuf) == IoMsg.IO_CONNECT) {
            k.msgReply(rcvid, 0, null);
            return;
        }
        switch (type) {
            case ShmemQnx.GET_SHMEM_MSG_TYPE -> {
                int bytes = rbuf.getInt(4);
                if (bytes <= ANSWER_OFFSET + response.length || bytes > ShmemQnx.MAX_BYTES || clientScoid != 0) {
                    k.msgError(rcvid, clientScoid != 0 ? Errno.EBUSY : Errno.EINVAL);
                    return;
                }
                long handle = createSharedMemory(bytes, info.pid());
                clientScoid = info.scoid();
                k.msgReply(rcvid, 0, ShmemQnx.buffer(8).putLong(0, handle));
            }
            case ShmemQnx.CHANGED_SHMEM_MSG_TYPE -> {
                if (info.scoid() != clientScoid) {
                    // Only the current client may tell us to look at the memory.
                    k.msgError(rcvid, Errno.EPERM);
                    return;
                }
                long offset = rbuf.getInt(4) & 0xFFFF_FFFFL;
                long length = rbuf.getInt(8) & 0xFFFF_FFFFL;
                if (offset + length > shmem.length()) {
                    k.msgError(rcvid, Errno.EBADMSG);
                    return;
                }
                byte[] text = new byte[(int) length];
                shmem.read(offset, ByteBuffer.wrap(text));
                received.accept(new String(text, StandardCharsets.US_ASCII));
                shmem.write(ANSWER_OFFSET, ByteBuffer.wrap(response));
                k.msgReply(rcvid, 0, ShmemQnx.buffer(8).putInt(0, ANSWER_OFFSET).putInt(4, response.length));
            }
            case ShmemQnx.RELEASE_SHMEM_MSG_TYPE -> {
                if (info.scoid() != clientScoid) {
                    k.msgError(rcvid, Errno.EPERM);
                    return;
                }
                release();
                k.msgReply(rcvid, 0, null);
            }
            default -> k.msgError(rcvid, Errno.ENOSYS);
        }
    }

    /** create_shared_memory(): an anonymous object, mapped here, and a handle for the client. */
    private long createSharedMemory(int bytes, int clientPid) {
        int fd = shm.shmOpen(SharedMemory.SHM_ANON, SharedMemory.O_RDWR | SharedMemory.O_CREAT, 0600);
        try {
            shm.ftruncate(fd, bytes);
            shmem = shm.mmap(bytes, SharedMemory.PROT_READ | SharedMemory.PROT_WRITE, SharedMemory.MAP_SHARED, fd, 0);
            return shm.shmCreateHandle(fd, clientPid, SharedMemory.O_RDWR, 0);
        } finally {
            shm.close(fd);
        }
    }

    private void release() {
        clientScoid = 0;
        if (shmem != null) {
            shm.munmap(shmem);
            shmem = null;
        }
    }

    /** Whether the server holds a client's object now. */
    public boolean serving() {
        return loop.isAlive() && clientScoid != 0;
    }

    /** Withdraws the name, or stops standing by; the serving thread ends. */
    @Override
    public void close() {
        name.close();
        try {
            loop.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
