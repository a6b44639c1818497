package io.meshfed.transport.gossip;

import io.meshfed.transport.port.ConnectionInfo;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a gossip pipeline: closes the connection on any error. An oversize frame is a
 * peer breaking the protocol, counted and logged within limits ({@link GossipProblems}), once per
 * connection since the decoder drops the rest; resets and other I/O errors are routine for
 * datagram-like traffic and stay at DEBUG.
 */
final class GossipConnectionErrors extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(GossipConnectionErrors.class);

  private final String peer;
  private final GossipProblems problems;

  /** @param peer how the log names the other end, e.g. its address and SNI name */
  GossipConnectionErrors(String peer, GossipProblems problems) {
    this.peer = peer;
    this.problems = problems;
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
      problems.oversize(peer, tooLarge);
    } else {
      LOG.debug("closing gossip connection {} after an error", peer, cause);
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
