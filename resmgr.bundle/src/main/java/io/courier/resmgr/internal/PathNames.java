package io.courier.resmgr.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.resmgr.Resmgr;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/** Path checks and lexical resolution; every path in the pathname space is canonical. */
final class PathNames {
    private PathNames() {
    }

    /**
     * A client's path made canonical: {@code /}-separated components from the root, no empty
     * components, {@code .} dropped, {@code ..} taking one back (never above the root).
     *
     * @throws KernelException EINVAL for null or a NUL; ENOENT for ""; ENAMETOOLONG
     */
    static String normalize(String path) {
        if (path == null) {
            throw new KernelException(Errno.EINVAL, "path is null");
        }
        if (path.isEmpty()) {
            throw new KernelException(Errno.ENOENT, "empty path");
        }
        checkLengths(path);
        Deque<String> parts = new ArrayDeque<>();
        for (String c : path.split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                parts.pollLast();
            } else {
                parts.addLast(c);
            }
        }
        if (parts.isEmpty()) {
            return "/";
        }
        StringBuilder sb = new StringBuilder(path.length());
        for (String c : parts) {
            sb.append('/').append(c);
        }
        return sb.toString();
    }

    /**
     * Checks a path a manager attaches: absolute and already canonical.
     *
     * @throws KernelException EINVAL otherwise; ENAMETOOLONG
     */
    static void checkAttachPath(String path) {
        if (path == null || path.isEmpty() || path.charAt(0) != '/') {
            throw new KernelException(Errno.EINVAL, "an attached path is absolute: " + path);
        }
        checkLengths(path);
        if (path.equals("/")) {
            return;
        }
        for (String c : path.substring(1).split("/", -1)) {
            if (c.isEmpty() || c.equals(".") || c.equals("..")) {
                throw new KernelException(Errno.EINVAL,
                        "an attached path has no empty, '.' or '..' components: " + path);
            }
        }
    }

    /**
     * Checks a path relative to a mount point, as a manager receives it: canonical, without a
     * leading {@code /}; "" for the mount point.
     *
     * @throws KernelException EINVAL otherwise; ENAMETOOLONG
     */
    static void checkRelative(String rel) {
        if (rel.isEmpty()) {
            return;
        }
        checkLengths(rel);
        for (String c : rel.split("/", -1)) {
            if (c.isEmpty() || c.equals(".") || c.equals("..")) {
                throw new KernelException(Errno.EINVAL, "bad relative path: " + rel);
            }
        }
    }

    private static void checkLengths(String path) {
        if (path.indexOf('\0') >= 0) {
            throw new KernelException(Errno.EINVAL, "a path holds no NUL");
        }
        if (path.length() > Resmgr.PATH_MAX || path.getBytes(StandardCharsets.UTF_8).length > Resmgr.PATH_MAX) {
            throw new KernelException(Errno.ENAMETOOLONG, "a path has at most " + Resmgr.PATH_MAX + " bytes");
        }
        int start = 0;
        for (int i = 0; i <= path.length(); i++) {
            if (i == path.length() || path.charAt(i) == '/') {
                // A UTF-16 unit takes at most 3 UTF-8 bytes: count bytes only when it could matter.
                if ((i - start) * 3 > Resmgr.NAME_MAX
                        && path.substring(start, i).getBytes(StandardCharsets.UTF_8).length > Resmgr.NAME_MAX) {
                    throw new KernelException(Errno.ENAMETOOLONG,
                            "a path component has at most " + Resmgr.NAME_MAX + " bytes");
                }
                start = i + 1;
            }
        }
    }

    /** The parent of a canonical absolute path; "/" for "/" itself. */
    static String parent(String path) {
        int i = path.lastIndexOf('/');
        return i <= 0 ? "/" : path.substring(0, i);
    }

    /** The part of a relative path before its last component ("" when it has one component). */
    static String relativeParent(String rel) {
        int i = rel.lastIndexOf('/');
        return i < 0 ? "" : rel.substring(0, i);
    }

    /** The last component of a path. */
    static String lastName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** {@code child} relative to {@code prefix}, a canonical prefix of it (whole components). */
    static String relativeTo(String prefix, String child) {
        if (prefix.equals(child)) {
            return "";
        }
        return prefix.equals("/") ? child.substring(1) : child.substring(prefix.length() + 1);
    }
}
