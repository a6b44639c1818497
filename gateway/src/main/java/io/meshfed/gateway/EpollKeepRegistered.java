package io.meshfed.gateway;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.util.concurrent.ThreadAwareExecutor;

/**
 * Netty's epoll event loop with one fix: a descriptor, once in the epoll set, stays there until its
 * channel is deregistered.
 *
 * <p>Why: Netty 4.2.18 removes a descriptor from the epoll set ({@code EPOLL_CTL_DEL}) when its
 * channel's interest set becomes empty, but keeps the registration in its "added" state, so the next
 * interest (say EPOLLOUT for a write the socket could not take at once) is an {@code EPOLL_CTL_MOD}
 * that fails with ENOENT; the write then fails and Netty shuts the output with bytes still queued. A
 * stream channel's interest set becomes empty once its peer's FIN has been read (EPOLLRDHUP and
 * EPOLLIN are both dropped), which is exactly the half-closed splice: after a client's FIN, the
 * tail of the reply toward it, or of an upload paused by backpressure, was lost.
 *
 * <p>Instead of an empty set, this submits EPOLLET alone: the descriptor stays registered, asks for
 * no event, and since it is edge-triggered, the error and hang-up conditions that epoll always
 * reports wake the loop once rather than on every wait (the endless wake-ups an empty level-triggered
 * set would cause are why Netty removes the descriptor). A later non-empty interest set replaces it
 * with an ordinary {@code EPOLL_CTL_MOD}, level-triggered again.
 */
final class EpollKeepRegistered implements IoHandlerFactory {
  private final IoHandlerFactory epoll = EpollIoHandler.newFactory();

  private EpollKeepRegistered() {}

  static IoHandlerFactory newFactory() {
    return new EpollKeepRegistered();
  }

  @Override
  public IoHandler newHandler(ThreadAwareExecutor executor) {
    return new Handler(epoll.newHandler(executor));
  }

  @Override
  public boolean isChangingThreadSupported() {
    return epoll.isChangingThreadSupported();
  }

  private record Handler(IoHandler epoll) implements IoHandler {
    @Override
    public void initialize() {
      epoll.initialize();
    }

    @Override
    public int run(IoHandlerContext context) {
      return epoll.run(context);
    }

    @Override
    public void prepareToDestroy() {
      epoll.prepareToDestroy();
    }

    @Override
    public void destroy() {
      epoll.destroy();
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
      return new Registration(epoll.register(handle));
    }

    @Override
    public void wakeup() {
      epoll.wakeup();
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
      return epoll.isCompatible(handleType);
    }
  }

  /** Turns an empty interest set, once the descriptor is in the epoll set, into EPOLLET alone. */
  static final class Registration implements IoRegistration {
    private final IoRegistration epoll;
    /** Whether Netty has added the descriptor to the epoll set: it does so on the first non-empty set. */
    private volatile boolean added;

    Registration(IoRegistration epoll) {
      this.epoll = epoll;
    }

    @Override
    public <T> T attachment() {
      return epoll.attachment();
    }

    @Override
    public long submit(IoOps ops) {
      if (((EpollIoOps) ops).value() != 0) {
        long submitted = epoll.submit(ops);
        added |= submitted >= 0;
        return submitted;
      }
      if (!added) {
        // Not in the set yet (a channel not yet active): Netty leaves it out, nothing to keep.
        return epoll.submit(ops);
      }
      long submitted = epoll.submit(EpollIoOps.EPOLLET);
      return submitted < 0 ? submitted : 0;
    }

    @Override
    public boolean isValid() {
      return epoll.isValid();
    }

    @Override
    public boolean cancel() {
      return epoll.cancel();
    }
  }
}
