package io.courier.kernel.internal.osgi;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.internal.MicrokernelImpl;
import io.courier.kernel.internal.node.NodeKernelChild;
import io.courier.kernel.internal.node.NodeTestSupport;
import java.io.BufferedReader;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue 20 (B2) with SPEC K16: {@code pidin} and {@code names} of a kernel in a node show the whole node. */
@Timeout(60)
class PidinCommandNodeTest extends NodeTestSupport {

    private static boolean matches(String text, String regex) {
        return Pattern.compile(regex, Pattern.MULTILINE).matcher(text).find();
    }

    @Test
    void pidinAndNamesShowTheProcessesAndNamesOfEveryJvmOfTheNodeWithItsOsPid() throws Exception {
        Process procs = null;
        Process names = null;
        try (MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, folder)) {
            Kernel mine = mk.process("mine");
            mine.nameAttach("here", 0);
            procs = NodeKernelChild.start("procs", root.toString(), nodeName);
            String[] p = NodeKernelChild.expectLine(procs, NodeKernelChild.output(procs), "PROCS ").split(" ");
            names = NodeKernelChild.start("names", root.toString(), nodeName, "there");
            BufferedReader out = NodeKernelChild.output(names);
            String[] n = NodeKernelChild.expectLine(names, out, "ATTACHED ").split(" ");
            long me = ProcessHandle.current().pid();
            PidinCommand cmd = new PidinCommand(mk);

            // This JVM's rows as before, led by its OS pid; each other JVM's process one row, led by that JVM's.
            String betaRow = "^\\s*" + procs.pid() + "\\s+" + p[3] + "\\s+-\\s+beta\\s+-\\s+RECEIVE\\s+1 thread \\(other JVM\\)$";
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!matches(cmd.pidin(), betaRow) && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            String all = cmd.pidin();
            assertTrue(matches(all, "^\\s*jvm\\s+pid\\s+tid\\s+name\\s+prio\\s+STATE\\s+Blocked$"), all);
            assertTrue(matches(all, "^\\s*" + me + "\\s+" + mine.pid() + "\\s+-\\s+mine\\s"), all);
            assertTrue(matches(all, betaRow), all);
            assertTrue(matches(all, "^\\s*" + procs.pid() + "\\s+" + p[2]
                    + "\\s+-\\s+alpha\\s+-\\s+\\(none\\)\\s+no thread in the kernel \\(other JVM\\)$"), all);
            assertTrue(matches(all, "^\\s*" + names.pid() + "\\s+" + n[1] + "\\s+-\\s+namer\\s+"), all);

            String listed = cmd.names();
            assertTrue(matches(listed, "^here\\s+pid " + mine.pid() + " chid \\d+ jvm " + me + "$"), listed);
            assertTrue(matches(listed, "^there\\s+pid " + n[1] + " chid " + n[2] + " jvm " + names.pid() + "$"), listed);

            long namesPid = names.pid();
            names.destroyForcibly(); // SIGKILL of the child this test started
            assertTrue(names.waitFor(10, TimeUnit.SECONDS));
            end = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (matches(cmd.pidin(), "^\\s*" + namesPid + "\\s") && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            assertFalse(matches(cmd.pidin(), "^\\s*" + namesPid + "\\s"), cmd.pidin());
            assertFalse(cmd.names().contains("there"), cmd.names());
            assertTrue(matches(cmd.pidin(), betaRow), cmd.pidin());
        } finally {
            NodeKernelChild.stop(procs);
            NodeKernelChild.stop(names);
        }
    }
}
