package io.courier.kernel.internal;

import io.courier.kernel.ConnectionInfo;
import io.courier.kernel.Credentials;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.kernel.NameInfo;
import io.courier.kernel.ProcessInfo;
import java.util.List;
import java.util.Optional;

/** The system (being written). */
public final class MicrokernelImpl implements Microkernel {
    /** Boots an embedded kernel. */
    public MicrokernelImpl() {
    }

    @Override
    public Kernel process(String name) {
        throw new KernelException(Errno.ENOSYS, "process");
    }

    @Override
    public Kernel process(String name, Credentials credentials) {
        throw new KernelException(Errno.ENOSYS, "process");
    }

    @Override
    public Optional<Kernel> process(int pid) {
        return Optional.empty();
    }

    @Override
    public List<ProcessInfo> processes() {
        return List.of();
    }

    @Override
    public List<NameInfo> names() {
        return List.of();
    }

    @Override
    public List<ConnectionInfo> connections() {
        return List.of();
    }

    @Override
    public void close() {
    }
}
