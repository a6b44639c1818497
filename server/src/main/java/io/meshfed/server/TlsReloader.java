package io.meshfed.server;

import io.meshfed.server.config.ConfigException;
import io.meshfed.server.config.ServerConfig;
import io.meshfed.transport.tls.TlsMaterial;
import io.meshfed.transport.tls.TlsSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
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
  private final AtomicLong reloaded = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();

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
      reloaded.incrementAndGet();
      String inForce = describe(next);
      LOG.info("meshfed.tls reloaded: {}", inForce);
      return inForce;
    } catch (ConfigException e) {
      refused.incrementAndGet();
      throw e;
    } catch (SSLException e) {
      refused.incrementAndGet();
      throw new ConfigException("meshfed.tls: " + e.getMessage());
    }
  }

  private String describe(TlsMaterial m) {
    return "certificate " + m.certificate().getSubjectX500Principal().getName() + " until "
        + m.certificate().getNotAfter().toInstant() + ", " + m.caCertificates().size() + " trusted CA certificate"
        + (m.caCertificates().size() == 1 ? "" : "s");
  }

  /** Days until the certificate in force expires (negative once it has), in Prometheus text 0.0.4. */
  String prometheus() {
    Instant notAfter = source.material().certificate().getNotAfter().toInstant();
    double days = Duration.between(clock.instant(), notAfter).toSeconds() / 86_400.0;
    return "# HELP meshfed_tls_certificate_expiry_days days until this server's certificate expires\n"
        + "# TYPE meshfed_tls_certificate_expiry_days gauge\n"
        + "meshfed_tls_certificate_expiry_days " + Math.round(days * 1000) / 1000.0 + "\n"
        + "# HELP meshfed_tls_reloads_total reloads of the TLS files, by result (refused: the material in force stayed)\n"
        + "# TYPE meshfed_tls_reloads_total counter\n"
        + "meshfed_tls_reloads_total{result=\"ok\"} " + reloaded.get() + "\n"
        + "meshfed_tls_reloads_total{result=\"refused\"} " + refused.get() + "\n";
  }
}
