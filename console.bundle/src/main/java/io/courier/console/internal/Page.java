package io.courier.console.internal;

/**
 * The console's pages. Each is a Web Console plugin at {@code /system/console/<label>} (HTML, in
 * the console's frame) and its data at {@code /system/console/<label>.json}.
 */
public enum Page {
    /** Every process and thread, as {@code pidin}: state, what it is blocked on, priority. */
    PROCESSES("courier-processes", "Processes"),
    /**
     * The node and the network: the JVMs of this Courier node and every process of each (the
     * other JVMs' ones beside this JVM's, as {@code pidin}), and each node of the network with its
     * nd, address and state (as {@code nodes}).
     */
    NODE("courier-node", "Node and network"),
    /** The send hierarchy as a graph: SEND- and REPLY-blocked threads and whom they wait for. */
    SENDS("courier-sends", "Send graph"),
    /** The attached names ({@code /dev/name/local}). */
    NAMES("courier-names", "Names"),
    /** Asynchronous channels and connections. */
    ASYNC("courier-async", "Async messaging"),
    /** I/O completion ports and their pending operations. */
    PORTS("courier-ports", "Completion ports"),
    /** Shared memory objects and mappings. */
    SHM("courier-shm", "Shared memory"),
    /** The resource managers' pathname space. */
    PATHS("courier-paths", "Pathname space");

    /** The Web Console category the pages are listed under. */
    public static final String CATEGORY = "Courier";

    private final String label;
    private final String title;

    Page(String label, String title) {
        this.label = label;
        this.title = title;
    }

    /** The Web Console label: the page's path under {@code /system/console/}. */
    public String label() {
        return label;
    }

    /** The title in the Web Console's menu. */
    public String title() {
        return title;
    }

    /** The short name the page's script and data call it by ({@code processes}, {@code sends}, ...). */
    public String key() {
        return label.substring("courier-".length());
    }
}
