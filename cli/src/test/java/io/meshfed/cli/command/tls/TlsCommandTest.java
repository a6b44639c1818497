package io.meshfed.cli.command.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.meshfed.cli.CliRun;
import io.meshfed.transport.tls.PemFiles;
import io.meshfed.transport.tls.TlsMaterial;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code meshfed tls} run in-process, its files checked by Debian's openssl, which nobody here wrote. */
class TlsCommandTest {
  private static final Path OPENSSL = Path.of("/usr/bin/openssl");

  @TempDir
  Path dir;

  static CliRun run(String... args) {
    return CliRun.of(args);
  }

  private CliRun createCa() throws Exception {
    CliRun ca = run("tls", "ca", "create", "--output-dir", dir.toString());
    assertThat(ca.exit()).as(ca.err()).isZero();
    return ca;
  }

  private CliRun certCreate(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("tls", "cert", "create", "--output-dir", dir.toString(),
        "--ca", dir.resolve("meshfed-agent-ca.pem").toString(), "--key", dir.resolve("meshfed-agent-ca-key.pem").toString()));
    all.addAll(List.of(args));
    return run(all.toArray(String[]::new));
  }

  private static String openssl(String... args) throws IOException, InterruptedException {
    assumeTrue(Files.isExecutable(OPENSSL), "openssl is not installed");
    List<String> command = new ArrayList<>(List.of(OPENSSL.toString()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output;
  }

  @Test
  void caAndServerAndClientCertificatesPassOpenssl() throws Exception {
    CliRun ca = createCa();
    Path caPem = dir.resolve("meshfed-agent-ca.pem");
    Path caKey = dir.resolve("meshfed-agent-ca-key.pem");
    assertThat(ca.out()).isEqualTo("Saved " + caPem + "\nSaved " + caKey + "\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(caKey))).isEqualTo("rw-------");
    String caText = openssl("x509", "-in", caPem.toString(), "-noout", "-text");
    assertThat(caText).contains("Subject: CN = meshfed CA meshfed", "CA:TRUE", "Certificate Sign, CRL Sign",
        "X509v3 Subject Key Identifier");

    CliRun first = certCreate("--server", "--dc", "dc1", "--node", "n1");
    assertThat(first.exit()).as(first.err()).isZero();
    Path server = dir.resolve("dc1-server-meshfed-0.pem");
    Path serverKey = dir.resolve("dc1-server-meshfed-0-key.pem");
    assertThat(first.out()).isEqualTo("Saved " + server + "\nSaved " + serverKey + "\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(serverKey))).isEqualTo("rw-------");
    String text = openssl("x509", "-in", server.toString(), "-noout", "-text");
    assertThat(text).contains(
        "DNS:n1.server.dc1.meshfed, DNS:server.dc1.meshfed, DNS:localhost, IP Address:127.0.0.1",
        "TLS Web Server Authentication, TLS Web Client Authentication",
        "X509v3 Authority Key Identifier");
    assertThat(openssl("verify", "-CAfile", caPem.toString(), server.toString())).isEqualTo(server + ": OK\n");
    // openssl pkey reads the key, and its public half is the certificate's.
    assertThat(openssl("pkey", "-in", serverKey.toString(), "-pubout"))
        .isEqualTo(openssl("x509", "-in", server.toString(), "-noout", "-pubkey"));

    CliRun second = certCreate("--server", "--dc", "dc1", "--node", "n2");
    assertThat(second.out()).contains("dc1-server-meshfed-1.pem", "dc1-server-meshfed-1-key.pem");
    assertThat(openssl("x509", "-in", dir.resolve("dc1-server-meshfed-1.pem").toString(), "-noout", "-ext",
        "subjectAltName")).contains("DNS:n2.server.dc1.meshfed, DNS:server.dc1.meshfed");

    CliRun client = certCreate("--client", "--dc", "dc2");
    assertThat(client.exit()).as(client.err()).isZero();
    Path clientPem = dir.resolve("dc2-client-meshfed-0.pem");
    assertThat(client.out()).isEqualTo("Saved " + clientPem + "\nSaved " + dir.resolve("dc2-client-meshfed-0-key.pem") + "\n");
    String clientText = openssl("x509", "-in", clientPem.toString(), "-noout", "-text");
    assertThat(clientText).contains("Subject: CN = client.dc2.meshfed", "DNS:client.dc2.meshfed",
        "TLS Web Client Authentication").doesNotContain("TLS Web Server Authentication");
    assertThat(openssl("verify", "-CAfile", caPem.toString(), clientPem.toString())).isEqualTo(clientPem + ": OK\n");

    assertThat(TlsMaterial.load(caPem, server, serverKey).preflight("dc1", "n1", "meshfed", Clock.systemUTC())).isEmpty();
  }

  @Test
  void otherDomainAndValidity() throws Exception {
    assertThat(run("tls", "ca", "create", "--output-dir", dir.toString(), "--domain", "mesh.example", "--days", "3").exit())
        .isZero();
    assertThat(certCreate("--server", "--dc", "east", "--node", "web.rack1", "--domain", "mesh.example", "--days", "2").exit())
        .isZero();
    Path server = dir.resolve("east-server-meshfed-0.pem");
    assertThat(openssl("x509", "-in", server.toString(), "-noout", "-ext", "subjectAltName"))
        .contains("DNS:web.rack1.server.east.mesh.example, DNS:server.east.mesh.example, DNS:localhost, IP Address:127.0.0.1");
    assertThat(openssl("x509", "-in", server.toString(), "-noout", "-checkend", String.valueOf(2 * 86400 - 3600)))
        .contains("will not expire");
    var cert = PemFiles.readCertificates("cert", server).get(0);
    assertThat(cert.getNotAfter().getTime() - cert.getNotBefore().getTime()).isEqualTo(TimeUnit.DAYS.toMillis(2));
  }

  @Test
  void additionalNamesAndAddressesFollowTheUsualSans() throws Exception {
    createCa();
    CliRun r = certCreate("--server", "--dc", "dc1", "--node", "n1", "--additional-dnsname", "api.example.com",
        "--additional-ipaddress", "10.0.1.5", "--additional-ipaddress", "fd00::5");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(openssl("x509", "-in", dir.resolve("dc1-server-meshfed-0.pem").toString(), "-noout", "-ext",
        "subjectAltName")).contains("DNS:n1.server.dc1.meshfed, DNS:server.dc1.meshfed, DNS:localhost, "
            + "DNS:api.example.com, IP Address:127.0.0.1, IP Address:10.0.1.5, IP Address:FD00:0:0:0:0:0:0:5");
    String[][] refused = {
        {"Error: --additional-ipaddress must be an IPv4 or IPv6 address, got '10.0.1' (see 'meshfed tls cert create "
            + "--help')", "--server", "--node", "n2", "--additional-ipaddress", "10.0.1"},
        {"Error: --additional-dnsname must be a DNS name (letters, digits, '-' and '.', optionally starting with "
            + "'*.'), got 'a b' (see 'meshfed tls cert create --help')", "--server", "--node", "n2",
            "--additional-dnsname", "a b"},
        {"Error: --additional-dnsname and --additional-ipaddress are for --server certificates (see 'meshfed tls "
            + "cert create --help')", "--client", "--additional-ipaddress", "10.0.1.5"},
    };
    for (String[] c : refused) {
      CliRun bad = certCreate(java.util.Arrays.copyOfRange(c, 1, c.length));
      assertThat(bad.exit()).isEqualTo(2);
      bad.isOneErrorLine(c[0]);
    }
    assertThat(dir.resolve("dc1-server-meshfed-1.pem")).doesNotExist();
    assertThat(dir.resolve("dc1-client-meshfed-0.pem")).doesNotExist();
  }

  @Test
  void nodeWithoutServerIsAUsageError() throws Exception {
    CliRun r = certCreate("--client", "--node", "n1");
    assertThat(r.exit()).isEqualTo(2);
    r.isOneErrorLine("Error: --node requires --server (see 'meshfed tls cert create --help')");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void serverWithoutNodeSaysWhyItIsNeeded() throws Exception {
    CliRun r = certCreate("--server", "--dc", "dc1");
    assertThat(r.exit()).isEqualTo(2);
    r.isOneErrorLine("Error: --server requires --node: servers of other DCs dial a server by the name"
        + " NODE.server.DC.meshfed, so its certificate must hold it (see 'meshfed tls cert create --help')");
  }

  @Test
  void serverAndClientTogetherOrNeitherAreUsageErrors() throws Exception {
    CliRun both = certCreate("--server", "--client", "--node", "n1");
    assertThat(both.exit()).isEqualTo(2);
    both.isOneErrorLine("Error: --server and --client are mutually exclusive (see 'meshfed tls cert create --help')");
    CliRun neither = certCreate("--dc", "dc1");
    assertThat(neither.exit()).isEqualTo(2);
    neither.isOneErrorLine("Error: one of --server or --client is required (see 'meshfed tls cert create --help')");
  }

  @Test
  void invalidNamesAreUsageErrors() throws Exception {
    CliRun dc = certCreate("--server", "--dc", "DC.1", "--node", "n1");
    assertThat(dc.exit()).isEqualTo(2);
    dc.isOneErrorLine("Error: invalid datacenter name 'DC.1': use 1 to 63 characters of a-z, 0-9, '_' and '-'"
        + " (no dots, no upper case) (see 'meshfed tls cert create --help')");
    CliRun node = certCreate("--server", "--dc", "dc1", "--node", "a/b");
    assertThat(node.exit()).isEqualTo(2);
    node.isOneErrorLine("Error: invalid node name 'a/b': it must not contain '/' (see 'meshfed tls cert create --help')");
    CliRun days = run("tls", "ca", "create", "--output-dir", dir.toString(), "--days", "0");
    assertThat(days.exit()).isEqualTo(2);
    days.isOneErrorLine("Error: --days must be at least 1, got 0 (see 'meshfed tls ca create --help')");
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void existingCaIsNeverOverwritten() throws Exception {
    createCa();
    Path caPem = dir.resolve("meshfed-agent-ca.pem");
    String before = Files.readString(caPem);
    CliRun again = run("tls", "ca", "create", "--output-dir", dir.toString());
    assertThat(again.exit()).isEqualTo(1);
    again.isOneErrorLine("Error: " + caPem + " already exists; refusing to overwrite it");
    assertThat(Files.readString(caPem)).isEqualTo(before);

    Files.delete(caPem);
    CliRun keyLeft = run("tls", "ca", "create", "--output-dir", dir.toString());
    assertThat(keyLeft.exit()).isEqualTo(1);
    keyLeft.isOneErrorLine("Error: " + dir.resolve("meshfed-agent-ca-key.pem") + " already exists; refusing to overwrite it");
    assertThat(caPem).doesNotExist();
  }

  @Test
  void certificateNumbersSkipTakenFiles() throws Exception {
    createCa();
    Files.writeString(dir.resolve("dc1-server-meshfed-0-key.pem"), "someone else's");
    CliRun r = certCreate("--server", "--node", "n1");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("dc1-server-meshfed-1.pem");
    assertThat(Files.readString(dir.resolve("dc1-server-meshfed-0-key.pem"))).isEqualTo("someone else's");
  }

  @Test
  void missingOrMismatchedCaIsAnError() throws Exception {
    CliRun missing = certCreate("--server", "--node", "n1");
    assertThat(missing.exit()).isEqualTo(1);
    missing.isOneErrorLine("Error: CA certificate " + dir.resolve("meshfed-agent-ca.pem")
        + " does not exist; create one with 'meshfed tls ca create' or pass --ca");

    createCa();
    Path otherDir = Files.createDirectory(dir.resolve("other"));
    assertThat(run("tls", "ca", "create", "--output-dir", otherDir.toString()).exit()).isZero();
    CliRun mismatched = run("tls", "cert", "create", "--server", "--node", "n1", "--output-dir", dir.toString(),
        "--ca", dir.resolve("meshfed-agent-ca.pem").toString(),
        "--key", otherDir.resolve("meshfed-agent-ca-key.pem").toString());
    assertThat(mismatched.exit()).isEqualTo(1);
    mismatched.isOneErrorLine("Error: CA key " + otherDir.resolve("meshfed-agent-ca-key.pem")
        + " does not match the CA certificate " + dir.resolve("meshfed-agent-ca.pem"));

    Path notPem = Files.writeString(dir.resolve("not.pem"), "hello");
    CliRun garbage = run("tls", "cert", "create", "--server", "--node", "n1", "--output-dir", dir.toString(),
        "--ca", notPem.toString(), "--key", dir.resolve("meshfed-agent-ca-key.pem").toString());
    assertThat(garbage.exit()).isEqualTo(1);
    garbage.isOneErrorLine("Error: cannot read CA certificate " + notPem + ": not a PEM certificate");

    CliRun leafAsCa = run("tls", "cert", "create", "--client", "--output-dir", dir.toString(),
        "--ca", certificateOf(dir).toString(), "--key", dir.resolve("dc1-client-meshfed-0-key.pem").toString());
    assertThat(leafAsCa.exit()).isEqualTo(1);
    leafAsCa.isOneErrorLine("Error: " + dir.resolve("dc1-client-meshfed-0.pem")
        + " is not a CA certificate (basic constraints do not allow signing)");
  }

  private Path certificateOf(Path dir) throws Exception {
    assertThat(certCreate("--client").exit()).isZero();
    return dir.resolve("dc1-client-meshfed-0.pem");
  }

  @Test
  void helpListsTheCommands() throws Exception {
    CliRun help = run("tls", "cert", "create", "--help");
    assertThat(help.exit()).isZero();
    assertThat(help.out()).contains("--server", "--client", "--node", "--dc", "--ca", "--key", "--domain", "--days");
    assertThat(run("--help").out()).contains("tls");
    CliRun group = run("tls");
    assertThat(group.exit()).isEqualTo(2);
    group.isOneErrorLine("Error: Missing required subcommand (see 'meshfed tls --help')");
  }
}
