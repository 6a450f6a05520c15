package io.courier.asyncmsg.internal.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The asynchronous messaging settings (configuration PID {@code io.courier.asyncmsg}), as the
 * Metatype service describes them: in the runtime, {@code conf/io.courier.asyncmsg.cfg}.
 */
@ObjectClassDefinition(id = AsyncMessagingRuntime.PID, name = "Courier asynchronous messaging",
        description = "Limits of asynchronous messaging and I/O completion ports. A value that is not valid is"
                + " logged and the value in use stays.")
@interface AsyncMsgConfig {
    /** The most I/O completion ports one process may hold. */
    @AttributeDefinition(name = "Completion ports per process", min = "1", max = "65536",
            description = "The most I/O completion ports one process may hold at once (ENOBUFS beyond; IBM i's"
                    + " limit is 256). Takes effect at the next port created; ports already open stay.")
    int iocp_maxPortsPerProcess() default 256;
}
