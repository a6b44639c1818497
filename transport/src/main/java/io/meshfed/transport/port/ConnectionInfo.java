package io.meshfed.transport.port;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * What the server port learned about a connection before handing it over. The TLS fields are empty
 * on plaintext connections.
 *
 * @param serverName the SNI host name the client asked for (RFC 6066 §3), if it sent one
 * @param applicationProtocol the negotiated ALPN id (RFC 7301)
 * @param peerCertificate the client's certificate, verified against the trusted CAs
 */
public record ConnectionInfo(
    InetSocketAddress remoteAddress,
    Optional<String> serverName,
    Optional<String> applicationProtocol,
    Optional<PeerCertificate> peerCertificate) {

  public ConnectionInfo {
    Objects.requireNonNull(remoteAddress, "remoteAddress");
    Objects.requireNonNull(serverName, "serverName");
    Objects.requireNonNull(applicationProtocol, "applicationProtocol");
    Objects.requireNonNull(peerCertificate, "peerCertificate");
  }

  public static ConnectionInfo plaintext(InetSocketAddress remoteAddress) {
    return new ConnectionInfo(remoteAddress, Optional.empty(), Optional.empty(), Optional.empty());
  }

  public static ConnectionInfo tls(
      InetSocketAddress remoteAddress,
      Optional<String> serverName,
      String applicationProtocol,
      PeerCertificate peerCertificate) {
    return new ConnectionInfo(
        remoteAddress, serverName, Optional.of(applicationProtocol), Optional.of(peerCertificate));
  }

  public boolean isTls() {
    return applicationProtocol.isPresent();
  }
}
