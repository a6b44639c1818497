package io.meshfed.gateway.upstream;

import java.net.InetSocketAddress;

/**
 * One endpoint as chosen for one connection attempt. Report exactly one of {@link #failed()} or
 * {@link #connected()}, and after {@code connected()} exactly one {@link #closed()}.
 */
public interface Upstream {
  InetSocketAddress address();

  /** The TCP connect failed or timed out. */
  void failed();

  /** The TCP connect succeeded; the connection counts towards the endpoint's load until closed. */
  void connected();

  void closed();
}
