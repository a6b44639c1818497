package io.meshfed.transport.port;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import javax.security.auth.x500.X500Principal;

/**
 * The verified client certificate of a TLS connection, with the names authorization looks at.
 *
 * @param dnsNames the dNSName subject alternative names (RFC 5280 §4.2.1.6), in certificate order
 */
public record PeerCertificate(X500Principal subject, List<String> dnsNames, X509Certificate certificate) {

  /** GeneralName tag of a dNSName (RFC 5280 §4.2.1.6), as {@link X509Certificate} reports it. */
  private static final int DNS_NAME = 2;

  public PeerCertificate {
    Objects.requireNonNull(subject, "subject");
    dnsNames = List.copyOf(dnsNames);
    Objects.requireNonNull(certificate, "certificate");
  }

  public static PeerCertificate of(X509Certificate certificate) throws CertificateParsingException {
    List<String> dnsNames = new ArrayList<>();
    Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
    if (sans != null) {
      for (List<?> san : sans) {
        if (((Integer) san.get(0)) == DNS_NAME) {
          dnsNames.add((String) san.get(1));
        }
      }
    }
    return new PeerCertificate(certificate.getSubjectX500Principal(), dnsNames, certificate);
  }
}
