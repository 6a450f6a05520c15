package io.courier.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** What a compiled class refers to, read from its class file. */
public final class ClassFiles {
    private ClassFiles() {
    }

    /**
     * Whether the class file of {@code type} names any class of package {@code pkg} or of a
     * package below it (its constant pool holds every class the code refers to).
     */
    public static boolean names(Class<?> type, String pkg) {
        String file = type.getName().substring(type.getPackageName().length() + 1) + ".class";
        try (InputStream in = type.getResourceAsStream(file)) {
            if (in == null) {
                throw new AssertionError("no class file " + file + " beside " + type);
            }
            String bytes = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return bytes.contains(pkg.replace('.', '/') + "/");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
