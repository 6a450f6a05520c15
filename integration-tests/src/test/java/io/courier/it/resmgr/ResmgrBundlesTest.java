package io.courier.it.resmgr;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.courier.itest.CourierTestSupport;
import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.resmgr.IoFunc;
import io.courier.resmgr.Ocb;
import io.courier.resmgr.OpenFlags;
import io.courier.resmgr.Resmgr;
import io.courier.resmgr.ResmgrAttachment;
import io.courier.resmgr.ResmgrContext;
import io.courier.resmgr.ResmgrHandler;
import io.courier.resmgr.ShmemDirectory;
import io.courier.resmgr.ShmemEntry;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

/**
 * SPEC R1, R2, R5 and P1-P3 for resmgr.bundle in Felix: the per-bundle {@link Resmgr} service,
 * the bundle's death taking its names away, the Gogo commands' service, the optional dynamic
 * {@link ShmemDirectory} reference behind {@code /dev/shmem}, and the two example bundles.
 */
public class ResmgrBundlesTest extends CourierTestSupport {
    private static final Duration LIMIT = Duration.ofSeconds(5);
    private static final String COMMANDS = "(&(osgi.command.scope=courier)(osgi.command.function=cat))";

    private <S> S get(ServiceReference<S> reference) {
        S service = context.getService(reference);
        assertNotNull(reference + " did not activate (SCR logged why)", service);
        return service;
    }

    /** A fresh process of the system, to look at the pathname space from outside the probe. */
    private Resmgr observer() {
        return Resmgr.of(get(awaitService(Microkernel.class, LIMIT)).process("observer"));
    }

    private static String readAll(Resmgr rm, String path) {
        int fd = rm.open(path, OpenFlags.O_RDONLY);
        try {
            ByteBuffer buf = ByteBuffer.allocate(4096);
            while (rm.read(fd, buf) > 0) {
                // to the end
            }
            return StandardCharsets.UTF_8.decode(buf.flip()).toString();
        } finally {
            rm.close(fd);
        }
    }

    private static boolean exists(Resmgr rm, String path) {
        try {
            rm.stat(path);
            return true;
        } catch (KernelException e) {
            assertEquals(Errno.ENOENT, e.errno());
            return false;
        }
    }

    @Test
    public void shouldServeThePathsOfTheBundleThatGetsResmgrUntilItReleasesIt() {
        ServiceReference<Resmgr> reference = awaitService(Resmgr.class, LIMIT);
        Resmgr rm = get(reference);
        assertEquals(context.getBundle().getSymbolicName(), rm.kernel().name());
        ByteBuffer answer = ByteBuffer.wrap("from the probe\n".getBytes(StandardCharsets.UTF_8));
        ResmgrAttachment a = rm.resmgrAttach("/dev/it-probe", new ResmgrHandler() {
            @Override
            public ByteBuffer read(ResmgrContext ctx, Ocb ocb, int nbytes) {
                return IoFunc.readAt(ocb, answer, nbytes);
            }
        });
        Resmgr observer = observer();
        assertEquals("from the probe\n", readAll(observer, "/dev/it-probe"));
        context.ungetService(reference);
        assertFalse("the bundle's process died with the service", rm.kernel().isAlive());
        assertFalse(a.attached());
        assertFalse(exists(observer, "/dev/it-probe"));
    }

    @Test
    public void shouldRegisterGogoCommandsThatListCatAndWriteThePathnameSpace() throws Exception {
        await("the courier:ls/cat/write service", LIMIT, () -> commands().isPresent());
        ServiceReference<?> ref = commands().orElseThrow();
        assertEquals("courier", ref.getProperty("osgi.command.scope"));
        assertArrayEquals(new String[] {"ls", "cat", "write"}, (String[]) ref.getProperty("osgi.command.function"));
        Object shell = get(ref);

        Resmgr rm = get(awaitService(Resmgr.class, LIMIT));
        rm.resmgrAttach("/dev/it-memo", new Memo());
        call(shell, "write", "/dev/it-memo", new String[] {"hello", "gogo"});
        assertEquals("hello gogo\n", call(shell, "cat", "/dev/it-memo"));
        String ls = (String) call(shell, "ls", "/dev");
        assertTrue(ls, ls.contains(" it-memo\n"));
        assertTrue(ls, ls.contains(" name/\n"));
    }

    /** Keeps what is written, gives it back. */
    private static final class Memo implements ResmgrHandler {
        private ByteBuffer content = ByteBuffer.allocate(0);

        @Override
        public ByteBuffer read(ResmgrContext ctx, Ocb ocb, int nbytes) {
            return IoFunc.readAt(ocb, content, nbytes);
        }

