package io.meshfed.gateway;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.Locale;

/**
 * The Netty transport of the gateway's event loops: Linux epoll where its native library loads, Java
 * NIO elsewhere or on request. epoll needs fewer system calls and less Java per connection than NIO's
 * selector; both relay the same bytes.
 */
public enum GatewayTransport {
  /** epoll when {@link Epoll#isAvailable()}, else NIO. */
  AUTO,
  EPOLL,
  NIO;

  /** The transport {@code setting} means on this machine (GatewaySettings refuses EPOLL where it cannot load). */
  static Resolved resolve(GatewayTransport setting) {
    boolean epoll = setting == EPOLL || setting == AUTO && Epoll.isAvailable();
    return epoll ? Resolved.epoll(EpollKeepRegistered.newFactory()) : Resolved.nio();
  }

  /** {@code auto}, {@code epoll} or {@code nio}, in any case. */
  public static GatewayTransport parse(String value) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("gateway transport must be auto, epoll or nio, got '" + value + "'", e);
    }
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** What the event loops and bootstraps of one transport are made of. */
  record Resolved(String name, IoHandlerFactory ioHandlerFactory, Class<? extends ServerChannel> serverChannel,
                  Class<? extends SocketChannel> socketChannel) {
    static Resolved nio() {
      return new Resolved("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }

    /** Only where epoll is available: its classes refuse to initialise elsewhere. */
    static Resolved epoll(IoHandlerFactory epollHandlers) {
      return new Resolved("epoll", epollHandlers, EpollServerSocketChannel.class, EpollSocketChannel.class);
    }
  }
}
