package io.meshfed.server;

import io.meshfed.server.config.ConfigException;
import io.meshfed.server.config.ServerConfig;
import io.meshfed.transport.tls.TlsMaterial;
import io.meshfed.transport.tls.TlsReloadMetrics;
import io.meshfed.transport.tls.TlsSource;
import java.time.Clock;
import java.util.Optional;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the TLS files in force again while the server runs ({@code meshfed reload}, {@code PUT
 * /v1/agent/reload}, SIGHUP): read and checked as at start, then handed to the {@link TlsSource}
 * that every listener and dialer asks for each new connection. Connections already made keep their
 * session. A file that fails a check is refused with the line that says why, and the material in
 * force stays.
 */
final class TlsReloader {
  private static final Logger LOG = LoggerFactory.getLogger(TlsReloader.class);

  private final ServerConfig config;
  private final TlsSource source;
  private final Clock clock;
  private final TlsReloadMetrics metrics = new TlsReloadMetrics("this server's certificate");

  TlsReloader(ServerConfig config, TlsSource source, Clock clock) {
    this.config = config;
    this.source = source;
    this.clock = clock;
  }

  /**
   * @return what is in force now, in words
   * @throws ConfigException the files as they are now fail a check; nothing changed
   */
  synchronized String reload() {
    try {
      TlsMaterial next = ServerTransport.checkedMaterial(config, clock);
      source.replace(next);
      metrics.reloaded();
      String inForce = describe(next);
      LOG.info("meshfed.tls reloaded: {}", inForce);
      return inForce;
    } catch (ConfigException e) {
      metrics.refused();
      throw e;
    } catch (SSLException e) {
      metrics.refused();
      throw new ConfigException("meshfed.tls: " + e.getMessage());
    }
  }

  private String describe(TlsMaterial m) {
    return "certificate " + m.certificate().getSubjectX500Principal().getName() + " until "
        + m.certificate().getNotAfter().toInstant() + ", " + m.caCertificates().size() + " trusted CA certificate"
        + (m.caCertificates().size() == 1 ? "" : "s");
  }

  /** Days until the certificate in force expires (negative once it has), and reloads, in Prometheus text. */
  String prometheus() {
    return metrics.prometheus(Optional.of(source.material().certificate()), clock.instant());
  }
}
