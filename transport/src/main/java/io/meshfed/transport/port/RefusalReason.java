package io.meshfed.transport.port;

/** Why the server port closed a connection before handing it to a protocol. */
public enum RefusalReason {
  /** The port had its maximum of connections open; closed at accept, nothing read. */
  CONNECTION_LIMIT,
  /** A plaintext type byte arrived on a port that requires TLS. */
  PLAINTEXT_REFUSED,
  /** The first byte is neither a registered type byte nor, with TLS configured, a TLS record. */
  UNKNOWN_FIRST_BYTE,
  /** The first byte and the TLS handshake together took longer than the handshake timeout. */
  HANDSHAKE_TIMEOUT,
  /** The TLS handshake failed: no or untrusted client certificate, no common ALPN id, not TLS... */
  TLS_HANDSHAKE_FAILED,
  /** The handshake completed without an ALPN id (the client offered none). */
  NO_APPLICATION_PROTOCOL,
  /** The negotiated ALPN id has no registered protocol handler. */
  UNKNOWN_APPLICATION_PROTOCOL,
  /** The connection failed some other way before it was handed over (for example a reset). */
  CONNECTION_FAILED
}
