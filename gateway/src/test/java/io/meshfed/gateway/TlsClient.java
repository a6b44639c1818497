package io.meshfed.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The JDK's TLS client dialing the gateway with an SNI name, verifying that the server's certificate
 * holds that name: so the right upstream answered, through an unchanged TLS session.
 */
final class TlsClient implements AutoCloseable {
  static final int TIMEOUT_MILLIS = 20_000;
  private static final int CHUNK = 64 * 1024;

  private final Socket tcp;
  private final SSLSocket socket;

  private TlsClient(Socket tcp, SSLSocket socket) {
    this.tcp = tcp;
    this.socket = socket;
  }

  static TlsClient connect(InetSocketAddress gateway, String sni, SSLContext context) throws IOException {
    Socket tcp = new Socket();
    tcp.connect(gateway, TIMEOUT_MILLIS);
    tcp.setSoTimeout(TIMEOUT_MILLIS);
    SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(tcp, sni, gateway.getPort(), true);
    SSLParameters parameters = tls.getSSLParameters();
    parameters.setServerNames(List.of(new SNIHostName(sni)));
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    tls.setSSLParameters(parameters);
    tls.startHandshake();
    return new TlsClient(tcp, tls);
  }

  /** The line a {@link Conversations#greetAndEcho} upstream sends first: its name. */
  String greeting() throws IOException {
    StringBuilder line = new StringBuilder();
    InputStream in = socket.getInputStream();
    for (int b; (b = in.read()) != '\n'; ) {
      if (b < 0) {
        throw new IOException("EOF before the greeting ended: '" + line + "'");
      }
      line.append((char) b);
    }
    return line.toString();
  }

  /**
   * Sends {@code total} pseudo-random bytes to an echo upstream, half-closes, and reads the echo to
   * EOF. The writer stops after {@code pauseAfter} bytes until {@code resume} opens.
   */
  Transfer echo(long total, long pauseAfter, CountDownLatch resume) throws Exception {
    CompletableFuture<String> sent = CompletableFuture.supplyAsync(() -> send(total, pauseAfter, resume));
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    long received = 0;
    byte[] buffer = new byte[CHUNK];
    InputStream in = socket.getInputStream();
    for (int n; (n = in.read(buffer)) > 0; ) {
      sha.update(buffer, 0, n);
      received += n;
    }
    return new Transfer(sent.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS), HexFormat.of().formatHex(sha.digest()), received);
  }

  Transfer echo(long total) throws Exception {
    return echo(total, total, new CountDownLatch(0));
  }

  private String send(long total, long pauseAfter, CountDownLatch resume) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      SplittableRandom random = new SplittableRandom(total);
      byte[] chunk = new byte[CHUNK];
      OutputStream out = socket.getOutputStream();
      for (long at = 0; at < total; ) {
        if (at == pauseAfter && !resume.await(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
          throw new IllegalStateException("not resumed");
        }
        int n = (int) Math.min(chunk.length, Math.min(total - at, at < pauseAfter ? pauseAfter - at : total));
        random.nextBytes(chunk);
        out.write(chunk, 0, n);
        sha.update(chunk, 0, n);
        at += n;
      }
      out.flush();
      socket.shutdownOutput();
      return HexFormat.of().formatHex(sha.digest());
    } catch (Exception e) {
      throw new IllegalStateException("sending failed: " + e, e);
    }
  }

  SSLSocket socket() {
    return socket;
  }

  /** Closes the TCP socket under TLS: a TLS close would wait for a writer stuck in a failed test. */
  @Override
  public void close() throws IOException {
    tcp.close();
  }

  /** SHA-256 of what was sent and of what came back, and how much came back. */
  record Transfer(String sentSha256, String receivedSha256, long receivedBytes) {}
}
