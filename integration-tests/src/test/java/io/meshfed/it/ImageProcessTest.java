package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * packaging/image/build.sh, then the image it writes, read as a container engine would: the OCI
 * layout, index, manifest and config; every blob's digest and size; the files of each layer; and
 * the image run without a daemon: its layers unpacked into a root, its entrypoint started there
 * (unshare --root, as its user and in its working dir, with its environment) with {@code --version}
 * and as a TLS server that answers HTTP, then stopped with SIGTERM.
 */
class ImageProcessTest {
  private static final Path ROOT = PackagingProcessTest.ROOT;
  private static final Path IMAGE = ROOT.resolve("packaging/target/meshfed-image.tar");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  @Test
  void imageIsBuiltWithoutADaemonAndItsEntrypointServes() throws Exception {
    PackagingProcessTest.requireTools("ImageProcessTest", "unshare", "tar", "ldd");
    Path builder = ROOT.resolve("packaging/target/meshfed-image-builder.jar");
    Prerequisites.require(Files.isExecutable(Path.of(System.getProperty("java.home"), "bin", "jlink"))
        ? Optional.empty() : Optional.of("this JVM (" + System.getProperty("java.home") + ") has no jlink"), "ImageProcessTest");
    assertThat(builder).as("the image builder, built by the packaging module before this one").exists();

    long start = System.nanoTime();
    PackagingProcessTest.Result build = PackagingProcessTest.run(
        new ProcessBuilder(ROOT.resolve("packaging/image/build.sh").toString(), "--no-build"), Duration.ofSeconds(180));
    assertThat(build.rc()).as("build.sh: %s", build.out()).isZero();
    System.out.printf("packaging: image built in %.1f s: %s", (System.nanoTime() - start) / 1e9, build.out());

    Path layout = Files.createDirectories(dir.resolve("layout"));
    tar(layout, "-xf", IMAGE.toString());
    assertThat(JSON.readTree(layout.resolve("oci-layout").toFile()).path("imageLayoutVersion").asText()).isEqualTo("1.0.0");
    JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
    assertThat(index.path("manifests")).hasSize(1);
    JsonNode ref = index.path("manifests").get(0);
    assertThat(ref.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.manifest.v1+json");
    assertThat(ref.path("annotations").path("org.opencontainers.image.ref.name").asText()).startsWith("meshfed:");
    JsonNode manifest = JSON.readTree(blob(layout, ref).toFile());
    JsonNode config = JSON.readTree(blob(layout, manifest.path("config")).toFile());

    JsonNode c = config.path("config");
    List<String> entrypoint = strings(c.path("Entrypoint"));
    assertThat(entrypoint).startsWith("/opt/java/bin/java").containsSequence("-jar", "/usr/lib/meshfed/meshfed.jar")
        .anyMatch(o -> o.startsWith("-XX:MaxRAMPercentage="));
    assertThat(strings(c.path("Cmd"))).containsExactly("server", "--config-file", "/etc/meshfed/server.conf");
    assertThat(c.path("User").asText()).isEqualTo("10001:10001");
    assertThat(c.path("WorkingDir").asText()).isEqualTo("/var/lib/meshfed");
    List<String> ports = new ArrayList<>();
    c.path("ExposedPorts").fieldNames().forEachRemaining(ports::add);
    assertThat(ports).contains("8300/tcp", "8301/tcp", "8500/tcp", "8502/tcp");
    assertThat(c.path("Volumes").has("/var/lib/meshfed")).isTrue();
    JsonNode labels = c.path("Labels");
    String pomVersion = Files.readString(ROOT.resolve("pom.xml")).replaceFirst("(?s).*?\\n  <version>([^<]+)</version>.*", "$1");
    assertThat(labels.path("org.opencontainers.image.version").asText()).isEqualTo(pomVersion);
    assertThat(labels.path("org.opencontainers.image.revision").asText()).isNotBlank();
    assertThat(labels.has("org.opencontainers.image.source")).isTrue();

    // Layers: digests and sizes match the blobs, diff_ids the uncompressed tars, and each holds its files.
    JsonNode layers = manifest.path("layers");
    assertThat(layers).hasSize(3);
    List<List<String>> listings = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      Path layer = blob(layout, layers.get(i));
      try (InputStream in = new GZIPInputStream(Files.newInputStream(layer))) {
        assertThat("sha256:" + sha256(in)).as("diff_id of layer %d", i)
            .isEqualTo(config.path("rootfs").path("diff_ids").get(i).asText());
      }
      listings.add(tar(layout, "--numeric-owner", "-tvzf", layer.toString()).lines().toList());
    }
    List<String> base = listings.get(0);
    assertThat(base).anyMatch(l -> l.startsWith("-rwxr-xr-x") && l.endsWith(" opt/java/bin/java"))
        .anyMatch(l -> l.endsWith("opt/java/lib/server/libjvm.so"))
        .anyMatch(l -> l.endsWith(" lib64/ld-linux-x86-64.so.2"))
        .anyMatch(l -> l.endsWith("/libc.so.6"))
        .anyMatch(l -> l.endsWith(" etc/passwd"))
        .anyMatch(l -> l.startsWith("drwxrwxrwx") && l.endsWith(" tmp/"))
        .noneMatch(l -> l.contains("libX11"))
        .noneMatch(l -> l.contains("usr/lib/meshfed"));
    List<String> appFiles = listings.get(1).stream().filter(l -> l.startsWith("-")).toList();
    assertThat(appFiles).hasSize(1);
    assertThat(appFiles.get(0)).endsWith(" usr/lib/meshfed/meshfed.jar").contains(" " + Files.size(MeshfedProcess.JAR) + " ");
    assertThat(listings.get(2)).anyMatch(l -> l.endsWith(" etc/meshfed/server.conf"))
        .anyMatch(l -> l.startsWith("drwxr-x--- 10001/10001") && l.endsWith(" var/lib/meshfed/"));

    // Run it: the layers in order into one root, as an engine would.
    Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
    for (int i = 0; i < layers.size(); i++) {
      tar(rootfs, "--numeric-owner", "-xzf", blob(layout, layers.get(i)).toString());
    }
    assertThat(Files.readString(rootfs.resolve("etc/passwd"))).contains("meshfed:x:10001:10001:");
    Files.createDirectories(rootfs.resolve("proc"));
    Files.createDirectories(rootfs.resolve("dev"));

    List<String> env = strings(c.path("Env"));
    String user = c.path("User").asText();
    try (MeshfedProcess version = container(rootfs, user, c.path("WorkingDir").asText(), env, entrypoint, List.of("version"))) {
      MeshfedProcess.Result r = version.result(Duration.ofSeconds(60), "meshfed version in the image did not finish");
      assertThat(r.exitCode()).as("meshfed version: %s", r.stderr()).isZero();
      // The release the label names is the one the jar in the image reports, on the jlinked JRE.
      assertThat(r.out()).startsWith("meshfed " + pomVersion + "\n").contains("runs on Java 17");
    }

    // A server with TLS, so that BoringSSL (netty-tcnative, linked against the image's glibc) loads.
    Path certs = Files.createDirectories(dir.resolve("certs"));
    assertThat(MeshfedProcess.runIn(certs, Duration.ofSeconds(60), "tls", "ca", "create").exitCode()).isZero();
    assertThat(MeshfedProcess.runIn(certs, Duration.ofSeconds(60), "tls", "cert", "create", "--server", "--dc", "dc1",
        "--node", "n1").exitCode()).isZero();
    Path tls = Files.createDirectories(rootfs.resolve("etc/meshfed/tls"));
    try (var files = Files.list(certs)) {
      for (Path f : files.toList()) {
        Files.copy(f, tls.resolve(f.getFileName()));
        Files.setAttribute(tls.resolve(f.getFileName()), "unix:uid", 10001);
      }
    }
    int http = MeshfedProcess.freePort();
    Files.writeString(rootfs.resolve("etc/meshfed/test.conf"), """
        meshfed {
          datacenter = dc1, primary-datacenter = dc1, node-name = n1
          data-dir = /var/lib/meshfed
          bind-address = 127.0.0.1
          ports { http = %d, grpc = %d, server = %d, lan = %d }
          tls { ca-file = /etc/meshfed/tls/meshfed-agent-ca.pem,
                cert-file = /etc/meshfed/tls/dc1-server-meshfed-0.pem,
                key-file = /etc/meshfed/tls/dc1-server-meshfed-0-key.pem }
        }
        """.formatted(http, MeshfedProcess.freePort(), MeshfedProcess.freePort(), MeshfedProcess.freePort()));
    try (MeshfedProcess server = container(rootfs, user, c.path("WorkingDir").asText(), env, entrypoint,
        List.of("server", "--config-file", "/etc/meshfed/test.conf"))) {
      assertThat(server.awaitReady(Duration.ofSeconds(90))).contains("HTTP 127.0.0.1:" + http);
      HttpResponse<String> leader = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http
          + "/v1/status/leader")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(leader.statusCode()).isEqualTo(200);
      assertThat(server.stderrText() + String.join("\n", server.stdout)).doesNotContain("BoringSSL is not available");
      long stopStart = System.nanoTime();
      int rc = server.terminate(Duration.ofSeconds(60));
      System.out.printf("packaging: the image's server stopped in %.1f s after SIGTERM, exit status %d%n",
          (System.nanoTime() - stopStart) / 1e9, rc);
      assertThat(rc).isIn(0, 143);
    }
  }

  /**
   * The image's entrypoint and arguments in {@code rootfs}, as a container engine runs them, less
   * the namespaces other than mounts: /proc and /dev mounted, root changed, the working dir, the
   * image's user, only the image's environment. Every step execs, so the JVM has the process's pid.
   */
  private static MeshfedProcess container(Path rootfs, String user, String workDir, List<String> env,
      List<String> entrypoint, List<String> args) throws IOException {
    String[] ids = user.split(":");
    List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
        "r=$1 wd=$2 u=$3 g=$4; shift 4; mount -t proc proc \"$r/proc\" && mount --rbind /dev \"$r/dev\""
            + " && exec unshare --root=\"$r\" --wd=\"$wd\" --setuid \"$u\" --setgid \"$g\" -- \"$@\"",
        "container", rootfs.toString(), workDir, ids[0], ids[1]));
    cmd.addAll(entrypoint);
    cmd.addAll(args);
    ProcessBuilder b = new ProcessBuilder(cmd);
    b.environment().clear();
    for (String e : env) {
      b.environment().put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
    }
    return MeshfedProcess.wrap(b, "image " + String.join(" ", args));
  }

  private static Path blob(Path layout, JsonNode descriptor) throws Exception {
    String digest = descriptor.path("digest").asText();
    assertThat(digest).startsWith("sha256:");
    Path blob = layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
    assertThat(blob).exists();
    assertThat(Files.size(blob)).as("size of %s", digest).isEqualTo(descriptor.path("size").asLong());
    try (InputStream in = Files.newInputStream(blob)) {
      assertThat("sha256:" + sha256(in)).as("digest of blob %s", blob.getFileName()).isEqualTo(digest);
    }
    return blob;
  }

  private static String sha256(InputStream in) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    byte[] buf = new byte[1 << 16];
    for (int n; (n = in.read(buf)) > 0; ) {
      md.update(buf, 0, n);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** GNU tar in {@code dir}; fails with its output on a non-zero exit. */
  private static String tar(Path dir, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("tar", "--warning=no-unknown-keyword"));
    cmd.addAll(List.of(args));
    PackagingProcessTest.Result r = PackagingProcessTest.run(new ProcessBuilder(cmd).directory(dir.toFile()),
        Duration.ofSeconds(120));
    assertThat(r.rc()).as("%s: %s", cmd, r.out()).isZero();
    return r.out();
  }
}
