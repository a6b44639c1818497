package io.meshfed.transport.tls;

import io.meshfed.protocol.names.Names;
import io.meshfed.transport.tls.PemFiles.TlsFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The CA, certificate chain and private key a server presents and trusts (config {@code tls.ca-file},
 * {@code tls.cert-file}, {@code tls.key-file}). {@link #preflight} finds at start-up what would
 * otherwise surface as an opaque handshake failure in another DC.
 */
public final class TlsMaterial {
  /** A certificate closer than this to its end is reported as a warning. */
  public static final Duration EXPIRY_WARNING = Duration.ofDays(30);
  /** Below this the warning says to act now. */
  public static final Duration EXPIRY_URGENT = Duration.ofDays(7);
  private static final String SERVER_RELOAD = "meshfed reload";

  private static final String EKU_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String EKU_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  private static final int SAN_DNS = 2;

  private final Path caFile;
  private final Path certFile;
  private final Path keyFile;
  private final List<X509Certificate> caCertificates;
  private final List<X509Certificate> certificateChain;
  private final PrivateKey privateKey;

  public enum Severity { ERROR, WARNING }

  /** One finding of {@link #preflight}: a single line that names the file concerned. */
  public record Problem(Severity severity, String message) {
    public static Problem error(String message) {
      return new Problem(Severity.ERROR, message);
    }

    public static Problem warning(String message) {
      return new Problem(Severity.WARNING, message);
    }

    @Override
    public String toString() {
      return severity.name().toLowerCase(Locale.ROOT) + ": " + message;
    }
  }

  /** Thrown by {@link #load} when files cannot be read; {@link #problems()} has one line per file. */
  public static final class LoadException extends RuntimeException {
    private final List<Problem> problems;

    LoadException(List<Problem> problems) {
      super(String.join("; ", problems.stream().map(Problem::message).toList()));
      this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
      return problems;
    }
  }

  private TlsMaterial(Path caFile, Path certFile, Path keyFile, List<X509Certificate> caCertificates,
                      List<X509Certificate> certificateChain, PrivateKey privateKey) {
    this.caFile = caFile;
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.caCertificates = caCertificates;
    this.certificateChain = certificateChain;
    this.privateKey = privateKey;
  }

  /**
   * Reads the three files; every unreadable or malformed one is reported, not just the first, so one
   * start-up attempt shows everything to fix.
   */
  public static TlsMaterial load(Path caFile, Path certFile, Path keyFile) {
    List<Problem> problems = new ArrayList<>();
    List<X509Certificate> ca = attempt(problems, () -> PemFiles.readCertificates("ca-file", caFile));
    List<X509Certificate> chain = attempt(problems, () -> PemFiles.readCertificates("cert-file", certFile));
    PrivateKey key = attempt(problems, () -> PemFiles.readPrivateKey("key-file", keyFile));
    if (!problems.isEmpty()) {
      throw new LoadException(problems);
    }
    return new TlsMaterial(caFile, certFile, keyFile, ca, chain, key);
  }

  /** {@link #load} then {@link #preflight}: every problem of a configuration, whichever step finds it. */
  public static List<Problem> check(Path caFile, Path certFile, Path keyFile,
                                    String dc, String node, String domain, Clock clock) {
    try {
      return load(caFile, certFile, keyFile).preflight(dc, node, domain, clock);
    } catch (LoadException e) {
      return e.problems();
    }
  }

  public List<X509Certificate> caCertificates() {
    return caCertificates;
  }

  /** The presented chain, leaf first. */
  public List<X509Certificate> certificateChain() {
    return certificateChain;
  }

  public X509Certificate certificate() {
    return certificateChain.get(0);
  }

  public PrivateKey privateKey() {
    return privateKey;
  }

  /**
   * What stands between this material and a working federation for server {@code node} of
   * {@code dc}: errors first found by a peer in another DC, and a warning when the certificate
   * expires within {@link #EXPIRY_WARNING}. Empty when all is well.
   */
  public List<Problem> preflight(String dc, String node, String domain, Clock clock) {
    List<Problem> problems = new ArrayList<>();
    Instant now = clock.instant();
    X509Certificate leaf = certificate();
    if (!PemFiles.matches(privateKey, leaf.getPublicKey())) {
      problems.add(Problem.error("key-file " + keyFile + " does not match the certificate in cert-file " + certFile));
    }
    checkSignatures(problems);
    validity("cert-file " + certFile, leaf, now, SERVER_RELOAD).ifPresent(problems::add);
    for (X509Certificate ca : caCertificates) {
      validity("the CA certificate in ca-file " + caFile, ca, now, SERVER_RELOAD).ifPresent(problems::add);
    }
    List<String> dnsNames = dnsNames(leaf);
    String fix = "create one with 'meshfed tls cert create --server --dc " + dc + " --node " + node
        + (Names.DEFAULT_DOMAIN.equals(domain) ? "" : " --domain " + domain) + "'";
    String nodeSni = Names.serverSni(node, dc, domain);
    if (!coversName(dnsNames, nodeSni)) {
      problems.add(Problem.error("cert-file " + certFile + " lacks the DNS SAN " + nodeSni
          + ", so servers of other DCs cannot verify dials addressed to this node; " + fix));
    }
    String anyServer = Names.anyServerSni(dc, domain);
    if (!coversName(dnsNames, anyServer)) {
      problems.add(Problem.error("cert-file " + certFile + " lacks the DNS SAN " + anyServer
          + ", so dials to any server of " + dc + " cannot verify it; " + fix));
    }
    List<String> usages = extendedKeyUsage(leaf);
    if (usages != null && !usages.contains(EKU_SERVER_AUTH)) {
      problems.add(Problem.error("cert-file " + certFile
          + " is not valid for TLS servers (extended key usage lacks serverAuth); " + fix));
    }
    if (usages != null && !usages.contains(EKU_CLIENT_AUTH)) {
      problems.add(Problem.error("cert-file " + certFile
          + " is not valid for TLS clients (extended key usage lacks clientAuth), and servers dial each other with it; "
          + fix));
    }
    return List.copyOf(problems);
  }

  private void checkSignatures(List<Problem> problems) {
    for (int i = 0; i + 1 < certificateChain.size(); i++) {
      X509Certificate cert = certificateChain.get(i);
      if (!signedBy(cert, certificateChain.get(i + 1))) {
        problems.add(Problem.error("cert-file " + certFile + ": certificate " + (i + 1) + " ("
            + cert.getSubjectX500Principal().getName() + ") is not signed by the certificate after it"));
        return;
      }
    }
    X509Certificate top = certificateChain.get(certificateChain.size() - 1);
    boolean trusted = caCertificates.stream().anyMatch(ca -> ca.equals(top) || signedBy(top, ca));
    if (!trusted) {
      problems.add(Problem.error("cert-file " + certFile + " is not signed by the CA in ca-file " + caFile
          + " (issuer " + top.getIssuerX500Principal().getName() + ")"));
    }
  }

  /**
   * An error when {@code cert} is not valid at {@code now}, a warning when it expires within
   * {@link #EXPIRY_WARNING} (more urgent within {@link #EXPIRY_URGENT}).
   *
   * @param what the certificate, as the line names it (the setting or option and its file)
   * @param reload how this process reloads, for the fix
   */
  public static Optional<Problem> validity(String what, X509Certificate cert, Instant now, String reload) {
    Instant notBefore = cert.getNotBefore().toInstant();
    Instant notAfter = cert.getNotAfter().toInstant();
    if (now.isBefore(notBefore)) {
      return Optional.of(Problem.error(what + " is not valid before " + notBefore + " (now " + now + ")"));
    } else if (now.isAfter(notAfter)) {
      return Optional.of(Problem.error(what + " expired on " + notAfter + " (now " + now + ")"));
    } else if (Duration.between(now, notAfter).compareTo(EXPIRY_WARNING) < 0) {
      long days = Duration.between(now, notAfter).toDays();
      boolean urgent = Duration.between(now, notAfter).compareTo(EXPIRY_URGENT) < 0;
      return Optional.of(Problem.warning(what + " expires in " + days + (days == 1 ? " day" : " days")
          + " (on " + notAfter + "); " + (urgent
              ? "replace it now and reload (" + reload + "): once it has expired, every peer refuses it"
              : "replace it before then and reload (" + reload + ")")));
    }
    return Optional.empty();
  }

  private static boolean signedBy(X509Certificate cert, X509Certificate issuer) {
    if (!cert.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
      return false;
    }
    try {
      cert.verify(issuer.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** A SAN covers {@code name} when equal, ignoring case, or as a one-label wildcard (RFC 6125 §6.4.3). */
  private static boolean coversName(List<String> dnsNames, String name) {
    String wanted = name.toLowerCase(Locale.ROOT);
    for (String san : dnsNames) {
      String candidate = san.toLowerCase(Locale.ROOT);
      if (candidate.equals(wanted)) {
        return true;
      }
      int dot = wanted.indexOf('.');
      if (candidate.startsWith("*.") && dot > 0 && candidate.substring(1).equals(wanted.substring(dot))) {
        return true;
      }
    }
    return false;
  }

  private static List<String> dnsNames(X509Certificate cert) {
    try {
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      if (sans == null) {
        return List.of();
      }
      return sans.stream()
          .filter(san -> Objects.equals(san.get(0), SAN_DNS))
          .map(san -> (String) san.get(1))
          .toList();
    } catch (CertificateParsingException e) {
      return List.of();
    }
  }

  /** The extended key usages, or null when the certificate has none, which means "any use". */
  private static List<String> extendedKeyUsage(X509Certificate cert) {
    try {
      return cert.getExtendedKeyUsage();
    } catch (CertificateParsingException e) {
      return List.of();
    }
  }

  private static <T> T attempt(List<Problem> problems, Supplier<T> read) {
    try {
      return read.get();
    } catch (TlsFileException e) {
      problems.add(Problem.error(e.getMessage()));
      return null;
    }
  }
}
