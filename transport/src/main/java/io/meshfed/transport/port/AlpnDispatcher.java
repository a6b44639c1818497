package io.meshfed.transport.port;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLSession;

/**
 * After the TLS handshake, hands the connection to the protocol registered for the negotiated ALPN
 * id (RFC 7301 §3.2). ALPN is mandatory here: the id is the only thing that says what follows.
 */
final class AlpnDispatcher extends ApplicationProtocolNegotiationHandler {
  /**
   * Passed as the "fallback" for a handshake without ALPN. A protocol name is 1 to 255 bytes
   * (RFC 7301 §3.1), so the empty string can never be negotiated and means "none".
   */
  private static final String NONE_NEGOTIATED = "";

  private final Map<String, ProtocolHandler> protocols;
  private final Refusals refusals;
  private final Dispatch dispatch;

  AlpnDispatcher(Map<String, ProtocolHandler> protocols, Refusals refusals, Dispatch dispatch) {
    super(NONE_NEGOTIATED);
    this.protocols = protocols;
    this.refusals = refusals;
    this.dispatch = dispatch;
  }

  @Override
  protected void configurePipeline(ChannelHandlerContext ctx, String protocol) throws Exception {
    if (protocol.equals(NONE_NEGOTIATED)) {
      refusals.refuse(ctx.channel(), RefusalReason.NO_APPLICATION_PROTOCOL,
          "no application protocol negotiated (ALPN is required)");
      return;
    }
    ProtocolHandler handler = protocols.get(protocol);
    if (handler == null) {
      refusals.refuse(ctx.channel(), RefusalReason.UNKNOWN_APPLICATION_PROTOCOL,
          String.format("unknown negotiated protocol %s", protocol));
      return;
    }
    SSLSession session = ctx.pipeline().get(SslHandler.class).engine().getSession();
    // The handshake required and verified a client certificate, so the chain is there.
    X509Certificate peer = (X509Certificate) session.getPeerCertificates()[0];
    ConnectionInfo info = ConnectionInfo.tls((InetSocketAddress) ctx.channel().remoteAddress(),
        serverName(session), protocol, PeerCertificate.of(peer));
    dispatch.to(ctx.pipeline(), handler, info);
  }

  /** The host_name entry of the client's server_name extension (RFC 6066 §3), if it sent one. */
  private static Optional<String> serverName(SSLSession session) {
    // Both the OpenSSL and the JDK engine hand out ExtendedSSLSessions.
    return ((ExtendedSSLSession) session).getRequestedServerNames().stream()
        .filter(SNIHostName.class::isInstance)
        .map(name -> ((SNIHostName) name).getAsciiName())
        .findFirst();
  }

  /**
   * Netty 4.2.18 reports handshake failures on this path as exceptions first (HandshakeErrors);
   * this override keeps the base class's own WARN with stack trace out of the log should the event
   * ever arrive first.
   */
  @Override
  protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
    refusals.refuseTlsHandshake(ctx.channel(), cause);
  }

  /**
   * Still here means the handshake never completed. A server-side SslHandler reports a peer that
   * hangs up mid-handshake with neither event nor exception, and it is worth a line (a client that
   * rejects our certificate without an alert looks like this); after a refusal it is a no-op.
   */
  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    refusals.refuse(ctx.channel(), RefusalReason.TLS_HANDSHAKE_FAILED,
        "TLS handshake failed: connection closed before the handshake completed");
    super.channelInactive(ctx);
  }

  /** Left to HandshakeErrors, so every pre-dispatch failure is reported in one place. */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.fireExceptionCaught(cause);
  }
}
