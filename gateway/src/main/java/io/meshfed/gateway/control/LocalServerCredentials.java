package io.meshfed.gateway.control;

import io.meshfed.transport.tls.PemFiles;
import io.meshfed.transport.tls.SwappableSslContext;
import io.meshfed.transport.tls.TlsContexts;
import io.meshfed.transport.tls.TlsMaterial;
import io.meshfed.transport.tls.TlsReloadMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * What the gateway presents to its local server's gRPC API: the TLS files of an {@code https://}
 * server address ({@code --ca-file}, {@code --client-cert}, {@code --client-key}) and the ACL token
 * ({@code --token} or {@code --token-file}). {@link #reload} reads the files again (SIGHUP): new
 * connections and calls use what it read, established connections and open watches keep theirs.
 * Everything is read and checked before anything is put in force, so a refusal changes nothing.
 */
public final class LocalServerCredentials {
  /** How an operator reloads a gateway, for the fix in an expiry warning. */
  static final String RELOAD = "kill -HUP the gateway";

  /** The TLS options, as given; paths are absent when not given. */
  public record TlsFiles(Optional<Path> caFile, Optional<Path> clientCert, Optional<Path> clientKey) {}

  private final Optional<TlsFiles> files;
  private final Optional<Path> tokenFile;
  private final Clock clock;
  private final Optional<SwappableSslContext> context;
  private final TlsReloadMetrics metrics = new TlsReloadMetrics("the gateway's client certificate");
  private volatile Loaded inForce;

  /** One consistent reading of the files. */
  private record Loaded(Optional<SSLContext> context, Optional<X509Certificate> certificate, int cas, String token,
      List<TlsMaterial.Problem> warnings) {}

  private LocalServerCredentials(Optional<TlsFiles> files, Optional<Path> tokenFile, Clock clock, Loaded first) {
    this.files = files;
    this.tokenFile = tokenFile;
    this.clock = clock;
    this.context = first.context().map(SwappableSslContext::of);
    this.inForce = first;
  }

  /**
   * @param tls present when the server address is {@code https://}
   * @param token {@code --token}, or empty; ignored when {@code tokenFile} is given
   * @throws IllegalArgumentException a file that cannot be used, in one line that names its option
   */
  public static LocalServerCredentials load(Optional<TlsFiles> tls, String token, Optional<Path> tokenFile,
      Clock clock) {
    return new LocalServerCredentials(tls, tokenFile, clock, read(tls, token, tokenFile, clock));
  }

  private static Loaded read(Optional<TlsFiles> tls, String token, Optional<Path> tokenFile, Clock clock) {
    String currentToken = tokenFile.map(LocalServerCredentials::readToken).orElse(token);
    if (tls.isEmpty()) {
      return new Loaded(Optional.empty(), Optional.empty(), 0, currentToken, List.of());
    }
    TlsFiles f = tls.get();
    try {
      // Each file read once: what is checked below is what goes in force.
      TlsContexts.ClientFiles files = TlsContexts.ClientFiles.read(f.caFile(), f.clientCert(), f.clientKey());
      List<TlsMaterial.Problem> problems = new ArrayList<>();
      Optional<X509Certificate> certificate = files.chain().stream().findFirst();
      certificate.flatMap(c -> TlsMaterial.validity("--client-cert " + f.clientCert().get(), c, clock.instant(), RELOAD))
          .ifPresent(problems::add);
      for (X509Certificate ca : files.cas()) {
        TlsMaterial.validity("the CA certificate in --ca-file " + f.caFile().get(), ca, clock.instant(), RELOAD)
            .ifPresent(problems::add);
      }
      problems.stream().filter(p -> p.severity() == TlsMaterial.Severity.ERROR).findFirst().ifPresent(p -> {
        throw new IllegalArgumentException(p.message());
      });
      return new Loaded(Optional.of(TlsContexts.apiClient(files)), certificate, files.cas().size(), currentToken,
          List.copyOf(problems));
    } catch (PemFiles.TlsFileException | IllegalStateException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static String readToken(Path file) {
    try {
      String read = Files.readString(file).strip();
      if (read.isEmpty()) {
        throw new IllegalArgumentException("the token file " + file + " is empty");
      }
      return read;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the token file " + file + ": "
          + (e instanceof NoSuchFileException ? "no such file" : e.getMessage()), e);
    }
  }

  /** The context every new connection to the server takes its material from; empty without TLS. */
  public Optional<SSLContext> tls() {
    return context.map(c -> c);
  }

  /** The token in force, or empty: asked for every call and every watch opened. */
  public String token() {
    return inForce.token();
  }

  /** Expiry warnings of what is in force (30 and 7 days), one line each. */
  public List<String> warnings() {
    return inForce.warnings().stream().map(TlsMaterial.Problem::message).toList();
  }

  /**
   * Reads the files again and puts them in force.
   *
   * @return what is in force now, one line per part; empty when nothing was given as a file
   * @throws IllegalArgumentException a file fails a check; nothing changed
   */
  public synchronized List<String> reload() {
    Loaded next;
    try {
      next = read(files, inForce.token(), tokenFile, clock);
    } catch (IllegalArgumentException e) {
      if (files.isPresent()) {
        metrics.refused();
      }
      throw new IllegalArgumentException("reload refused, nothing changed: " + e.getMessage(), e);
    }
    List<String> done = new ArrayList<>();
    if (files.isPresent()) {
      context.get().swap(next.context().orElseThrow());
      metrics.reloaded();
      done.add("tls: " + next.certificate().map(c -> "client certificate " + c.getSubjectX500Principal().getName()
          + " until " + c.getNotAfter().toInstant()).orElse("no client certificate") + ", "
          + (files.get().caFile().isEmpty() ? "the JDK's trusted CAs"
              : next.cas() + " trusted CA certificate" + (next.cas() == 1 ? "" : "s")));
    }
    tokenFile.ifPresent(f -> done.add("token: read from " + f));
    inForce = next;
    return done;
  }

  /** Days until the client certificate expires, and TLS reloads, in Prometheus text. */
  public String prometheus() {
    return files.isPresent() ? metrics.prometheus(inForce.certificate(), clock.instant()) : "";
  }
}
