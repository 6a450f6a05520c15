package io.courier.asyncmsg.iocp.internal;

import io.courier.asyncmsg.iocp.Operation;
import io.courier.asyncmsg.iocp.OverlappedIo;
import io.courier.kernel.Errno;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.SocketChannel;

/**
 * The port's way to write the output fields of an {@link OverlappedIo}, which has no public
 * setters for them. {@code OverlappedIo} installs the writer when its class is initialised
 * (the pattern of the JDK's {@code SharedSecrets}). Not API: the package is not exported.
 */
public final class IoAccess {
    /** Writes the output fields of one area. */
    @FunctionalInterface
    public interface Results {
        /** Sets returnValue, errno, accepted, postFlagResult and operationCompleted. */
        void complete(OverlappedIo io, Operation operation, int returnValue, Errno errno,
                SocketChannel accepted, boolean postFlagResult);
    }

    private static final VarHandle RESULTS;

    static {
        try {
            RESULTS = MethodHandles.lookup().findStaticVarHandle(IoAccess.class, "results",
                    Results.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through RESULTS
    private static Results results;

    private IoAccess() {
    }

    /** Called once by {@code OverlappedIo}'s class initialiser; later calls are ignored. */
    public static void install(Results writer) {
        // Release pairs with the acquire in complete(): the writer is fully built when seen.
        RESULTS.compareAndExchangeRelease((Results) null, writer);
    }

    static void complete(OverlappedIo io, Operation operation, int returnValue, Errno errno,
            SocketChannel accepted, boolean postFlagResult) {
        Results writer = (Results) RESULTS.getAcquire();
        if (writer == null) {
            // Only reachable if an area reached us through a racy publication.
            ensureInitialised();
            writer = (Results) RESULTS.getAcquire();
        }
        writer.complete(io, operation, returnValue, errno, accepted, postFlagResult);
    }

    private static void ensureInitialised() {
        try {
            Class.forName(OverlappedIo.class.getName(), true, OverlappedIo.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
