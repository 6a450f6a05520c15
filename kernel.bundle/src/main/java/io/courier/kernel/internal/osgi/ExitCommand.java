package io.courier.kernel.internal.osgi;

import org.osgi.service.component.annotations.Component;

/**
 * The Gogo command {@code exit [status]} of the Courier shell: ends the runtime as SIGTERM does
 * (the JVM's shutdown hook stops the framework, so every component is deactivated) and the JVM
 * with {@code status}. Gogo's own {@code exit}, {@code System.exit} called on the shell's thread,
 * ends the JVM too, but the shell, stopped while it waits for that call, prints an
 * {@code InterruptedException}; here the call is made on a thread of its own and the command
 * returns at once, as {@code stop 0} does. Courier's profile looks in the {@code courier} scope
 * first, so this is the {@code exit} the shell runs.
 */
@Component(service = ExitCommand.class, property = {
    "osgi.command.scope=courier",
    "osgi.command.function=exit"
})
public final class ExitCommand {
    /** {@code exit}: ends the runtime with status 0. */
    public void exit() {
        exit(0);
    }

    /** {@code exit status}: ends the runtime, the JVM's exit status {@code status}. */
    public void exit(int status) {
        Thread.ofPlatform().name("courier-exit").start(() -> System.exit(status));
    }
}
