package io.courier.examples.rmsample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.IoMsg;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.resmgr.Dcmd;
import io.courier.resmgr.IoWriteLayout;
import io.courier.resmgr.Mode;
import io.courier.resmgr.OpenFlags;
import io.courier.resmgr.Resmgr;
import io.courier.resmgr.internal.osgi.ResmgrCommands;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** SPEC R1-R3 through the /dev/sample example: the rm_intro behaviour, by fd calls and by the Gogo commands. */
@Timeout(60)
class SampleDeviceTest {
    private Microkernel mk;
    private Resmgr client;
    private SampleComponent component;

    @BeforeEach
    void boot() {
        mk = Microkernel.boot();
        component = new SampleComponent(Resmgr.of(mk.process("example-rm-sample")));
        client = Resmgr.of(mk.process("client"));
    }

    @AfterEach
    void close() {
        mk.close();
    }

    private String read(int fd) {
        StringBuilder sb = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocate(7);
        while (client.read(fd, buf.clear()) > 0) {
            sb.append(StandardCharsets.UTF_8.decode(buf.flip()));
        }
        return sb.toString();
    }

    @Test
    void readsAnswerWithTheMessageOncePerOpen() {
        int fd = client.open(SampleDevice.PATH, OpenFlags.O_RDONLY);
        assertEquals(SampleDevice.GREETING, read(fd), "read in pieces of 7 until the end");
        assertEquals("", read(fd), "then end of file");
        client.close(fd);
        int again = client.open(SampleDevice.PATH, OpenFlags.O_RDONLY);
        assertEquals(SampleDevice.GREETING, read(again), "each open starts at the beginning");
        client.close(again);
    }

    @Test
    void writesAreKeptAndReadBack() {
        int w = client.open(SampleDevice.PATH, OpenFlags.O_WRONLY);
        ByteBuffer data = ByteBuffer.wrap("kept by the device\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(data.remaining(), client.write(w, data));
        client.close(w);
        int r = client.open(SampleDevice.PATH, OpenFlags.O_RDONLY);
        assertEquals("kept by the device\n", read(r));
        assertEquals(19, client.stat(r).size());
        client.close(r);

        int a = client.open(SampleDevice.PATH, OpenFlags.O_WRONLY | OpenFlags.O_APPEND);
        client.write(a, ByteBuffer.wrap("and more\n".getBytes(StandardCharsets.UTF_8)));
        client.close(a);
        assertEquals("kept by the device\nand more\n", read(client.open(SampleDevice.PATH, OpenFlags.O_RDONLY)));
    }

    @Test
    void theRestIsTheIofuncDefaults() {
        int fd = client.open(SampleDevice.PATH, OpenFlags.O_RDWR);
        assertEquals(Mode.S_IFCHR | 0666, client.stat(fd).mode());
        assertEquals(6, client.lseek(fd, 6, io.courier.resmgr.Resmgr.SEEK_SET));
        ByteBuffer flags = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
        client.devctl(fd, Dcmd.DCMD_ALL_GETFLAGS, null, flags);
        assertEquals(OpenFlags.O_RDWR, flags.getInt(0));
        KernelException e = assertThrows(KernelException.class,
                () -> client.devctl(fd, Dcmd.none(Dcmd.DCMD_MISC, 3), null, null));
        assertEquals(Errno.ENOTTY, e.errno());
        int ro = client.open(SampleDevice.PATH, OpenFlags.O_RDONLY);
        assertEquals(Errno.EBADF,
                assertThrows(KernelException.class, () -> client.write(ro, ByteBuffer.allocate(1))).errno());
        client.close(fd);
        client.close(ro);
    }

    /** SPEC R2: a write whose header claims more than the client sent is refused whole, never cut. */
    @Test
    void r2AWriteClaimingMoreThanItCarriesIsEbadmsgAndTheMessageStays() {
        int fd = client.open(SampleDevice.PATH, OpenFlags.O_RDWR);
        ByteBuffer w = ByteBuffer.allocate(IoWriteLayout.SIZE + 5).order(ByteOrder.nativeOrder());
        IoWriteLayout.put(w, 0, 1000);
        w.put(IoWriteLayout.SIZE, "short".getBytes(StandardCharsets.UTF_8));
        assertEquals(Errno.EBADMSG, assertThrows(KernelException.class,
                () -> client.kernel().msgSend(fd, w, null)).errno());
        ByteBuffer stat = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putShort(0, (short) IoMsg.IO_STAT);
        assertEquals(Errno.EBADMSG, assertThrows(KernelException.class,
                () -> client.kernel().msgSend(fd, stat, ByteBuffer.allocate(128))).errno(), "a stat cut short");
        assertEquals(SampleDevice.GREETING, read(fd), "the message is untouched");
        client.close(fd);
    }

    @Test
    void theGogoCommandsCatAndWriteTheDevice() {
        ResmgrCommands shell = new ResmgrCommands(Resmgr.of(mk.process("gogo")));
        assertEquals(SampleDevice.GREETING, shell.cat(SampleDevice.PATH));
        shell.write(SampleDevice.PATH, "hello", "sample");
        assertEquals("hello sample\n", shell.cat(SampleDevice.PATH));
        assertTrue(shell.ls("/dev").contains(" sample\n"));
        assertTrue(shell.ls(SampleDevice.PATH).startsWith("crw-rw-rw-"));
    }

    @Test
    void deactivatingTheComponentTakesTheNameAway() {
        component.deactivate();
        assertFalse(component.attachment().attached());
        assertEquals(Errno.ENOENT, assertThrows(KernelException.class,
                () -> client.open(SampleDevice.PATH, OpenFlags.O_RDONLY)).errno());
    }
}
