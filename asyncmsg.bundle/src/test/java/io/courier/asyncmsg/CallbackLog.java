package io.courier.asyncmsg;

import io.courier.kernel.Errno;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An {@link AsyncCallback} that records every call: what, which message, which handle, on which thread. */
final class CallbackLog implements AsyncCallback {
    /** One call. */
    record Call(Errno err, Object msg, long handle, Thread thread) {
    }

    final List<Call> calls = new CopyOnWriteArrayList<>();

    @Override
    public void call(Errno err, Object msg, long handle) {
        calls.add(new Call(err, msg, handle, Thread.currentThread()));
    }

    int size() {
        return calls.size();
    }
}
