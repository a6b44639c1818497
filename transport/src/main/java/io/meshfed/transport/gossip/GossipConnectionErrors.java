package io.meshfed.transport.gossip;

import io.meshfed.transport.port.ConnectionInfo;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a gossip pipeline: closes the connection on any error. An oversize frame is a
 * peer breaking the protocol and is logged at WARN, once per connection since the decoder drops the
 * rest; resets and other I/O errors are routine for datagram-like traffic and stay at DEBUG.
 */
final class GossipConnectionErrors extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(GossipConnectionErrors.class);

  private final String peer;
  private final GossipCounters counters;

  /** @param peer how the log names the other end, e.g. its address and SNI name */
  GossipConnectionErrors(String peer, GossipCounters counters) {
    this.peer = peer;
    this.counters = counters;
  }

  /** "address (SNI name)": through a gateway the address alone does not say who is calling. */
  static String describe(ConnectionInfo info) {
    String address = info.remoteAddress().getHostString() + ":" + info.remoteAddress().getPort();
    return info.serverName().map(sni -> address + " (" + sni + ")").orElse(address);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    GossipFrameTooLargeException tooLarge = find(cause);
    if (tooLarge != null) {
      counters.countOversize();
      log.warn("closing gossip connection with {}: {}", peer, tooLarge.getMessage());
    } else {
      log.debug("closing gossip connection {} after an error", peer, cause);
    }
    ctx.close();
  }

  private static GossipFrameTooLargeException find(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof GossipFrameTooLargeException e) {
        return e;
      }
    }
    return null;
  }
}
