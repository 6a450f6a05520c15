package io.courier.asyncmsg.internal.osgi;

import io.courier.asyncmsg.AsyncCallback;
import io.courier.asyncmsg.AsyncConnectionAttr;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.asyncmsg.AsyncMsgHeader;
import io.courier.asyncmsg.AsyncStats;
import io.courier.asyncmsg.RecvBufCallback;
import io.courier.kernel.Kernel;
import io.courier.kernel.NameInfo;
import io.courier.kernel.osgi.BundleProcess;
import io.courier.kernel.SigEvent;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.ServiceScope;

/**
 * The {@link AsyncMessaging} service: each bundle that gets it is given a process of its own, named
 * after the bundle, which dies when the bundle releases the service.
 *
 * <p>The process is the using bundle's own: the {@link Kernel} service got on its behalf
 * ({@link BundleProcess}), so a bundle using both services is one process.
 */
@Component(service = AsyncMessaging.class, scope = ServiceScope.BUNDLE)
public final class AsyncMessagingComponent implements AsyncMessaging {
    private final BundleProcess process;
    private final AsyncMessaging view;

    /** Takes the process of the bundle that asked for the service. */
    @Activate
    public AsyncMessagingComponent(ComponentContext context) {
        process = BundleProcess.of(context.getUsingBundle());
        view = AsyncMessaging.of(process.kernel());
    }

    @Override
    public Kernel kernel() {
        return view.kernel();
    }

    @Override
    public int channelCreate(int flags, int mode, int bufferSize, int maxNumBuffer, SigEvent event,
            RecvBufCallback recvbufCallback) {
        return view.channelCreate(flags, mode, bufferSize, maxNumBuffer, event, recvbufCallback);
    }

    @Override
    public void channelDestroy(int chid) {
        view.channelDestroy(chid);
    }

    @Override
    public int connectAttach(int nd, int pid, int chid, int index, int flags, AsyncConnectionAttr attr) {
        return view.connectAttach(nd, pid, chid, index, flags, attr);
    }

    @Override
    public void connectDetach(int coid) {
        view.connectDetach(coid);
    }

    @Override
    public AsyncConnectionAttr connectAttr(int coid) {
        return view.connectAttr(coid);
    }

    @Override
    public void nameAttach(String name, int chid) {
        view.nameAttach(name, chid);
    }

    @Override
    public void nameDetach(String name) {
        view.nameDetach(name);
    }

    @Override
    public int nameOpen(String name, int flags, AsyncConnectionAttr attr) {
        return view.nameOpen(name, flags, attr);
    }

    @Override
    public List<NameInfo> names() {
        return view.names();
    }

    @Override
    public void put(int coid, ByteBuffer msg, long handle, AsyncCallback callback) {
        view.put(coid, msg, handle, callback);
    }

    @Override
    public void putv(int coid, ByteBuffer[] iov, long handle, AsyncCallback callback) {
        view.putv(coid, iov, handle, callback);
    }

    @Override
    public void flush(int coid, int mode) {
        view.flush(coid, mode);
    }

    @Override
    public AsyncMsgHeader get(int chid) {
        return view.get(chid);
    }

    @Override
    public AsyncMsgHeader get(int chid, Duration timeout) {
        return view.get(chid, timeout);
    }

    @Override
    public void free(AsyncMsgHeader header) {
        view.free(header);
    }

    @Override
    public ByteBuffer malloc(int size) {
        return view.malloc(size);
    }

    @Override
    public AsyncStats stats() {
        return view.stats();
    }

    @Deactivate
    void deactivate() {
        process.close();
    }
}
