package io.courier.itest;

import static org.ops4j.pax.exam.CoreOptions.bootDelegationPackage;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemPackage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.inject.Inject;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * The one Pax Exam configuration of Courier's integration tests: Felix (the native container,
 * in the test JVM) with the runtime's own bundles, the resolved -runbundles of
 * {@code runtime/courier.bndrun} as the build copied them to {@code runtime/target/courier}
 * ({@code boot/}: logging and configuration, started first; {@code bundle/}: SCR, Gogo,
 * metatype and the Courier bundles of this reactor), with FileInstall watching a fresh folder
 * and Logback writing what the bundles say to the console (warnings) and the OSGi log (Courier's
 * INFO too). One framework per test class.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public abstract class CourierTestSupport {
    /** The symbolic names of the Courier bundles every runtime holds. */
    protected static final String[] COURIER_BUNDLES = {
        "io.courier.kernel", "io.courier.asyncmsg", "io.courier.shm", "io.courier.resmgr", "io.courier.console"};

    /** The framework property naming the folder FileInstall watches. */
    protected static final String DEPLOY_DIR = "felix.fileinstall.dir";

    /** The test probe's context: services got through it are got for the probe bundle. */
    @Inject
    protected BundleContext context;

    /** The Felix configuration, built in the test JVM before the framework starts. */
    @Configuration
    public Option[] config() {
        return options(
                frameworkProperty(DEPLOY_DIR).value(newDeployDir().toString()),
                // The kernel's Flight Recorder events need the JDK's jdk.jfr package; the tests
                // read recordings with jdk.jfr.consumer.
                systemPackage("jdk.jfr"),
                systemPackage("jdk.jfr.consumer"),
                // While a recording runs, JFR rewrites events to call jdk.jfr.internal.event.
                bootDelegationPackage("jdk.jfr.internal.*"),
                frameworkProperty("felix.fileinstall.poll").value("100"),
                frameworkProperty("felix.fileinstall.noInitialDelay").value("true"),
                // Gogo's shell must leave the test JVM's standard input alone: it is Surefire's.
                frameworkProperty("gosh.args").value("--nointeractive"),
                frameworkProperty("org.ops4j.pax.logging.StaticLogbackFile").value(requiredProperty("courier.it.logback")),
                frameworkProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"),
                // The web console's HTTP service: loopback, on a port free at its start (0), so
                // that test frameworks never compete for one.
                frameworkProperty("org.apache.felix.http.host").value("127.0.0.1"),
                frameworkProperty("org.osgi.service.http.port").value("0"),
                composite(runtimeBundles("boot", 1)),
                composite(runtimeBundles("bundle", 2)),
                junitBundles());
    }

    /**
     * The jars of the runtime's {@code folder} ({@code boot} or {@code bundle} of
     * {@code runtime/target/courier}), installed at {@code startLevel}, in name order as Felix's
     * launcher installs them.
     */
    private static Option[] runtimeBundles(String folder, int startLevel) {
        Path dir = runtimeHome().resolve(folder);
        try (Stream<Path> jars = Files.list(dir)) {
            Option[] bundles = jars.filter(jar -> jar.getFileName().toString().endsWith(".jar")).sorted()
                    .map(jar -> bundle(jar.toUri().toString()).startLevel(startLevel))
                    .toArray(Option[]::new);
            if (bundles.length == 0) {
                throw new IllegalStateException(dir + " holds no bundle: the runtime module builds it before the tests");
            }
            return bundles;
        } catch (IOException e) {
            throw new UncheckedIOException(dir + " is unreadable: the runtime module builds it before the tests", e);
        }
    }

    /** The assembled runtime, {@code runtime/target/courier}. */
    protected static Path runtimeHome() {
        return Path.of(requiredProperty("courier.runtime"));
    }

    /** The jar of a bundle of this reactor, {@code target/bundles/<artifactId>.jar}. */
    protected static Path courierJar(String artifactId) {
        Path jar = Path.of(requiredProperty("courier.bundles"), artifactId + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: the build copies it before the tests");
        }
        return jar;
    }

    private static String requiredProperty(String name) {
        String value = System.getProperty(name);
        if (value == null) {
            throw new IllegalStateException("system property " + name + " is not set: run the tests with Maven");
        }
        return value;
    }

    private static Path newDeployDir() {
        try {
            Path target = Path.of(System.getProperty("courier.bundles")).getParent();
            return Files.createTempDirectory(target, "deploy-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The installed bundle named {@code symbolicName}, if any. */
    protected Optional<Bundle> installed(String symbolicName) {
        return Arrays.stream(context.getBundles()).filter(b -> symbolicName.equals(b.getSymbolicName())).findFirst();
    }

    /** Waits for a service of {@code type} to be registered, failing after {@code limit}. */
    protected <S> ServiceReference<S> awaitService(Class<S> type, Duration limit) {
        await(type.getName() + " service registered", limit, () -> context.getServiceReference(type) != null);
        return context.getServiceReference(type);
    }

    /**
     * Polls {@code condition} until it holds; after {@code limit} fails with {@code what} and a
     * dump of the threads.
     */
    protected static void await(String what, Duration limit, BooleanSupplier condition) {
        await(what, limit, condition, () -> "");
    }

    /**
     * Polls {@code condition} until it holds; after {@code limit} fails with {@code what}, the
     * test's own account of what it saw ({@code state}, read at that moment) and a dump of the
     * threads.
     */
    protected static void await(String what, Duration limit, BooleanSupplier condition, Supplier<String> state) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                String seen = state.get();
                throw new AssertionError("not within " + limit + ": " + what
                        + (seen.isEmpty() ? "" : "\n" + seen) + "\n" + threadDump());
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for: " + what, e);
            }
        }
    }

    /**
     * Every thread's stack, for the message of a failed wait: first, whole, the threads running
     * Courier's code (a test's, a bundle's or the kernel's), where a hang shows; then the others,
     * a few frames each.
     */
    protected static String threadDump() {
        Map<Boolean, List<ThreadInfo>> byCourier = Arrays
                .stream(ManagementFactory.getThreadMXBean().dumpAllThreads(false, false))
                .collect(Collectors.partitioningBy(CourierTestSupport::runsCourier));
        StringBuilder sb = new StringBuilder();
        for (ThreadInfo t : byCourier.get(true)) {
            sb.append('"').append(t.getThreadName()).append("\" ").append(t.getThreadState());
            if (t.getLockName() != null) {
                sb.append(" on ").append(t.getLockName());
            }
            sb.append('\n');
            for (StackTraceElement e : t.getStackTrace()) {
                sb.append("\tat ").append(e).append('\n');
            }
            sb.append('\n');
        }
        byCourier.get(false).forEach(t -> sb.append(t));
        return sb.toString();
    }

    private static boolean runsCourier(ThreadInfo t) {
        return Arrays.stream(t.getStackTrace()).anyMatch(e -> e.getClassName().startsWith("io.courier."));
    }
}
