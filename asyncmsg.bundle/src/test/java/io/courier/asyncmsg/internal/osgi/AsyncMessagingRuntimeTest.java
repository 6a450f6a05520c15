package io.courier.asyncmsg.internal.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.courier.asyncmsg.iocp.IoCompletionPort;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The asyncmsg settings (configuration io.courier.asyncmsg) applied by the bundle's runtime component. */
@Timeout(60)
class AsyncMessagingRuntimeTest {
    private final Microkernel mk = Microkernel.boot();
    private final List<IoCompletionPort> ports = new ArrayList<>();

    @AfterEach
    void close() {
        ports.forEach(IoCompletionPort::close);
        mk.close();
    }

    private void fill(Kernel process, int count) {
        for (int i = 0; i < count; i++) {
            ports.add(IoCompletionPort.create(process));
        }
    }

    @Test
    void shouldApplyANewPortLimitToTheNextPortAndKeepItForABadValue() {
        AsyncMessagingRuntime runtime = new AsyncMessagingRuntime(Map.of("iocp.maxPortsPerProcess", "2"));
        try {
            Kernel process = mk.process("ports");
            fill(process, 2);
            assertEquals(Errno.ENOBUFS, assertThrows(KernelException.class, () -> IoCompletionPort.create(process)).errno());

            runtime.modified(Map.of("iocp.maxPortsPerProcess", 3));
            fill(process, 1);
            runtime.modified(Map.of("iocp.maxPortsPerProcess", "0"));
            assertEquals(Errno.ENOBUFS, assertThrows(KernelException.class, () -> IoCompletionPort.create(process)).errno(),
                    "0 is not valid: 3 stays");

            runtime.modified(Map.of());
            fill(process, 1);
        } finally {
            runtime.deactivate();
        }
    }

    @Test
    void shouldLeaveTheDefaultLimitWhenItStops() {
        new AsyncMessagingRuntime(Map.of("iocp.maxPortsPerProcess", "1")).deactivate();
        Kernel process = mk.process("ports");
        fill(process, 2);
    }
}
