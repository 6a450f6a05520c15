package io.courier.examples.shm.handles.client;

import io.courier.examples.shm.handles.ShmemQnx;

import io.courier.kernel.Kernel;
import io.courier.shm.Mapping;
import io.courier.shm.SharedMemory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * {@code shmem_qnx_client}: gets a handle from the server, maps the object, puts its text at
 * byte 20, tells the server with a CHANGED message and reads the answer from the object when
 * the reply unblocks it; then unmaps and releases.
 */
public final class ShmemClient {
    /** What the client sends when given nothing else. */
    public static final String DEFAULT_CLIENT_STRING = "hello from client";
    private static final int BYTES = 8192;
    private static final int TEXT_OFFSET = 20;

    private ShmemClient() {
    }

    /** One exchange with the server as process {@code k}; returns the server's answer. */
    public static String exchange(Kernel k, String text) {
        SharedMemory shm = SharedMemory.of(k);
        int coid = k.nameOpen(ShmemQnx.SHMEM_SERVER_NAME, 0);
        try {
            ByteBuffer getResp = ShmemQnx.buffer(8);
            k.msgSend(coid, ShmemQnx.getMsg(BYTES), getResp);
            int memFd = shm.shmOpenHandle(getResp.getLong(0), SharedMemory.O_RDWR);
            Mapping mem;
            try {
                mem = shm.mmap(BYTES, SharedMemory.PROT_READ | SharedMemory.PROT_WRITE, SharedMemory.MAP_SHARED, memFd,
                        0);
            } finally {
                // Once mapped, the fd is no longer needed.
                shm.close(memFd);
            }
            byte[] b = text.getBytes(StandardCharsets.US_ASCII);
            mem.write(TEXT_OFFSET, ByteBuffer.wrap(b));
            ByteBuffer changedResp = ShmemQnx.buffer(8);
            k.msgSend(coid, ShmemQnx.changedMsg(TEXT_OFFSET, b.length), changedResp);
            byte[] answer = new byte[changedResp.getInt(4)];
            mem.read(changedResp.getInt(0), ByteBuffer.wrap(answer));
            shm.munmap(mem);
            k.msgSend(coid, ShmemQnx.releaseMsg(), null);
            return new String(answer, StandardCharsets.US_ASCII);
        } finally {
            k.nameClose(coid);
        }
    }
}
