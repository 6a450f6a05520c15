package io.courier.examples.shm.handles;

import io.courier.kernel.IoMsg;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@code shmem_qnx.h}: the messages between client and server, QNX's C structs in native byte
 * order. Only offsets and lengths travel in messages; the data stays in the shared object. A
 * bundle of its own: the client imports it, never the server.
 *
 * <pre>
 * get_shmem_msg_t       u16 type | pad | u32 shared_mem_bytes         (8 bytes)
 * get_shmem_resp_t      u64 mem_handle                                (8 bytes)
 * changed_shmem_msg_t   u16 type | pad | u32 offset | u32 length      (12 bytes)
 * changed_shmem_resp_t  u32 offset | u32 length                       (8 bytes)
 * release_shmem_msg_t   u16 type | pad                                (4 bytes)
 * </pre>
 */
public final class ShmemQnx {
    /** Asks for a shared object of a size. */
    public static final int GET_SHMEM_MSG_TYPE = IoMsg.IO_MAX + 200;
    /** Tells the server that bytes of the object changed. */
    public static final int CHANGED_SHMEM_MSG_TYPE = IoMsg.IO_MAX + 201;
    /** Tells the server the client is done with the object. */
    public static final int RELEASE_SHMEM_MSG_TYPE = IoMsg.IO_MAX + 202;
    /** The server's name. */
    public static final String SHMEM_SERVER_NAME = "shmem_server";
    /** The largest object the server makes. */
    public static final int MAX_BYTES = 64 * 1024;

    private ShmemQnx() {
    }

    /** A GET message: a shared object of {@code bytes} bytes, please. */
    public static ByteBuffer getMsg(int bytes) {
        return message(8, GET_SHMEM_MSG_TYPE).putInt(4, bytes);
    }

    /** A CHANGED message: {@code length} bytes at {@code offset} of the object changed. */
    public static ByteBuffer changedMsg(int offset, int length) {
        return message(12, CHANGED_SHMEM_MSG_TYPE).putInt(4, offset).putInt(8, length);
    }

    /** A RELEASE message: done with the object. */
    public static ByteBuffer releaseMsg() {
        return message(4, RELEASE_SHMEM_MSG_TYPE);
    }

    /** A buffer for a message or reply of {@code size} bytes, in native order. */
    public static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
    }

    private static ByteBuffer message(int size, int type) {
        ByteBuffer b = buffer(size);
        b.putShort(0, (short) type);
        return b;
    }
}
