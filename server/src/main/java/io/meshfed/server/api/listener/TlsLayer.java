package io.meshfed.server.api.listener;

import io.meshfed.transport.logging.Causes;
import io.meshfed.transport.logging.RateLimitedLog;
import java.net.InetSocketAddress;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.Graph;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.TLSClosing;
import org.apache.pekko.stream.TLSProtocol;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.TLS;
import org.apache.pekko.util.ByteString;

/**
 * TLS termination between a connection's socket and everything above it (the connection guard
 * and the protocol stack), so that those see plain bytes and their farewells reach the client
 * encrypted. A failed handshake (no or a foreign client certificate, no common protocol or ALPN
 * id) closes the connection, is counted ({@code reason="tls"}) and logged within limits: a client
 * that fails on purpose cannot fill the log.
 */
final class TlsLayer {
  private TlsLayer() {}

  /** @param listener names the listener in the log line ({@code HTTPS API}) */
  static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> create(ApiTls tls, String listener,
      InetSocketAddress remote, ListenerStats stats, RateLimitedLog log) {
    // Pekko's TLS stage faces the application on its top side; a listener needs the socket on top.
    BidiFlow<ByteString, TLSProtocol.SslTlsInbound, TLSProtocol.SslTlsOutbound, ByteString, NotUsed> engine =
        TLS.create(tls::newEngine, TLSClosing.eagerClose()).reversed();
    Flow<TLSProtocol.SslTlsInbound, ByteString, NotUsed> decrypted = Flow.of(TLSProtocol.SslTlsInbound.class)
        .filter(TLSProtocol.SessionBytes.class::isInstance)
        .map(inbound -> ((TLSProtocol.SessionBytes) inbound).bytes())
        .recoverWithRetries(1, new PFBuilder<Throwable, Graph<SourceShape<ByteString>, NotUsed>>()
            .matchAny(failure -> {
              stats.countTlsFailure();
              log.log("{}: TLS with {} failed: {}", listener, remote, Causes.describe(failure));
              return Source.empty();
            }).build());
    Flow<ByteString, TLSProtocol.SslTlsOutbound, NotUsed> toEncrypt = Flow.of(ByteString.class)
        .map(TLSProtocol.SendBytes::new);
    // The same failure ends the socket side too: there it only closes the connection.
    BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> quietClose = BidiFlow.fromFlows(
        Flow.of(ByteString.class), Flow.of(ByteString.class).onErrorComplete());
    return TlsRecordCheck.create(tls.plaintextRefusal(), stats)
        .atop(quietClose)
        .atop(engine)
        .atop(BidiFlow.fromFlows(decrypted, toEncrypt));
  }
}
