package io.courier.shm.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;

/** The JDK's failures as errnos: nothing but {@link KernelException} leaves a shared memory call. */
public final class Faults {
    private Faults() {
    }

    /** A refusal of the foreign-memory API on a mapped segment, as the errno it stands for. */
    public static KernelException translate(RuntimeException e) {
        return switch (e) {
            case KernelException k -> k;
            case UnsupportedOperationException u -> new KernelException(Errno.EACCES, "read-only mapping: "
                    + u.getMessage());
            case IllegalArgumentException a when readOnly(a) -> new KernelException(Errno.EACCES,
                    "read-only mapping: " + a.getMessage());
            case IllegalStateException s -> new KernelException(Errno.EFAULT, "the mapping is gone: "
                    + s.getMessage());
            case IllegalArgumentException a -> new KernelException(Errno.EINVAL, "cannot access an aligned word: "
                    + a.getMessage());
            case IndexOutOfBoundsException o -> new KernelException(Errno.EFAULT, o.getMessage());
            default -> throw e;
        };
    }

    /** The JDK refuses a write to a read-only segment with this (no type of its own). */
    private static boolean readOnly(IllegalArgumentException e) {
        return e.getMessage() != null && e.getMessage().contains("read-only");
    }

    /** A file system failure under a shared memory call, as the errno it stands for. */
    static KernelException io(String what, IOException e) {
        Errno errno = switch (e) {
            case NoSuchFileException n -> Errno.ENOENT;
            case FileAlreadyExistsException x -> Errno.EEXIST;
            case AccessDeniedException a -> Errno.EACCES;
            default -> noSpace(e) ? Errno.ENOSPC : Errno.EIO;
        };
        KernelException k = new KernelException(errno, what + ": " + e);
        k.initCause(e);
        return k;
    }

    private static boolean noSpace(IOException e) {
        String m = e.getMessage();
        return m != null && m.contains("No space left");
    }
}
