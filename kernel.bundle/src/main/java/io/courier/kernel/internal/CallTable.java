package io.courier.kernel.internal;

import io.courier.kernel.ClientInfo;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
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
 * The kernel calls of one process, as {@link Kernel} names them: a table that passes each call,
 * with the calling process, to the class of the object it acts on, as a kernel's call table
 * does. Nothing else happens here. A process's identity and life are {@link Proc}'s own.
 *
 * <p>Where each call family lives, with its SPEC IDs: {@link Channels} (K1), {@link Connections}
 * (K2, K7), {@link MsgSend} (K3, K5, K13), {@link MsgReceive} (K3, K5, K7), {@link MsgReply} (K3,
 * K4, K6, K7), {@link Pulses} (K8), {@link EventDelivery} (K17), {@link Names} (K14),
 * {@link Threads} (K10, K16), {@link Blocking} (K13 timeouts) and {@link SignalDelivery} (K18).
 */
abstract sealed class CallTable implements Kernel permits Proc {
    /** The calling process: this table is a process's own. */
    private Proc p() {
        return (Proc) this;
    }

    // ------------------------------------------------------------------ channels and connections

    @Override
    public int channelCreate(int flags) {
        return Channels.channelCreate(p(), flags);
    }

    @Override
    public void channelDestroy(int chid) {
        Channels.channelDestroy(p(), chid);
    }

    @Override
    public int connectAttach(int nd, int pid, int chid, int index, int flags) {
        return Connections.connectAttach(p(), nd, pid, chid, index, flags);
    }

    @Override
    public void connectDetach(int coid) {
        Connections.connectDetach(p(), coid);
    }

    @Override
    public ClientInfo connectClientInfo(int scoid) {
        return Connections.connectClientInfo(p(), scoid);
    }

    @Override
    public ServerInfo connectServerInfo(int coid) {
        return Connections.connectServerInfo(p(), coid);
    }

    // ------------------------------------------------------------------ messages

    @Override
    public int msgSend(int coid, ByteBuffer smsg, ByteBuffer rmsg) {
        return MsgSend.msgSend(p(), coid, smsg, rmsg, null);
    }

    @Override
    public int msgSend(int coid, ByteBuffer smsg, ByteBuffer rmsg, Duration timeout) {
        return MsgSend.msgSend(p(), coid, smsg, rmsg, timeout);
    }

    @Override
    public int msgSendv(int coid, ByteBuffer[] siov, ByteBuffer[] riov) {
        return MsgSend.msgSendv(p(), coid, siov, riov, null);
    }

    @Override
    public int msgSendv(int coid, ByteBuffer[] siov, ByteBuffer[] riov, Duration timeout) {
        return MsgSend.msgSendv(p(), coid, siov, riov, timeout);
    }

    @Override
    public int msgSendsv(int coid, ByteBuffer smsg, ByteBuffer[] riov) {
        return MsgSend.msgSendsv(p(), coid, smsg, riov);
    }

    @Override
    public int msgSendvs(int coid, ByteBuffer[] siov, ByteBuffer rmsg) {
        return MsgSend.msgSendvs(p(), coid, siov, rmsg);
    }

    @Override
    public long msgReceive(int chid, ByteBuffer rmsg, MsgInfo info) {
        return MsgReceive.msgReceive(p(), chid, rmsg, info, null);
    }

    @Override
    public long msgReceive(int chid, ByteBuffer rmsg, MsgInfo info, Duration timeout) {
        return MsgReceive.msgReceive(p(), chid, rmsg, info, timeout);
    }

    @Override
    public long msgReceivev(int chid, ByteBuffer[] riov, MsgInfo info) {
        return MsgReceive.msgReceivev(p(), chid, riov, info, null);
    }

    @Override
    public long msgReceivev(int chid, ByteBuffer[] riov, MsgInfo info, Duration timeout) {
        return MsgReceive.msgReceivev(p(), chid, riov, info, timeout);
    }

    @Override
    public Pulse msgReceivePulse(int chid) {
        return MsgReceive.msgReceivePulse(p(), chid, null);
    }

    @Override
    public Pulse msgReceivePulse(int chid, Duration timeout) {
        return MsgReceive.msgReceivePulse(p(), chid, timeout);
    }

