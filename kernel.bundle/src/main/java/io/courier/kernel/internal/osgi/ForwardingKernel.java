package io.courier.kernel.internal.osgi;

import io.courier.kernel.Ability;
import io.courier.kernel.ClientInfo;
import io.courier.kernel.Credentials;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import io.courier.kernel.MsgInfo;
import io.courier.kernel.NameAttach;
import io.courier.kernel.Pulse;
import io.courier.kernel.ServerInfo;
import io.courier.kernel.SigEvent;
import io.courier.kernel.SigInfo;
import io.courier.kernel.ThreadState;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Set;

/**
 * A {@link Kernel} that hands every call to {@link #delegate()}, so that a service object
 * (which the framework must be able to instantiate before the process exists) stays a few
 * lines long. When {@code Kernel} gains a method, add its forwarding here.
 *
 * <p>SPEC P2.
 */
abstract class ForwardingKernel implements Kernel {
    /** The process every call goes to. */
    protected abstract Kernel delegate();

    @Override
    public Microkernel microkernel() {
        return delegate().microkernel();
    }

    @Override
    public int pid() {
        return delegate().pid();
    }

    @Override
    public int tid() {
        return delegate().tid();
    }

    @Override
    public String netmgrNdtostr(int nd) {
        return delegate().netmgrNdtostr(nd);
    }

    @Override
    public int netmgrStrtond(String name) {
        return delegate().netmgrStrtond(name);
    }

    @Override
    public String name() {
        return delegate().name();
    }

    @Override
    public int channelCreate(int flags) {
        return delegate().channelCreate(flags);
    }

    @Override
    public void channelDestroy(int chid) {
        delegate().channelDestroy(chid);
    }

    @Override
    public int connectAttach(int nd, int pid, int chid, int index, int flags) {
        return delegate().connectAttach(nd, pid, chid, index, flags);
    }

    @Override
    public void connectDetach(int coid) {
        delegate().connectDetach(coid);
    }

    @Override
    public ClientInfo connectClientInfo(int scoid) {
        return delegate().connectClientInfo(scoid);
    }

    @Override
    public ServerInfo connectServerInfo(int coid) {
        return delegate().connectServerInfo(coid);
    }

    @Override
    public int msgSend(int coid, ByteBuffer smsg, ByteBuffer rmsg) {
        return delegate().msgSend(coid, smsg, rmsg);
    }

    @Override
    public int msgSend(int coid, ByteBuffer smsg, ByteBuffer rmsg, Duration timeout) {
        return delegate().msgSend(coid, smsg, rmsg, timeout);
    }

    @Override
    public int msgSendv(int coid, ByteBuffer[] siov, ByteBuffer[] riov) {
        return delegate().msgSendv(coid, siov, riov);
    }

    @Override
    public int msgSendv(int coid, ByteBuffer[] siov, ByteBuffer[] riov, Duration timeout) {
        return delegate().msgSendv(coid, siov, riov, timeout);
    }

    @Override
    public int msgSendsv(int coid, ByteBuffer smsg, ByteBuffer[] riov) {
        return delegate().msgSendsv(coid, smsg, riov);
    }

    @Override
    public int msgSendvs(int coid, ByteBuffer[] siov, ByteBuffer rmsg) {
        return delegate().msgSendvs(coid, siov, rmsg);
    }

    @Override
    public long msgReceive(int chid, ByteBuffer rmsg, MsgInfo info) {
        return delegate().msgReceive(chid, rmsg, info);
    }

    @Override
    public long msgReceive(int chid, ByteBuffer rmsg, MsgInfo info, Duration timeout) {
        return delegate().msgReceive(chid, rmsg, info, timeout);
    }

    @Override
    public long msgReceivev(int chid, ByteBuffer[] riov, MsgInfo info) {
        return delegate().msgReceivev(chid, riov, info);
    }

    @Override
    public long msgReceivev(int chid, ByteBuffer[] riov, MsgInfo info, Duration timeout) {
        return delegate().msgReceivev(chid, riov, info, timeout);
    }

    @Override
    public Pulse msgReceivePulse(int chid) {
        return delegate().msgReceivePulse(chid);
    }

