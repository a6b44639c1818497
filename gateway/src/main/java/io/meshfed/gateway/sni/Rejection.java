package io.meshfed.gateway.sni;

/** Why a connection was closed before its ClientHello named a server. */
public enum Rejection {
  /** The first bytes are not a TLS handshake record: plaintext, SSLv2 or garbage. */
  NOT_TLS,
  /** A well-formed ClientHello without a server_name host name. */
  NO_SNI,
  /** The bytes started like TLS but break a rule of the record layer or of the ClientHello. */
  MALFORMED,
  /** The ClientHello, with its record headers, is longer than the configured bound. */
  TOO_LARGE,
  /** The ClientHello did not arrive complete within the configured time. */
  TIMEOUT,
  /** The client closed before sending a complete ClientHello. */
  CLIENT_CLOSED
}
