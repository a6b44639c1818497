package io.meshfed.gateway.sni;

/** User events {@link SniReader} fires once per connection, before any byte leaves it. */
public sealed interface HelloEvent {
  /** The ClientHello names {@code hostName}; the buffered bytes follow as channelRead. */
  record ServerNamed(String hostName) implements HelloEvent {}

  /** The connection cannot be routed; nothing follows and the input is discarded from now on. */
  record Refused(Rejection reason, String detail) implements HelloEvent {}
}
