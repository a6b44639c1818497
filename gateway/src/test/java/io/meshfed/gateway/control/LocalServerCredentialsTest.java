package io.meshfed.gateway.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.transport.tls.CertificateTool;
import io.meshfed.transport.tls.CertificateTool.Issued;
import io.meshfed.transport.tls.PemFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a gateway's SIGHUP reads: its TLS files and token file, all or nothing. */
class LocalServerCredentialsTest {
  private static final Duration YEAR = Duration.ofDays(365);
  private static final Issued CA = CertificateTool.createCa("meshfed", YEAR);

  @TempDir Path dir;

  @Test
  void aReloadPutsNewFilesInForceAndABadFileChangesNothing() throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), CA.certificatePem());
    Path cert = dir.resolve("gw.pem");
    Path key = dir.resolve("gw-key.pem");
    issue(CA, "dc1", YEAR, cert, key);
    Path token = Files.writeString(dir.resolve("token"), "first\n");
    LocalServerCredentials credentials = LocalServerCredentials.load(Optional.of(new LocalServerCredentials.TlsFiles(
        Optional.of(ca), Optional.of(cert), Optional.of(key))), "", Optional.of(token), Clock.systemUTC());
    SSLContext context = credentials.tls().orElseThrow();
    assertThat(credentials.token()).isEqualTo("first");
    assertThat(credentials.warnings()).isEmpty();
    assertThat(credentials.prometheus()).containsPattern("meshfed_tls_certificate_expiry_days 36[45]\\.")
        .contains("meshfed_tls_reloads_total{result=\"ok\"} 0\n");

    Issued newCa = CertificateTool.createCa("meshfed", YEAR);
    Files.writeString(ca, CA.certificatePem() + newCa.certificatePem());
    issue(newCa, "dc2", Duration.ofDays(20), cert, key);
    Files.writeString(token, "second");
    Instant notAfter = PemFiles.readCertificates("cert", cert).get(0).getNotAfter().toInstant();
    assertThat(credentials.reload()).containsExactly(
        "tls: client certificate CN=server.dc2.meshfed until " + notAfter + ", 2 trusted CA certificates",
        "token: read from " + token);
    assertThat(credentials.tls()).containsSame(context);
    assertThat(credentials.token()).isEqualTo("second");
    assertThat(credentials.warnings()).singleElement().asString()
        .startsWith("--client-cert " + cert + " expires in 19 days")
        .endsWith("replace it before then and reload (kill -HUP the gateway)");

    // A key that is not the certificate's: refused, and the token read in the same reload is not taken either.
    Files.writeString(key, CertificateTool.createCa("other", YEAR).privateKeyPem());
    Files.writeString(token, "third");
    assertThatThrownBy(credentials::reload).hasMessage("reload refused, nothing changed: --client-key " + key
        + " is not the key of --client-cert " + cert);
    assertThat(credentials.token()).isEqualTo("second");
    Files.writeString(token, "");
    issue(newCa, "dc2", Duration.ofDays(20), cert, key);
    assertThatThrownBy(credentials::reload)
        .hasMessage("reload refused, nothing changed: the token file " + token + " is empty");
    assertThat(credentials.token()).isEqualTo("second");
    assertThat(credentials.prometheus()).containsPattern("meshfed_tls_certificate_expiry_days 19\\.9")
        .contains("meshfed_tls_reloads_total{result=\"ok\"} 1\n", "meshfed_tls_reloads_total{result=\"refused\"} 2\n");
  }

  @Test
  void anExpiredCertificateIsRefusedAtStartAndOneAboutToExpireIsAWarning() throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), CA.certificatePem());
    Path cert = dir.resolve("gw.pem");
    Path key = dir.resolve("gw-key.pem");
    issue(CA, "dc1", Duration.ofDays(5), cert, key);
    Optional<LocalServerCredentials.TlsFiles> files = Optional.of(new LocalServerCredentials.TlsFiles(Optional.of(ca),
        Optional.of(cert), Optional.of(key)));
    assertThat(LocalServerCredentials.load(files, "t", Optional.empty(), Clock.systemUTC()).warnings()).singleElement()
        .asString().contains("expires in 4 days").endsWith("replace it now and reload (kill -HUP the gateway): once it "
            + "has expired, every peer refuses it");
    Clock later = Clock.offset(Clock.systemUTC(), Duration.ofDays(6));
    assertThatThrownBy(() -> LocalServerCredentials.load(files, "t", Optional.empty(), later))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--client-cert " + cert + " expired on ");
  }

  @Test
  void withoutFilesThereIsNothingToReload() {
    LocalServerCredentials credentials = LocalServerCredentials.load(Optional.empty(), "fixed", Optional.empty(),
        Clock.systemUTC());
    assertThat(credentials.reload()).isEmpty();
    assertThat(credentials.token()).isEqualTo("fixed");
    assertThat(credentials.tls()).isEmpty();
    assertThat(credentials.prometheus()).isEmpty();
  }

  private static void issue(Issued issuer, String dc, Duration validity, Path cert, Path key) throws Exception {
    Issued issued = CertificateTool.createServerCert(issuer, dc, "gw", "meshfed", validity);
    Files.writeString(cert, issued.certificatePem());
    Files.writeString(key, issued.privateKeyPem());
  }
}
