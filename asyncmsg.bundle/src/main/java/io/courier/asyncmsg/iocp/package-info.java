/**
 * I/O completion ports after the IBM i sockets API ({@code qsoasync.h}): a common wait point
 * that worker threads block on, and asynchronous receive, send and accept operations on real
 * TCP sockets that post their completions to it (SPEC A7).
 *
 * <p>{@link io.courier.asyncmsg.iocp.IoCompletionPort} mirrors
 * {@code QsoCreateIOCompletionPort}, {@code QsoStartRecv}, {@code QsoStartSend},
 * {@code QsoStartAccept}, {@code QsoWaitForIOCompletion}, {@code QsoPostIOCompletion},
 * {@code QsoCancelOperation} and {@code QsoDestroyIOCompletionPort};
 * {@link io.courier.asyncmsg.iocp.OverlappedIo} is the {@code Qso_OverlappedIO_t} communications
 * area and {@link io.courier.asyncmsg.iocp.Completion} what a waiting thread is handed.
 *
 * <p>Exported and never imported: the static entry points find their implementation through
 * this bundle's own class loader ({@link io.courier.kernel.Providers}), so they must be this
 * bundle's classes, not another bundle's copy of the package.
 */
@Export(substitution = Export.Substitution.NOIMPORT)
@Version("0.2.0")
package io.courier.asyncmsg.iocp;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
