package io.courier.shm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SPEC S2, S3, S5: objects are files in /dev/shm, so a second JVM on the machine maps the same
 * bytes: it writes, this JVM reads, and a process-shared semaphore wakes across the two.
 */
@Timeout(120)
class CrossJvmTest extends ShmTestSupport {

    @Test
    void s2ASecondJvmWritesWhatThisJvmReadsThroughTheSameObject() throws Exception {
        long size = 64 * 1024;
        SharedMemory parent = shm("parent");
        Mapping m = create(parent, "/xjvm", size);
        ShmSemaphore ready = m.initSemaphore(ChildJvm.ECHO_READY, 0);
        ShmSemaphore ack = m.initSemaphore(ChildJvm.ECHO_ACK, 0);
        m.segment().set(JAVA_LONG, ChildJvm.ECHO_INPUT, 21);

        Process child = ChildJvm.start(SharedMemory.directory(mk), "echo", "/xjvm", Long.toString(size));
        ready.await(java.time.Duration.ofSeconds(60));
        assertEquals(42, m.segment().get(JAVA_LONG, ChildJvm.ECHO_OUTPUT), "the child read our input and answered");
        for (long i = ChildJvm.ECHO_PATTERN; i < size; i++) {
            assertEquals(ChildJvm.pattern(i), m.segment().get(JAVA_BYTE, i), "byte " + i);
        }
        ack.post();
        String out = ChildJvm.finish(child);
        assertTrue(out.contains("ECHOED pid " + child.pid()), out);
        assertEquals(List.of("/xjvm"), SharedMemory.list(mk).stream().map(ShmStat::name).toList(),
                "the child's kernel closed without unlinking our object");
    }
}
