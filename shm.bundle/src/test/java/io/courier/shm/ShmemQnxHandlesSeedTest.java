package io.courier.shm;

import static io.courier.shm.SharedMemory.MAP_SHARED;
import static io.courier.shm.SharedMemory.O_CREAT;
import static io.courier.shm.SharedMemory.O_RDWR;
import static io.courier.shm.SharedMemory.SHM_ANON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.IoConnectLayout;
import io.courier.kernel.IoMsg;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.MsgInfo;
import io.courier.kernel.NameAttach;
import io.courier.kernel.Pulse;
import io.courier.kernel.PulseCode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The seed's handle exercise ({@code shmem_qnx.h}, {@code shmem_qnx_server.c},
 * {@code shmem_qnx_client.c}; SPEC S4, S6): the client asks the server for memory, the server
 * makes an anonymous object and a handle only that client can use, the client maps it, fills it
 * and tells the server with a small message; the reply is the synchronisation, and the data
 * never travels in a message. The server cleans up on a release message or the client's
 * disconnect pulse.
 */
class ShmemQnxHandlesSeedTest extends ShmTestSupport {
    /** {@code shmem_qnx.h}. */
    static final class Protocol {
        static final int GET_SHMEM_MSG_TYPE = IoMsg.IO_MAX + 200;
        static final int CHANGED_SHMEM_MSG_TYPE = IoMsg.IO_MAX + 201;
        static final int RELEASE_SHMEM_MSG_TYPE = IoMsg.IO_MAX + 202;
        static final String SHMEM_SERVER_NAME = "shmem_server";
        /** {@code get_shmem_msg_t}: u16 type, u32 shared_mem_bytes at 4. */
        static final int GET_SIZE = 8;
        /** {@code changed_shmem_msg_t}: u16 type, u32 offset at 4, u32 length at 8. */
        static final int CHANGED_SIZE = 12;
        /** {@code get_shmem_resp_t}: the 64-bit handle. */
        static final int GET_RESP_SIZE = 8;
        /** {@code changed_shmem_resp_t}: u32 offset, u32 length. */
        static final int CHANGED_RESP_SIZE = 8;

        private Protocol() {
        }

        static ByteBuffer message(int size, int type) {
            ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
            b.putShort(0, (short) type);
            return b;
        }
    }

    /** {@code shmem_qnx_server.c}, serving one client at a time. */
    static final class Server implements java.util.concurrent.Callable<Void> {
        static final String DEFAULT_RESPONSE = "Answer from server";
        final Kernel k;
        final SharedMemory shm;
        final NameAttach att;
        final List<String> got = new CopyOnWriteArrayList<>();
        volatile int clientScoid;
        volatile Mapping shmem;
        volatile int disconnects;

        Server(Kernel k) {
            this.k = k;
            this.shm = SharedMemory.of(k);
            this.att = k.nameAttach(Protocol.SHMEM_SERVER_NAME, 0);
        }

        /** create_shared_memory(): an anonymous object and a handle for the client. */
        long createSharedMemory(int nbytes, int clientPid) {
            int fd = shm.shmOpen(SHM_ANON, O_RDWR | O_CREAT, 0600);
            try {
                shm.ftruncate(fd, nbytes);
                shmem = shm.mmap(nbytes, RW, MAP_SHARED, fd, 0);
                return shm.shmCreateHandle(fd, clientPid, O_RDWR, 0);
            } finally {
                shm.close(fd);
            }
        }

        @Override
        public Void call() {
            ByteBuffer rbuf = ByteBuffer.allocate(512).order(ByteOrder.nativeOrder());
            MsgInfo info = new MsgInfo();
            for (;;) {
                rbuf.clear();
                long rcvid;
                try {
                    rcvid = k.msgReceive(att.chid(), rbuf, info);
                } catch (KernelException e) {
                    return null; // the process died: the channel is gone
                }
                rbuf.flip();
                if (rcvid == 0) {
                    Pulse pulse = Pulse.from(rbuf);
                    if (pulse.code() == PulseCode.DISCONNECT) {
                        // A client went away -- was it ours?
                        if (pulse.scoid() == clientScoid) {
                            clientScoid = 0;
                            shm.munmap(shmem);
                            disconnects++;
                        }
                        k.connectDetach(pulse.scoid());
                    }
                    continue;
                }
                try {
                    serve(rcvid, rbuf, info);
                } catch (KernelException e) {
                    // Never leave a client blocked: a failed request fails its send.
                    k.msgError(rcvid, e.errno());
                }
            }
        }

