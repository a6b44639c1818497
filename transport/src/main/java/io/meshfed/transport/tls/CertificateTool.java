package io.meshfed.transport.tls;

import io.meshfed.protocol.names.Names;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * Creates the CA, server and client certificates of a meshfed deployment (Consul's
 * {@code tls ca create} / {@code tls cert create}). Keys are EC P-256: BoringSSL, the JDK and
 * OpenSSL all handle them, and they are small enough to generate on every call in tests.
 */
public final class CertificateTool {
  /** Certificates are valid from a minute ago, so a server whose clock is slightly behind accepts them. */
  private static final Duration CLOCK_SKEW = Duration.ofMinutes(1);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** What a leaf certificate may be used for (its extended key usage). */
  public enum Purpose {
    SERVER_AUTH(KeyPurposeId.id_kp_serverAuth),
    CLIENT_AUTH(KeyPurposeId.id_kp_clientAuth);

    private final KeyPurposeId id;

    Purpose(KeyPurposeId id) {
      this.id = id;
    }
  }

  /** A certificate with its private key, as written to {@code X.pem} and {@code X-key.pem}. */
  public record Issued(X509Certificate certificate, PrivateKey privateKey) {
    public String certificatePem() {
      return pem(certificate);
    }

    /** PKCS#8 ({@code BEGIN PRIVATE KEY}): the one form every TLS stack reads. */
    public String privateKeyPem() {
      return pem(new PemObject("PRIVATE KEY", privateKey.getEncoded()));
    }
  }

  /**
   * Everything that varies between leaf certificates. Exposed so that tests and tools can build
   * certificates the {@code create*} methods refuse to make (wrong SANs, past validity).
   */
  public record LeafSpec(String commonName, List<String> dnsNames, List<String> ipAddresses,
                         List<Purpose> purposes, Instant notBefore, Instant notAfter) {
    public LeafSpec {
      dnsNames = List.copyOf(dnsNames);
      ipAddresses = List.copyOf(ipAddresses);
      purposes = List.copyOf(purposes);
      if (!notAfter.isAfter(notBefore)) {
        throw new IllegalArgumentException("notAfter " + notAfter + " is not after notBefore " + notBefore);
      }
    }
  }

  private CertificateTool() {}

  /** A self-signed CA named {@code meshfed CA <domain>}, allowed only to sign certificates and CRLs. */
  public static Issued createCa(String domain, Duration validity) {
    KeyPair keys = newKeyPair();
    Instant notBefore = Instant.now().minus(CLOCK_SKEW);
    X500Name subject = name("meshfed CA " + domain);
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
          Date.from(notBefore), Date.from(notBefore.plus(validity)), subject, keys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()))
          .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(keys.getPublic()));
      return new Issued(sign(builder, keys.getPrivate()), keys.getPrivate());
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot create the CA certificate: " + e.getMessage(), e);
    }
  }

  /**
   * A server certificate. SANs in this order: {@code <node>.server.<dc>.<domain>} (dials addressed
   * to this node), {@code server.<dc>.<domain>} (dials to any server of the DC), {@code localhost}
   * and {@code 127.0.0.1}. It allows client authentication too, because servers dial each other with it.
   */
  public static Issued createServerCert(Issued ca, String dc, String node, String domain, Duration validity) {
    return createServerCert(ca, dc, node, domain, validity, List.of(), List.of());
  }

  /**
   * A server certificate with more SANs after the usual ones: the names and addresses its client
   * API ports are reached by ({@code https://10.0.1.5:8503}), which a client checks.
   */
  public static Issued createServerCert(Issued ca, String dc, String node, String domain, Duration validity,
      List<String> moreDnsNames, List<String> moreIpAddresses) {
    String anyServer = Names.anyServerSni(dc, domain);
    Instant notBefore = Instant.now().minus(CLOCK_SKEW);
    List<String> dns = new ArrayList<>(List.of(Names.serverSni(node, dc, domain), anyServer, "localhost"));
    dns.addAll(moreDnsNames);
    List<String> ips = new ArrayList<>(List.of("127.0.0.1"));
    ips.addAll(moreIpAddresses);
    return issue(ca, new LeafSpec(anyServer, dns, ips, List.of(Purpose.SERVER_AUTH, Purpose.CLIENT_AUTH), notBefore,
        notBefore.plus(validity)));
  }

  /** A client certificate named {@code client.<dc>.<domain>}, usable only for client authentication. */
  public static Issued createClientCert(Issued ca, String dc, String domain, Duration validity) {
    String name = "client." + dc + "." + domain;
    Instant notBefore = Instant.now().minus(CLOCK_SKEW);
    return issue(ca, new LeafSpec(name, List.of(name), List.of(), List.of(Purpose.CLIENT_AUTH),
        notBefore, notBefore.plus(validity)));
  }

  /** A leaf certificate signed by {@code ca} with a fresh key. */
  public static Issued issue(Issued ca, LeafSpec spec) {
    KeyPair keys = newKeyPair();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      List<GeneralName> sans = new ArrayList<>();
      spec.dnsNames().forEach(dns -> sans.add(new GeneralName(GeneralName.dNSName, dns)));
      spec.ipAddresses().forEach(ip -> sans.add(new GeneralName(GeneralName.iPAddress, ip)));
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca.certificate(), serial(),
          Date.from(spec.notBefore()), Date.from(spec.notAfter()), name(spec.commonName()), keys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(Extension.extendedKeyUsage, false,
              new ExtendedKeyUsage(spec.purposes().stream().map(p -> p.id).toArray(KeyPurposeId[]::new)))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()))
          .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca.certificate()));
      if (!sans.isEmpty()) {
        builder.addExtension(Extension.subjectAlternativeName, false,
            new GeneralNames(sans.toArray(GeneralName[]::new)));
      }
      return new Issued(sign(builder, ca.privateKey()), keys.getPrivate());
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot create the certificate " + spec.commonName() + ": " + e.getMessage(), e);
    }
  }

  /** PEM text of a certificate, key or {@link PemObject}. */
  public static String pem(Object object) {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
      throws GeneralSecurityException {
    try {
      String algorithm = "EC".equals(signer.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
      return new JcaX509CertificateConverter()
          .getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).build(signer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e.getMessage(), e);
    }
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an EC P-256 key: " + e.getMessage(), e);
    }
  }

  private static X500Name name(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
  }

  /** 159 random bits: positive, at most 20 bytes (RFC 5280 §4.1.2.2), and unguessable. */
  private static BigInteger serial() {
    return new BigInteger(159, RANDOM);
  }
}
