package io.meshfed.transport.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads PEM certificates and private keys. Every failure is a {@link TlsFileException} whose message
 * is one line naming the file, since these messages end up as start-up errors and CLI output.
 */
public final class PemFiles {
  private PemFiles() {}

  /** A file that cannot be used: the message says which file and why, on one line. */
  public static final class TlsFileException extends RuntimeException {
    public TlsFileException(String message) {
      super(message);
    }
  }

  /**
   * All certificates of a PEM file, in file order (a chain: leaf first). {@code what} names the file
   * in messages, e.g. {@code "cert-file"}.
   */
  public static List<X509Certificate> readCertificates(String what, Path file) {
    List<X509Certificate> certificates = new ArrayList<>();
    try (Reader reader = open(what, file); PEMParser parser = new PEMParser(reader)) {
      JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
      for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
        if (!(object instanceof X509CertificateHolder holder)) {
          throw cannotRead(what, file, "not a PEM certificate");
        }
        certificates.add(converter.getCertificate(holder));
      }
    } catch (IOException | CertificateException | RuntimeException e) {
      throw asFileException(what, file, e, "not a PEM certificate");
    }
    if (certificates.isEmpty()) {
      throw cannotRead(what, file, "not a PEM certificate");
    }
    return List.copyOf(certificates);
  }

  /** The private key of a PEM file: PKCS#8 ({@code PRIVATE KEY}) or traditional EC / RSA. */
  public static PrivateKey readPrivateKey(String what, Path file) {
    try (Reader reader = open(what, file); PEMParser parser = new PEMParser(reader)) {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
        if (object instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
        if (object instanceof PEMKeyPair pair) {
          return converter.getPrivateKey(pair.getPrivateKeyInfo());
        }
        if (object instanceof PKCS8EncryptedPrivateKeyInfo || object instanceof PEMEncryptedKeyPair) {
          throw cannotRead(what, file, "the private key is encrypted; meshfed needs an unencrypted key");
        }
        // Anything else (EC PARAMETERS before an EC PRIVATE KEY, for one) is skipped.
      }
    } catch (IOException | RuntimeException e) {
      throw asFileException(what, file, e, "not a PEM private key");
    }
    throw cannotRead(what, file, "not a PEM private key");
  }

  /** True when {@code key} signs what {@code publicKey} verifies: the pair belongs together. */
  public static boolean matches(PrivateKey key, PublicKey publicKey) {
    if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
      return false;
    }
    String algorithm = switch (key.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      // EdDSA keys name their signature algorithm after themselves (Ed25519, Ed448).
      default -> key.getAlgorithm();
    };
    try {
      byte[] challenge = new byte[32];
      new SecureRandom().nextBytes(challenge);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  static TlsFileException cannotRead(String what, Path file, String reason) {
    return new TlsFileException("cannot read " + what + " " + file + ": " + reason);
  }

  private static Reader open(String what, Path file) {
    try {
      return Files.newBufferedReader(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw cannotRead(what, file, "no such file");
    } catch (AccessDeniedException e) {
      throw cannotRead(what, file, "permission denied");
    } catch (IOException e) {
      throw cannotRead(what, file, e.getMessage());
    }
  }

  private static TlsFileException asFileException(String what, Path file, Exception e, String malformed) {
    if (e instanceof TlsFileException already) {
      return already;
    }
    // Parse errors from BouncyCastle carry multi-line ASN.1 detail that helps nobody reading a log.
    return cannotRead(what, file, malformed);
  }
}