        private void serve(long rcvid, ByteBuffer rbuf, MsgInfo info) {
            int type = rbuf.getShort(0) & 0xFFFF;
            if (type == IoMsg.IO_CONNECT && IoConnectLayout.type(rbuf) == IoMsg.IO_CONNECT) {
                k.msgReply(rcvid, 0, null);
                return;
            }
            switch (type) {
                case Protocol.GET_SHMEM_MSG_TYPE -> {
                    int size = rbuf.getInt(4);
                    if (size > 64 * 1024) {
                        k.msgError(rcvid, Errno.EINVAL);
                        return;
                    }
                    long handle = createSharedMemory(size, info.pid());
                    clientScoid = info.scoid();
                    ByteBuffer resp = ByteBuffer.allocate(Protocol.GET_RESP_SIZE).order(ByteOrder.nativeOrder());
                    resp.putLong(0, handle);
                    k.msgReply(rcvid, 0, resp);
                }
                case Protocol.CHANGED_SHMEM_MSG_TYPE -> {
                    if (info.scoid() != clientScoid) {
                        // Only the current client may tell us to update the memory.
                        k.msgError(rcvid, Errno.EPERM);
                        return;
                    }
                    long offset = rbuf.getInt(4) & 0xFFFF_FFFFL;
                    long nbytes = rbuf.getInt(8) & 0xFFFF_FFFFL;
                    long size = shmem.length();
                    if (nbytes > size || offset > size || nbytes + offset > size) {
                        k.msgError(rcvid, Errno.EBADMSG);
                        return;
                    }
                    // Read straight from the shared memory: no copy travelled in the message.
                    byte[] text = new byte[(int) nbytes];
                    shmem.read(offset, ByteBuffer.wrap(text));
                    got.add(new String(text, StandardCharsets.US_ASCII));
                    byte[] answer = DEFAULT_RESPONSE.getBytes(StandardCharsets.US_ASCII);
                    int at = 4096 + 30; // second page for the answer
                    shmem.write(at, ByteBuffer.wrap(answer));
                    ByteBuffer resp = ByteBuffer.allocate(Protocol.CHANGED_RESP_SIZE)
                            .order(ByteOrder.nativeOrder());
                    resp.putInt(0, at).putInt(4, answer.length);
                    k.msgReply(rcvid, 0, resp);
                }
                case Protocol.RELEASE_SHMEM_MSG_TYPE -> {
                    if (info.scoid() != clientScoid) {
                        k.msgError(rcvid, Errno.EPERM);
                        return;
                    }
                    clientScoid = 0;
                    shm.munmap(shmem);
                    k.msgReply(rcvid, 0, null);
                }
                default -> k.msgError(rcvid, Errno.ENOSYS);
            }
        }
    }

    /** {@code shmem_qnx_client.c}, in steps. */
    static final class Client {
        static final String DEFAULT_CLIENT_STRING = "hello from client";
        final Kernel k;
        final SharedMemory shm;
        final int coid;
        long handle;
        Mapping mem;

        Client(Kernel k) {
            this.k = k;
            this.shm = SharedMemory.of(k);
            this.coid = k.nameOpen(Protocol.SHMEM_SERVER_NAME, 0);
        }

        void get(int bytes) {
            ByteBuffer msg = Protocol.message(Protocol.GET_SIZE, Protocol.GET_SHMEM_MSG_TYPE);
            msg.putInt(4, bytes);
            ByteBuffer resp = ByteBuffer.allocate(Protocol.GET_RESP_SIZE).order(ByteOrder.nativeOrder());
            k.msgSend(coid, msg, resp);
            handle = resp.getLong(0);
            int memFd = shm.shmOpenHandle(handle, O_RDWR);
            mem = shm.mmap(bytes, RW, MAP_SHARED, memFd, 0);
            // Once mapped, the fd is no longer needed.
            shm.close(memFd);
        }

        /** Puts {@code text} at byte 20, tells the server, and returns its answer from the memory. */
        String change(String text) {
            byte[] b = text.getBytes(StandardCharsets.US_ASCII);
            mem.write(20, ByteBuffer.wrap(b));
            ByteBuffer msg = Protocol.message(Protocol.CHANGED_SIZE, Protocol.CHANGED_SHMEM_MSG_TYPE);
            msg.putInt(4, 20).putInt(8, b.length);
            ByteBuffer resp = ByteBuffer.allocate(Protocol.CHANGED_RESP_SIZE).order(ByteOrder.nativeOrder());
            k.msgSend(coid, msg, resp);
            byte[] answer = new byte[resp.getInt(4)];
            mem.read(resp.getInt(0), ByteBuffer.wrap(answer));
            return new String(answer, StandardCharsets.US_ASCII);
        }