    @Override
    public Pulse msgReceivePulse(int chid, Duration timeout) {
        return delegate().msgReceivePulse(chid, timeout);
    }

    @Override
    public void msgReply(long rcvid, int status, ByteBuffer msg) {
        delegate().msgReply(rcvid, status, msg);
    }

    @Override
    public void msgReplyv(long rcvid, int status, ByteBuffer[] iov) {
        delegate().msgReplyv(rcvid, status, iov);
    }

    @Override
    public void msgError(long rcvid, Errno error) {
        delegate().msgError(rcvid, error);
    }

    @Override
    public void msgError(long rcvid, int error) {
        delegate().msgError(rcvid, error);
    }

    @Override
    public int msgRead(long rcvid, ByteBuffer buf, int offset) {
        return delegate().msgRead(rcvid, buf, offset);
    }

    @Override
    public int msgReadv(long rcvid, ByteBuffer[] iov, int offset) {
        return delegate().msgReadv(rcvid, iov, offset);
    }

    @Override
    public int msgWrite(long rcvid, ByteBuffer buf, int offset) {
        return delegate().msgWrite(rcvid, buf, offset);
    }

    @Override
    public int msgWritev(long rcvid, ByteBuffer[] iov, int offset) {
        return delegate().msgWritev(rcvid, iov, offset);
    }

    @Override
    public MsgInfo msgInfo(long rcvid) {
        return delegate().msgInfo(rcvid);
    }

    @Override
    public void msgSendPulse(int coid, int priority, int code, long value) {
        delegate().msgSendPulse(coid, priority, code, value);
    }

    @Override
    public void msgSendPulsePtr(int coid, int priority, int code, Object pointer) {
        delegate().msgSendPulsePtr(coid, priority, code, pointer);
    }

    @Override
    public void msgDeliverEvent(long rcvid, SigEvent event) {
        delegate().msgDeliverEvent(rcvid, event);
    }

    @Override
    public SigEvent msgRegisterEvent(SigEvent event, int coid) {
        return delegate().msgRegisterEvent(event, coid);
    }

    @Override
    public void msgUnregisterEvent(SigEvent event) {
        delegate().msgUnregisterEvent(event);
    }

    @Override
    public void msgVerifyEvent(long rcvid, SigEvent event) {
        delegate().msgVerifyEvent(rcvid, event);
    }

    @Override
    public NameAttach nameAttach(String name, int flags) {
        return delegate().nameAttach(name, flags);
    }

    @Override
    public void nameDetach(NameAttach attach) {
        delegate().nameDetach(attach);
    }

    @Override
    public int nameOpen(String name, int flags) {
        return delegate().nameOpen(name, flags);
    }

    @Override
    public void nameClose(int coid) {
        delegate().nameClose(coid);
    }

    @Override
    public int priority() {
        return delegate().priority();
    }

    @Override
    public void setPriority(int priority) {
        delegate().setPriority(priority);
    }

    @Override
    public void setThreadName(String name) {
        delegate().setThreadName(name);
    }

    @Override
    public void timerTimeout(Set<ThreadState> states, Duration timeout) {
        delegate().timerTimeout(states, timeout);
    }

    @Override
    public void signalKill(int pid, int tid, int signo, int code, long value) {
        delegate().signalKill(pid, tid, signo, code, value);
    }

    @Override
    public long signalProcmask(int how, long set) {
        return delegate().signalProcmask(how, set);
    }

    @Override
    public SigInfo signalWaitinfo(long set, Duration timeout) {
        return delegate().signalWaitinfo(set, timeout);
    }

    @Override
    public void interruptWait(Duration timeout) {
        delegate().interruptWait(timeout);
    }

    @Override
    public Credentials credentials() {
        return delegate().credentials();
    }

    @Override
    public boolean hasAbility(Ability ability) {
        return delegate().hasAbility(ability);
    }

    @Override
    public void dropAbility(Ability ability) {
        delegate().dropAbility(ability);
    }

    @Override
    public void atExit(Runnable hook) {
        delegate().atExit(hook);
    }

    @Override
    public boolean isAlive() {
        return delegate().isAlive();
    }

    @Override
    public void exit() {
        delegate().exit();
    }
}
