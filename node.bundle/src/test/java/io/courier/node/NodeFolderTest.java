package io.courier.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.courier.node.internal.NodeFolderImpl;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import org.junit.jupiter.api.Test;

/** The node folder: owner-only, named by user and node, refusing what others could read or write. */
class NodeFolderTest extends NodeTestSupport {

    @Test
    void shouldCreateAnOwnerOnlyFolderNamedByUserAndNode() throws Exception {
        String user = System.getProperty("user.name");
        assertEquals(root.resolve("courier-" + user + "-" + nodeName), folder.path());
        assertEquals("rwx------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(folder.path(), LinkOption.NOFOLLOW_LINKS)));
        assertEquals(nodeName, folder.name());
        // Opening it again finds the same folder.
        assertEquals(folder.path(), NodeFolder.open(root, nodeName).path());
    }

    @Test
    void shouldCreateFilesOwnerOnlyAndOnlyOnce() throws Exception {
        NodeFolderImpl f = (NodeFolderImpl) folder;
        assertTrue(f.createAtomically("x", 4096, seg -> seg.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, 42)));
        assertFalse(f.createAtomically("x", 4096, seg -> seg.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, 7)),
                "the second creator finds the first one's file");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f.file("x"))));
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            assertEquals(42, f.map("x", 4096, 4096, arena).get(java.lang.foreign.ValueLayout.JAVA_INT, 0));
        }
        try (var files = Files.list(folder.path())) {
            assertEquals(1, files.count(), "no private files left behind");
        }
    }

    @Test
    void defaultsComeFromTheSystemProperties() {
        String oldRoot = System.getProperty(NodeFolder.ROOT_PROPERTY);
        String oldName = System.getProperty(NodeFolder.NAME_PROPERTY);
        try {
            System.setProperty(NodeFolder.ROOT_PROPERTY, root.toString());
            System.clearProperty(NodeFolder.NAME_PROPERTY);
            assertEquals("local", NodeFolder.open().name());
            System.setProperty(NodeFolder.NAME_PROPERTY, "other");
            NodeFolder f = NodeFolder.open();
            assertEquals("other", f.name());
            assertEquals(root.resolve("courier-" + System.getProperty("user.name") + "-other"), f.path());
        } finally {
            restore(NodeFolder.ROOT_PROPERTY, oldRoot);
            restore(NodeFolder.NAME_PROPERTY, oldName);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    @Test
    void shouldRefuseAFolderOpenToTheGroupOrOthers() throws Exception {
        Files.setPosixFilePermissions(folder.path(), PosixFilePermissions.fromString("rwxr-x---"));
        SecurityException e = assertThrows(SecurityException.class, () -> NodeFolder.open(root, nodeName));
        assertTrue(e.getMessage().contains("lets the group or others in"), e.getMessage());
        Files.setPosixFilePermissions(folder.path(), PosixFilePermissions.fromString("rwx-----x"));
        assertThrows(SecurityException.class, () -> NodeFolder.open(root, nodeName));
    }

    @Test
    void shouldRefuseAFileOpenToOthers() throws Exception {
        NodeFolderImpl f = (NodeFolderImpl) folder;
        f.createAtomically("y", 4096, seg -> { });
        Files.setPosixFilePermissions(f.file("y"), PosixFilePermissions.fromString("rw-rw-rw-"));
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            assertThrows(SecurityException.class, () -> f.map("y", 4096, 4096, arena));
        }
    }

    @Test
    void shouldRefuseALinkInPlaceOfTheFolder() throws Exception {
        Path elsewhere = Files.createDirectory(root.resolve("elsewhere"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.createSymbolicLink(root.resolve("courier-" + System.getProperty("user.name") + "-linked"), elsewhere);
        assertThrows(SecurityException.class, () -> NodeFolder.open(root, "linked"));
    }

    @Test
    void shouldRefuseAFolderOwnedByAnotherUser() throws Exception {
        // Only root can give a folder away; this test runs where it can.
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to chown");
        UserPrincipal nobody = root.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(folder.path(), nobody);
        SecurityException e = assertThrows(SecurityException.class, () -> NodeFolder.open(root, nodeName));
        assertTrue(e.getMessage().contains("owned by uid"), e.getMessage());
    }

    @Test
    void shouldRefuseNodeAndFileNamesThatAreNotPlainNames() {
        assertThrows(IllegalArgumentException.class, () -> NodeFolder.open(root, "../x"));
        assertThrows(IllegalArgumentException.class, () -> NodeFolder.open(root, ""));
        assertThrows(IllegalArgumentException.class, () -> NodeFolder.open(root, ".."));
        assertThrows(IllegalArgumentException.class, () -> ((NodeFolderImpl) folder).file("a/b"));
        assertThrows(IllegalArgumentException.class, () -> ((NodeFolderImpl) folder).file(".hidden"));
    }
}