        void release() {
            shm.munmap(mem);
            k.msgSend(coid, Protocol.message(4, Protocol.RELEASE_SHMEM_MSG_TYPE), null);
        }
    }

    @Test
    void s6TheClientFillsTheObjectAndTheReplySynchronisesItWithTheServer() throws Exception {
        Server server = new Server(mk.process("shmem_qnx_server"));
        Future<Void> serving = async(server);
        Client client = new Client(mk.process("shmem_qnx_client"));
        client.get(8192);
        assertEquals("Answer from server", client.change(Client.DEFAULT_CLIENT_STRING));
        assertEquals(List.of(Client.DEFAULT_CLIENT_STRING), server.got);
        assertEquals("Answer from server", client.change("a second update"), "the object is reused");
        assertEquals(List.of(Client.DEFAULT_CLIENT_STRING, "a second update"), server.got);
        client.release();
        assertFalse(server.shmem.isMapped(), "the server unmapped on RELEASE");
        assertEquals(0, server.clientScoid);
        server.k.exit();
        await(serving);
    }

    @Test
    void s4TheHandleIsForThatClientOnlyAndOnlyOnce() throws Exception {
        Server server = new Server(mk.process("shmem_qnx_server"));
        Future<Void> serving = async(server);
        Client client = new Client(mk.process("shmem_qnx_client"));
        client.get(8192);
        fails(Errno.EINVAL, () -> client.shm.shmOpenHandle(client.handle, O_RDWR));
        SharedMemory thief = shm("thief");
        fails(Errno.EINVAL, () -> thief.shmOpenHandle(client.handle, O_RDWR));

        // A handle caught before the client used it is still refused to another process.
        Client second = new Client(mk.process("second"));
        ByteBuffer msg = Protocol.message(Protocol.GET_SIZE, Protocol.GET_SHMEM_MSG_TYPE);
        msg.putInt(4, 8192);
        ByteBuffer resp = ByteBuffer.allocate(Protocol.GET_RESP_SIZE).order(ByteOrder.nativeOrder());
        second.k.msgSend(second.coid, msg, resp);
        fails(Errno.EACCES, () -> thief.shmOpenHandle(resp.getLong(0), O_RDWR));
        second.shm.close(second.shm.shmOpenHandle(resp.getLong(0), O_RDWR));
        server.k.exit();
        await(serving);
    }

    @Test
    void s6TheServerCleansUpWhenItsClientDiesWithoutReleasing() throws Exception {
        Server server = new Server(mk.process("shmem_qnx_server"));
        Future<Void> serving = async(server);
        Kernel clientProcess = mk.process("shmem_qnx_client");
        Client client = new Client(clientProcess);
        client.get(8192);
        client.change("before dying");
        clientProcess.exit();
        assertFalse(client.mem.isMapped(), "the client's mapping went with it");
        eventually("the server saw the DISCONNECT pulse", () -> server.disconnects == 1);
        assertFalse(server.shmem.isMapped(), "and unmapped its side");
        server.k.exit();
        await(serving);
    }

    @Test
    void s6TheServerRefusesBadRequests() throws Exception {
        Server server = new Server(mk.process("shmem_qnx_server"));
        Future<Void> serving = async(server);
        Client client = new Client(mk.process("shmem_qnx_client"));
        ByteBuffer big = Protocol.message(Protocol.GET_SIZE, Protocol.GET_SHMEM_MSG_TYPE);
        big.putInt(4, 128 * 1024);
        fails(Errno.EINVAL, () -> client.k.msgSend(client.coid, big, null));
        client.get(8192);
        ByteBuffer outside = Protocol.message(Protocol.CHANGED_SIZE, Protocol.CHANGED_SHMEM_MSG_TYPE);
        outside.putInt(4, 8000).putInt(8, 500);
        fails(Errno.EBADMSG, () -> client.k.msgSend(client.coid, outside, null));
        Client intruder = new Client(mk.process("intruder"));
        ByteBuffer change = Protocol.message(Protocol.CHANGED_SIZE, Protocol.CHANGED_SHMEM_MSG_TYPE);
        change.putInt(4, 20).putInt(8, 5);
        fails(Errno.EPERM, () -> intruder.k.msgSend(intruder.coid, change, null));
        fails(Errno.ENOSYS, () -> client.k.msgSend(client.coid, Protocol.message(4, IoMsg.IO_MAX + 99), null));
        assertTrue(server.got.isEmpty());
        server.k.exit();
        await(serving);
    }
}
