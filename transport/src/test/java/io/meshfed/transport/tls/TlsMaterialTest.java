package io.meshfed.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static java.time.temporal.ChronoUnit.SECONDS;

import io.meshfed.transport.tls.CertificateTool.Issued;
import io.meshfed.transport.tls.CertificateTool.LeafSpec;
import io.meshfed.transport.tls.CertificateTool.Purpose;
import io.meshfed.transport.tls.TlsMaterial.LoadException;
import io.meshfed.transport.tls.TlsMaterial.Problem;
import io.meshfed.transport.tls.TlsMaterial.Severity;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X962Parameters;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OutputEncryptor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsMaterialTest {
  private static final Issued CA = CertificateTool.createCa("meshfed", TestPki.YEAR);
  private static final String FIX = "; create one with 'meshfed tls cert create --server --dc dc1 --node n1'";

  @TempDir
  Path dir;
  TestPki pki;
  Path caFile;
  Clock clock;

  @BeforeEach
  void setUp() {
    pki = new TestPki(dir);
    caFile = pki.write("ca.pem", CA.certificatePem());
    clock = Clock.fixed(Instant.now(), ZoneOffset.UTC);
  }

  private List<Problem> preflight(TestPki.CertFiles files) {
    return TlsMaterial.load(caFile, files.cert(), files.key()).preflight("dc1", "n1", "meshfed", clock);
  }

  private static Issued leaf(Issued ca, List<String> dns, Instant notBefore, Instant notAfter) {
    return CertificateTool.issue(ca, new LeafSpec("server.dc1.meshfed", dns, List.of("127.0.0.1"),
        List.of(Purpose.SERVER_AUTH, Purpose.CLIENT_AUTH), notBefore, notAfter));
  }

  @Test
  void aServerCertificateFromToolHasNoProblems() {
    TestPki.CertFiles files = pki.write("good", CertificateTool.createServerCert(CA, "dc1", "n1", "meshfed", TestPki.YEAR));
    assertThat(preflight(files)).isEmpty();
    assertThat(TlsMaterial.check(caFile, files.cert(), files.key(), "dc1", "n1", "meshfed", clock)).isEmpty();
  }

  @Test
  void keyOfAnotherCertificateIsReported() {
    TestPki.CertFiles good = pki.write("good", CertificateTool.createServerCert(CA, "dc1", "n1", "meshfed", TestPki.YEAR));
    TestPki.CertFiles other = pki.write("other", CertificateTool.createServerCert(CA, "dc1", "n1", "meshfed", TestPki.YEAR));
    assertThat(preflight(new TestPki.CertFiles(good.cert(), other.key()))).containsExactly(Problem.error(
        "key-file " + other.key() + " does not match the certificate in cert-file " + good.cert()));
  }

  @Test
  void certificateOfAnotherCaIsReported() {
    // Same domain, so the same issuer name: only the signature tells the two CAs apart.
    Issued otherCa = CertificateTool.createCa("meshfed", TestPki.YEAR);
    TestPki.CertFiles files = pki.write("foreign", CertificateTool.createServerCert(otherCa, "dc1", "n1", "meshfed", TestPki.YEAR));
    assertThat(preflight(files)).containsExactly(Problem.error("cert-file " + files.cert()
        + " is not signed by the CA in ca-file " + caFile + " (issuer CN=meshfed CA meshfed)"));
  }

  @Test
  void missingNodeSanIsReportedWithTheCommandThatFixesIt() {
    Instant now = clock.instant();
    TestPki.CertFiles files = pki.write("old-style",
        leaf(CA, List.of("server.dc1.meshfed", "localhost"), now.minusSeconds(60), now.plus(TestPki.YEAR)));
    assertThat(preflight(files)).containsExactly(Problem.error("cert-file " + files.cert()
        + " lacks the DNS SAN n1.server.dc1.meshfed, so servers of other DCs cannot verify dials addressed to this node"
        + FIX));
  }

  @Test
  void missingDatacenterSanIsReported() {
    Instant now = clock.instant();
    TestPki.CertFiles files = pki.write("node-only",
        leaf(CA, List.of("n1.server.dc1.meshfed"), now.minusSeconds(60), now.plus(TestPki.YEAR)));
    assertThat(preflight(files)).containsExactly(Problem.error("cert-file " + files.cert()
        + " lacks the DNS SAN server.dc1.meshfed, so dials to any server of dc1 cannot verify it" + FIX));
  }

  @Test
  void certificateOfAnotherNodeLacksThisNodesSan() {
    TestPki.CertFiles files = pki.write("n2", CertificateTool.createServerCert(CA, "dc1", "n2", "meshfed", TestPki.YEAR));
    assertThat(preflight(files)).extracting(Problem::message)
        .containsExactly("cert-file " + files.cert() + " lacks the DNS SAN n1.server.dc1.meshfed,"
            + " so servers of other DCs cannot verify dials addressed to this node" + FIX);
  }

  @Test
  void wildcardSanCoversTheNode() {
    Instant now = clock.instant();
    TestPki.CertFiles files = pki.write("wildcard",
        leaf(CA, List.of("*.server.dc1.meshfed", "server.dc1.meshfed"), now.minusSeconds(60), now.plus(TestPki.YEAR)));
    assertThat(preflight(files)).isEmpty();
  }

  @Test
  void expiredAndNotYetValidCertificatesAreErrors() {
    Instant now = clock.instant();
    List<String> sans = List.of("n1.server.dc1.meshfed", "server.dc1.meshfed");
    Instant end = now.minus(Duration.ofDays(1));
    TestPki.CertFiles expired = pki.write("expired", leaf(CA, sans, now.minus(Duration.ofDays(10)), end));
    assertThat(preflight(expired)).containsExactly(Problem.error(
        "cert-file " + expired.cert() + " expired on " + end.truncatedTo(SECONDS)
            + " (now " + now + ")"));

    Instant start = now.plus(Duration.ofDays(1));
    TestPki.CertFiles future = pki.write("future", leaf(CA, sans, start, now.plus(TestPki.YEAR)));
    assertThat(preflight(future)).containsExactly(Problem.error(
        "cert-file " + future.cert() + " is not valid before " + start.truncatedTo(SECONDS)
            + " (now " + now + ")"));
  }

  @Test
  void expiringWithinThirtyDaysIsOnlyAWarning() {
    Instant now = clock.instant();
    Instant end = now.plus(Duration.ofDays(10)).plusSeconds(3600);
    TestPki.CertFiles soon = pki.write("soon",
        leaf(CA, List.of("n1.server.dc1.meshfed", "server.dc1.meshfed"), now.minusSeconds(60), end));
    List<Problem> problems = preflight(soon);
    assertThat(problems).containsExactly(Problem.warning("cert-file " + soon.cert() + " expires in 10 days (on "
        + end.truncatedTo(SECONDS) + "); replace it before then and reload (meshfed reload)"));
    assertThat(problems.get(0).severity()).isEqualTo(Severity.WARNING);
    assertThat(problems.get(0)).hasToString("warning: " + problems.get(0).message());

    Instant sooner = now.plus(Duration.ofDays(6)).plusSeconds(3600);
    TestPki.CertFiles urgent = pki.write("urgent",
        leaf(CA, List.of("n1.server.dc1.meshfed", "server.dc1.meshfed"), now.minusSeconds(60), sooner));
    assertThat(preflight(urgent)).containsExactly(Problem.warning("cert-file " + urgent.cert() + " expires in 6 days"
        + " (on " + sooner.truncatedTo(SECONDS) + "); replace it now and reload (meshfed reload): once it has expired,"
        + " every peer refuses it"));
  }

  @Test
  void clientOnlyCertificateCannotServe() {
    TestPki.CertFiles files = pki.write("client", CertificateTool.createClientCert(CA, "dc1", "meshfed", TestPki.YEAR));
    assertThat(preflight(files)).extracting(Problem::message).contains("cert-file " + files.cert()
        + " is not valid for TLS servers (extended key usage lacks serverAuth)" + FIX);
  }

  @Test
  void unreadableFilesAreEachReportedOnOneLine() {
    Path missing = dir.resolve("missing.pem");
    Path garbage = pki.write("garbage.pem", "hello\n");
    Path keyAsCert = pki.write("key-as-cert.pem", CA.privateKeyPem());
    assertThatThrownBy(() -> TlsMaterial.load(missing, garbage, caFile))
        .isInstanceOfSatisfying(LoadException.class, e -> assertThat(e.problems()).containsExactly(
            Problem.error("cannot read ca-file " + missing + ": no such file"),
            Problem.error("cannot read cert-file " + garbage + ": not a PEM certificate"),
            Problem.error("cannot read key-file " + caFile + ": not a PEM private key")));
    assertThat(TlsMaterial.check(caFile, keyAsCert, caFile, "dc1", "n1", "meshfed", clock)).containsExactly(
        Problem.error("cannot read cert-file " + keyAsCert + ": not a PEM certificate"),
        Problem.error("cannot read key-file " + caFile + ": not a PEM private key"));
  }

  @Test
  void traditionalEcKeysAndChainsAreRead() throws Exception {
    Issued server = CertificateTool.createServerCert(CA, "dc1", "n1", "meshfed", TestPki.YEAR);
    SubjectPublicKeyInfo publicKey = SubjectPublicKeyInfo.getInstance(server.certificate().getPublicKey().getEncoded());
    org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256,
        ((ECPrivateKey) server.privateKey()).getS(), publicKey.getPublicKeyData(),
        new X962Parameters(SECObjectIdentifiers.secp256r1));
    Path key = pki.write("traditional-key.pem", CertificateTool.pem(new PemObject("EC PRIVATE KEY", sec1.getEncoded())));
    Path chain = pki.write("chain.pem", server.certificatePem() + CA.certificatePem());
    TlsMaterial material = TlsMaterial.load(caFile, chain, key);
    assertThat(((ECPrivateKey) material.privateKey()).getS()).isEqualTo(((ECPrivateKey) server.privateKey()).getS());
    assertThat(material.certificateChain()).containsExactly(server.certificate(), CA.certificate());
    assertThat(material.preflight("dc1", "n1", "meshfed", clock)).isEmpty();
  }

  @Test
  void traditionalRsaKeysAreRead() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    PrivateKey rsa = generator.generateKeyPair().getPrivate();
    byte[] pkcs1 = PrivateKeyInfo.getInstance(rsa.getEncoded()).parsePrivateKey().toASN1Primitive().getEncoded();
    Path key = pki.write("rsa-key.pem", CertificateTool.pem(new PemObject("RSA PRIVATE KEY", pkcs1)));
    assertThat(PemFiles.readPrivateKey("key-file", key).getEncoded()).isEqualTo(rsa.getEncoded());
  }

  @Test
  void encryptedKeysAreRefusedByName() throws Exception {
    OutputEncryptor encryptor = new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC).setProvider(new BouncyCastleProvider())
        .setPassword("secret".toCharArray()).build();
    Path key = pki.write("enc-key.pem", CertificateTool.pem(new JcaPKCS8Generator(CA.privateKey(), encryptor)));
    assertThat(key).content().startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
    assertThatThrownBy(() -> PemFiles.readPrivateKey("key-file", key)).hasMessage(
        "cannot read key-file " + key + ": the private key is encrypted; meshfed needs an unencrypted key");
  }
}