    @Override
    public void msgReply(long rcvid, int status, ByteBuffer msg) {
        MsgReply.msgReply(p(), rcvid, status, msg);
    }

    @Override
    public void msgReplyv(long rcvid, int status, ByteBuffer[] iov) {
        MsgReply.msgReplyv(p(), rcvid, status, iov);
    }

    @Override
    public void msgError(long rcvid, Errno error) {
        MsgReply.msgError(p(), rcvid, error);
    }

    @Override
    public void msgError(long rcvid, int error) {
        MsgReply.msgError(p(), rcvid, error);
    }

    @Override
    public int msgRead(long rcvid, ByteBuffer buf, int offset) {
        return MsgReply.msgRead(p(), rcvid, buf, offset);
    }

    @Override
    public int msgReadv(long rcvid, ByteBuffer[] iov, int offset) {
        return MsgReply.msgReadv(p(), rcvid, iov, offset);
    }

    @Override
    public int msgWrite(long rcvid, ByteBuffer buf, int offset) {
        return MsgReply.msgWrite(p(), rcvid, buf, offset);
    }

    @Override
    public int msgWritev(long rcvid, ByteBuffer[] iov, int offset) {
        return MsgReply.msgWritev(p(), rcvid, iov, offset);
    }

    @Override
    public MsgInfo msgInfo(long rcvid) {
        return MsgReply.msgInfo(p(), rcvid);
    }

    // ------------------------------------------------------------------ pulses and events

    @Override
    public void msgSendPulse(int coid, int priority, int code, long value) {
        Pulses.send(p(), coid, priority, code, value, null);
    }

    @Override
    public void msgSendPulsePtr(int coid, int priority, int code, Object pointer) {
        Pulses.send(p(), coid, priority, code, 0, pointer);
    }

    @Override
    public void msgDeliverEvent(long rcvid, SigEvent event) {
        EventDelivery.deliver(p(), rcvid, event, false);
    }

    @Override
    public SigEvent msgRegisterEvent(SigEvent event, int coid) {
        return EventDelivery.register(p(), event, coid);
    }

    @Override
    public void msgUnregisterEvent(SigEvent event) {
        EventDelivery.unregister(p(), event);
    }

    @Override
    public void msgVerifyEvent(long rcvid, SigEvent event) {
        EventDelivery.deliver(p(), rcvid, event, true);
    }

    // ------------------------------------------------------------------ names

    @Override
    public NameAttach nameAttach(String name, int flags) {
        return Names.nameAttach(p(), name, flags);
    }

    @Override
    public void nameDetach(NameAttach attach) {
        Names.nameDetach(p(), attach);
    }

    @Override
    public int nameOpen(String name, int flags) {
        return Names.nameOpen(p(), name, flags);
    }

    @Override
    public void nameClose(int coid) {
        Connections.connectDetach(p(), coid);
    }

    // ------------------------------------------------------------------ threads, timeouts, signals

    @Override
    public int tid() {
        return Threads.tid(p());
    }

    @Override
    public String netmgrNdtostr(int nd) {
        return p().mk.netmgrNdtostr(nd);
    }

    @Override
    public int netmgrStrtond(String name) {
        return p().mk.netmgrStrtond(name);
    }

    @Override
    public int priority() {
        return Threads.priority(p());
    }

    @Override
    public void setPriority(int priority) {
        Threads.setPriority(p(), priority);
    }

    @Override
    public void setThreadName(String threadName) {
        Threads.setThreadName(p(), threadName);
    }

    @Override
    public void timerTimeout(Set<ThreadState> states, Duration timeout) {
        Blocking.timerTimeout(p(), states, timeout);
    }

    @Override
    public void signalKill(int pid, int tid, int signo, int code, long value) {
        SignalDelivery.signalKill(p(), pid, tid, signo, code, value);
    }

    @Override
    public long signalProcmask(int how, long set) {
        return SignalDelivery.signalProcmask(p(), how, set);
    }

    @Override
    public SigInfo signalWaitinfo(long set, Duration timeout) {
        return SignalDelivery.signalWaitinfo(p(), set, timeout);
    }

    @Override
    public void interruptWait(Duration timeout) {
        SignalDelivery.interruptWait(p(), timeout);
    }
}
