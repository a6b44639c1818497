package io.meshfed.gateway.sni;

/** What {@link ClientHelloParser} made of the bytes so far. */
public sealed interface HelloResult {
  /** More bytes are needed. */
  HelloResult NEED_MORE = new NeedMore();

  record NeedMore() implements HelloResult {}

  /** The ClientHello is complete and names {@code hostName} (as sent; DNS names ignore case). */
  record Found(String hostName) implements HelloResult {}

  /** The connection cannot be routed; {@code detail} is one line for the log. */
  record Rejected(Rejection reason, String detail) implements HelloResult {}
}