        @Override
        public int write(ResmgrContext ctx, Ocb ocb, int nbytes) {
            ByteBuffer b = ByteBuffer.allocate(nbytes);
            ctx.msgRead(b, io.courier.resmgr.IoWriteLayout.SIZE);
            content = b.flip();
            return nbytes;
        }
    }

    private Optional<ServiceReference<?>> commands() {
        try {
            ServiceReference<?>[] refs = context.getServiceReferences((String) null, COMMANDS);
            return refs == null ? Optional.empty() : Optional.of(refs[0]);
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** Calls a command function the way Gogo does: by name, on the service object. */
    private static Object call(Object shell, String function, Object... args) throws Exception {
        for (Method m : shell.getClass().getMethods()) {
            if (m.getName().equals(function) && m.getParameterCount() == args.length) {
                try {
                    return m.invoke(shell, args);
                } catch (InvocationTargetException e) {
                    throw (Exception) e.getCause();
                }
            }
        }
        throw new AssertionError("no command " + function + "/" + args.length);
    }

    @Test
    public void shouldListTheObjectsOfEveryShmemDirectoryServiceUnderDevShmem() {
        Resmgr observer = observer();
        ShmemDirectory dir = () -> List.of(new ShmemEntry("it-segment", 4096, 0600, 0, 0));
        ServiceRegistration<ShmemDirectory> reg = context.registerService(ShmemDirectory.class, dir, null);
        try {
            await("/dev/shmem lists it-segment", LIMIT, () -> names(observer, "/dev/shmem").contains("it-segment"));
            assertEquals(4096, observer.stat("/dev/shmem/it-segment").size());
        } finally {
            reg.unregister();
        }
        await("/dev/shmem is empty again", LIMIT, () -> names(observer, "/dev/shmem").isEmpty());
    }

    private static List<String> names(Resmgr rm, String dir) {
        return rm.readdir(dir).stream().map(io.courier.resmgr.DirEntry::name).toList();
    }

    @Test
    public void shouldAttachDevSampleWhileTheExampleBundleRunsAndRemoveItWhenItStops()
            throws IOException, BundleException {
        Resmgr observer = observer();
        Bundle sample = install("rm-sample");
        try {
            sample.start();
            await("/dev/sample attached", LIMIT, () -> exists(observer, "/dev/sample"));
            assertEquals("Hello from /dev/sample\n", readAll(observer, "/dev/sample"));
            int fd = observer.open("/dev/sample", OpenFlags.O_WRONLY);
            observer.write(fd, ByteBuffer.wrap("kept\n".getBytes(StandardCharsets.UTF_8)));
            observer.close(fd);
            assertEquals("kept\n", readAll(observer, "/dev/sample"));
            sample.stop();
            assertFalse("stopping the bundle is process death: its name goes", exists(observer, "/dev/sample"));
        } finally {
            sample.uninstall();
        }
    }

    @Test
    public void shouldServeTheInMemoryFilesystemWhileItsBundleRuns() throws IOException, BundleException {
        Resmgr observer = observer();
        Bundle fs = install("rm-fs");
        try {
            fs.start();
            await("/ramfs attached", LIMIT, () -> exists(observer, "/ramfs"));
            observer.mkdir("/ramfs/dir", 0755);
            int fd = observer.open("/ramfs/dir/file", OpenFlags.O_WRONLY | OpenFlags.O_CREAT);
            observer.write(fd, ByteBuffer.wrap("in memory\n".getBytes(StandardCharsets.UTF_8)));
            observer.close(fd);
            assertEquals(List.of("dir"), names(observer, "/ramfs"));
            assertEquals(List.of("file"), names(observer, "/ramfs/dir"));
            assertEquals("in memory\n", readAll(observer, "/ramfs/dir/file"));
            fs.stop();
            assertFalse(exists(observer, "/ramfs"));
        } finally {
            fs.uninstall();
        }
    }

    /**
     * Installs example {@code examples/<module>}: from the bundles folder when the build copied it
     * there, else from the reactor's {@code examples/<module>/target}.
     */
    private Bundle install(String module) throws IOException, BundleException {
        Path jar = Path.of(System.getProperty("courier.bundles"), "example-" + module + ".jar");
        if (!Files.isRegularFile(jar)) {
            Path target = Path.of("..", "examples", module, "target");
            try (Stream<Path> files = Files.list(target)) {
                jar = files.filter(p -> p.getFileName().toString().matches("example-" + module + "-.*\\.jar"))
                        .filter(p -> !p.getFileName().toString().endsWith("-sources.jar"))
                        .findFirst().orElseThrow(() -> new AssertionError("build examples/" + module + " first"));
            } catch (java.nio.file.NoSuchFileException e) {
                fail("build examples/" + module + " first: " + e.getMessage());
            }
        }
        try (InputStream in = Files.newInputStream(jar)) {
            return context.installBundle("it:" + module + ":" + Arrays.hashCode(new Object[] {jar}), in);
        }
    }
}
