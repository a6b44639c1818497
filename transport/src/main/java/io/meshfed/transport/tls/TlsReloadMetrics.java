package io.meshfed.transport.tls;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The metrics of a process that reloads its TLS files (a server, a gateway): days until the
 * certificate in force expires and its expiry time, and reloads by result. Same names in both, so one alert rule
 * covers every process.
 */
public final class TlsReloadMetrics {
  private final String whose;
  private final AtomicLong reloaded = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();

  /** @param whose the certificate, for the HELP line ("this server's certificate") */
  public TlsReloadMetrics(String whose) {
    this.whose = whose;
  }

  public void reloaded() {
    reloaded.incrementAndGet();
  }

  public void refused() {
    refused.incrementAndGet();
  }

  /**
   * Prometheus text 0.0.4; the expiry gauge only when there is a certificate (a gateway may dial
   * its server's TLS port without one).
   */
  public String prometheus(Optional<X509Certificate> inForce, Instant now) {
    StringBuilder text = new StringBuilder();
    inForce.ifPresent(cert -> {
      double days = Duration.between(now, cert.getNotAfter().toInstant()).toSeconds() / 86_400.0;
      text.append("# HELP meshfed_tls_certificate_expiry_days days until ").append(whose).append(" expires\n")
          .append("# TYPE meshfed_tls_certificate_expiry_days gauge\n")
          .append("meshfed_tls_certificate_expiry_days ").append(Math.round(days * 1000) / 1000.0).append('\n')
          // what alert rules compare with time(): exact, and independent of when the scrape ran
          .append("# HELP meshfed_tls_certificate_expiry_timestamp_seconds when ").append(whose)
          .append(" expires (its notAfter), in seconds since the epoch\n")
          .append("# TYPE meshfed_tls_certificate_expiry_timestamp_seconds gauge\n")
          .append("meshfed_tls_certificate_expiry_timestamp_seconds ")
          .append(cert.getNotAfter().toInstant().getEpochSecond()).append('\n');
    });
    return text.append("# HELP meshfed_tls_reloads_total reloads of the TLS files, by result (refused: the material ")
        .append("in force stayed)\n")
        .append("# TYPE meshfed_tls_reloads_total counter\n")
        .append("meshfed_tls_reloads_total{result=\"ok\"} ").append(reloaded.get()).append('\n')
        .append("meshfed_tls_reloads_total{result=\"refused\"} ").append(refused.get()).append('\n')
        .toString();
  }
}
