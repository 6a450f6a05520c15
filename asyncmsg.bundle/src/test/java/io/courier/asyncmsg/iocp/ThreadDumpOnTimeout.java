package io.courier.asyncmsg.iocp;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.PreInterruptCallback;
import org.junit.jupiter.api.extension.PreInterruptContext;

/** A test that runs past its {@code @Timeout} prints every thread's stack before it is stopped. */
final class ThreadDumpOnTimeout implements PreInterruptCallback {
    @Override
    public void beforeThreadInterrupt(PreInterruptContext interrupt, ExtensionContext context) {
        StringBuilder dump = new StringBuilder("Timed out: ")
                .append(context.getDisplayName()).append(System.lineSeparator());
        for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            dump.append(info);
        }
        System.err.print(dump);
    }
}
