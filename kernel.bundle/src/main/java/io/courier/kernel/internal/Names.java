package io.courier.kernel.internal;

import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Errno;
import io.courier.kernel.IoConnectLayout;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.NameAttach;
import io.courier.kernel.ThreadState;
import java.nio.ByteBuffer;

/**
 * Name calls: {@code name_attach()} (a channel with DISCONNECT, COID_DISCONNECT and UNBLOCK, and
 * its name published), {@code name_detach()}, {@code name_open()} (a connection, then the
 * {@code _IO_CONNECT} message the server must answer) and what a name may be. The name space
 * itself, {@code /dev/name/local}, is {@link MicrokernelImpl}'s.
 *
 * <p>SPEC K14 (names).
 */
final class Names {
    /** The longest name {@code nameAttach} accepts. */
    static final int NAME_MAX = 255;
    /** {@code NAME_FLAG_ATTACH_GLOBAL}. */
    static final int NAME_FLAG_ATTACH_GLOBAL = 0x1;

    private Names() {
    }

    static NameAttach nameAttach(Proc p, String name, int flags) {
        p.self();
        if ((flags & ~NAME_FLAG_ATTACH_GLOBAL) != 0) {
            throw new KernelException(Errno.EINVAL, "unknown name_attach flags 0x" + Integer.toHexString(flags));
        }
        checkName(name);
        int chid = Channels.channelCreate(p,
                ChannelFlags.DISCONNECT | ChannelFlags.COID_DISCONNECT | ChannelFlags.UNBLOCK);
        NameAttach attach = new NameAttach(name, chid);
        if (!p.mk.attachName(p, attach, (flags & NAME_FLAG_ATTACH_GLOBAL) != 0)) {
            Channels.destroy(p.channels.get(chid));
            throw new KernelException(Errno.EEXIST, "name " + name + " is taken");
        }
        return attach;
    }

    static void checkName(String name) {
        if (name == null || name.isEmpty()) {
            throw new KernelException(Errno.EINVAL, "a name may not be empty");
        }
        if (name.length() > NAME_MAX) {
            throw new KernelException(Errno.ENAMETOOLONG, "a name has at most " + NAME_MAX + " characters");
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0 || name.equals(".") || name.equals("..")) {
            throw new KernelException(Errno.EINVAL, "bad name '" + name + "': no '/', NUL, '.' or '..'");
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                throw new KernelException(Errno.EINVAL, "a name may not hold control characters");
            }
        }
    }

    static void nameDetach(Proc p, NameAttach attach) {
        p.self();
        if (attach == null || !p.mk.detachName(p, attach)) {
            throw new KernelException(Errno.EINVAL, "not an attached name of process " + p.pid + ": " + attach);
        }
        Channel ch = p.channels.get(attach.chid());
        if (ch != null) {
            Channels.destroy(ch);
        }
    }

    static int nameOpen(Proc p, String name, int flags) {
        KThread t = p.self();
        if ((flags & ~NAME_FLAG_ATTACH_GLOBAL) != 0) {
            throw new KernelException(Errno.EINVAL, "unknown name_open flags 0x" + Integer.toHexString(flags));
        }
        checkName(name);
        MicrokernelImpl.NameEntry e = p.mk.lookupName(name);
        int coid;
        if (e != null) {
            coid = Connections.connectAttach(p, Kernel.ND_LOCAL_NODE, e.proc().pid, e.attach().chid(),
                    Kernel.SIDE_CHANNEL, 0);
        } else {
            // A name of another JVM of the node, or with NAME_FLAG_ATTACH_GLOBAL a global name of another node.
            NodeNames.Entry remote = p.mk.lookupNodeName(name);
            NodePeers.GlobalName global = remote != null || (flags & NAME_FLAG_ATTACH_GLOBAL) == 0 ? null
                    : p.mk.lookupGlobalName(name);
            if (remote != null) {
                coid = Connections.connectAttach(p, Kernel.ND_LOCAL_NODE, remote.pid(), remote.chid(),
                        Kernel.SIDE_CHANNEL, 0);
            } else if (global != null) {
                coid = Connections.connectAttach(p, global.nd(), global.pid(), global.chid(), Kernel.SIDE_CHANNEL, 0);
            } else {
                throw new KernelException(Errno.ENOENT, "no name " + name);
            }
        }
        ByteBuffer msg = ByteBuffer.allocate(IoConnectLayout.size(name));
        IoConnectLayout.write(msg, IoConnectLayout.SUBTYPE_COMBINE, IoConnectLayout.FTYPE_NAME, 0, 0, name);
        msg.flip();
        try {
            MsgSend.msgSend(p, coid, msg, null, null);
        } catch (KernelException ex) {
            try {
                Connections.connectDetach(p, coid);
            } catch (KernelException gone) {
                // This process's death already detached it.
                ex.addSuppressed(gone);
            }
            throw ex;
        }
        t.state = ThreadState.READY;
        return coid;
    }
}
