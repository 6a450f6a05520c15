package io.courier.shm.internal.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The shared memory settings (configuration PID {@code io.courier.shm}), as the Metatype service
 * describes them: in the runtime, {@code conf/io.courier.shm.cfg}.
 */
@ObjectClassDefinition(id = SharedMemoryManagerComponent.PID, name = "Courier shared memory",
        description = "Where named shared memory objects live and how large one may be. A value that is not"
                + " valid is logged and the value in use stays.")
@interface ShmConfig {
    /** The folder of named objects. */
    @AttributeDefinition(name = "Folder", required = false,
            description = "The folder that holds the named objects; processes of JVMs given the same folder"
                    + " share objects by name. Empty: a private folder under /dev/shm, removed with the kernel."
                    + " Default: the system property courier.shm.dir. A change restarts the shared memory"
                    + " manager: every open fd and mapping closes (as at each process's death), the objects"
                    + " of a shared folder stay in it, and the next shm_open finds the new folder.")
    String dir() default "";

    /** The largest object size in bytes. */
    @AttributeDefinition(name = "Largest object (bytes)", min = "0",
            description = "The largest size ftruncate gives an object (ENOMEM beyond); 0: the size of the"
                    + " folder's file store. Default: the system property courier.shm.maxSize."
                    + " Takes effect at the next ftruncate.")
    long maxSize() default 0;
}
