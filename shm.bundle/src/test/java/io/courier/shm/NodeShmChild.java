package io.courier.shm;

import io.courier.testing.ChildJvms;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.node.NodeFolder;
import io.courier.shm.internal.ShmRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A JVM of the test's node, driven line by line on its standard input: it boots a kernel that
 * joins the node ({@code -Dcourier.node}, {@code -Dcourier.node.root}), makes process 0 and
 * prints {@code PID <pid>}, then answers each command with one line: the result, or
 * {@code ERR <errno>} when the kernel call failed. Every command names the process (an index)
 * that makes the call.
 *
 * <pre>
 * P newproc                  PID pid          (P is ignored)
 * P anon SIZE                FD fd            an anonymous object of SIZE bytes
 * P named NAME SIZE          FD fd            a named object of SIZE bytes, 0600
 * P handle FD PID PERMS      HANDLE h         shmCreateHandle
 * P open H PERMS             FD fd            shmOpenHandle
 * P delete H                 OK               shmDeleteHandle
 * P close FD                 OK
 * P map FD SIZE PROT         MAP i            mmap MAP_SHARED
 * P put I OFFSET VALUE       OK               a long into mapping i
 * P get I OFFSET             VALUE v          a long of mapping i
 * P exitproc                 OK               the process dies
 * P folder                   FOLDER path      this JVM's private shared memory folder
 * P quit                                      closes the kernel and exits 0
 * </pre>
 */
public final class NodeShmChild {
    private NodeShmChild() {
    }

    public static void main(String[] args) throws IOException {
        ChildJvms.haltAfter(90_000);
        Microkernel mk = Microkernel.boot();
        if (mk.nodeSelf() == null) {
            System.out.println("ERR not in a node: " + System.getProperty(NodeFolder.NAME_PROPERTY));
            System.exit(2);
        }
        // As the shm bundle's manager component does in a runtime: the shared memory starts with the kernel.
        ShmRegistry.of(mk);
        List<SharedMemory> procs = new ArrayList<>();
        List<Mapping> maps = new ArrayList<>();
        procs.add(SharedMemory.of(mk.process("child0")));
        System.out.println("PID " + procs.get(0).kernel().pid());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null;) {
            String[] a = line.trim().split(" ");
            if (a[1].equals("quit")) {
                mk.close();
                System.exit(0);
            }
            SharedMemory s = procs.get(Integer.parseInt(a[0]));
            String out;
            try {
                out = switch (a[1]) {
                    case "newproc" -> {
                        Kernel k = mk.process("child" + procs.size());
                        procs.add(SharedMemory.of(k));
                        yield "PID " + k.pid();
                    }
                    case "anon" -> {
                        int fd = s.shmOpen(SharedMemory.SHM_ANON, SharedMemory.O_RDWR | SharedMemory.O_CREAT, 0600);
                        s.ftruncate(fd, Long.parseLong(a[2]));
                        yield "FD " + fd;
                    }
                    case "named" -> {
                        int fd = s.shmOpen(a[2], SharedMemory.O_RDWR | SharedMemory.O_CREAT, 0600);
                        s.ftruncate(fd, Long.parseLong(a[3]));
                        yield "FD " + fd;
                    }
                    case "handle" -> "HANDLE " + s.shmCreateHandle(Integer.parseInt(a[2]), Integer.parseInt(a[3]),
                            Integer.parseInt(a[4]), 0);
                    case "open" -> "FD " + s.shmOpenHandle(Long.parseLong(a[2]), Integer.parseInt(a[3]));
                    case "delete" -> {
                        s.shmDeleteHandle(Long.parseLong(a[2]));
                        yield "OK";
                    }
                    case "close" -> {
                        s.close(Integer.parseInt(a[2]));
                        yield "OK";
                    }
                    case "map" -> {
                        maps.add(s.mmap(Long.parseLong(a[3]), Integer.parseInt(a[4]), SharedMemory.MAP_SHARED,
                                Integer.parseInt(a[2]), 0));
                        yield "MAP " + (maps.size() - 1);
                    }
                    case "put" -> {
                        maps.get(Integer.parseInt(a[2])).segment().set(ValueLayout.JAVA_LONG, Long.parseLong(a[3]),
                                Long.parseLong(a[4]));
                        yield "OK";
                    }
                    case "get" -> "VALUE " + maps.get(Integer.parseInt(a[2])).segment().get(ValueLayout.JAVA_LONG,
                            Long.parseLong(a[3]));
                    case "exitproc" -> {
                        s.kernel().exit();
                        yield "OK";
                    }
                    case "folder" -> "FOLDER " + privateFolder();
                    default -> "ERR unknown command " + a[1];
                };
            } catch (KernelException e) {
                out = "ERR " + e.errno();
            } catch (RuntimeException e) {
                out = "CRASH " + e;
            }
            System.out.println(out);
            System.out.flush();
        }
        mk.close();
    }

    /** This JVM's private folder under /dev/shm: courier-PID-*. */
    private static Path privateFolder() throws IOException {
        String prefix = "courier-" + ProcessHandle.current().pid() + "-";
        try (var s = java.nio.file.Files.list(Path.of("/dev/shm"))) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).findFirst().orElse(null);
        }
    }
}
