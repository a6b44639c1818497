package io.meshfed.transport.port;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code openssl s_client}: a TLS client nobody on this project wrote. stdout and stderr
 * are merged and collected; closing stdin makes it send close_notify and exit.
 */
final class OpenSslClient implements AutoCloseable {
  static final String OPENSSL = "/usr/bin/openssl";

  private final Process process;
  private final StringBuffer output = new StringBuffer();
  private final Thread reader;

  private OpenSslClient(Process process) {
    this.process = process;
    this.reader = new Thread(this::collect, "openssl-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Neither -brief (it omits the ALPN result) nor -quiet (it ignores EOF on stdin). */
  static OpenSslClient connect(int port, String... options) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        OPENSSL, "s_client", "-connect", "127.0.0.1:" + port, "-verify_return_error"));
    command.addAll(List.of(options));
    return new OpenSslClient(new ProcessBuilder(command).redirectErrorStream(true).start());
  }

  void send(String text) throws IOException {
    OutputStream in = process.getOutputStream();
    in.write(text.getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  void closeInput() throws IOException {
    process.getOutputStream().close();
  }

  String output() {
    return output.toString();
  }

  /** Waits a bounded time for openssl to exit; the exit code, or -1 if it is still running. */
  int awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  private void collect() {
    byte[] buffer = new byte[4096];
    try (InputStream out = process.getInputStream()) {
      for (int n; (n = out.read(buffer)) > 0; ) {
        output.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      output.append("\n[output read failed: ").append(e).append(']');
    }
  }

  @Override
  public void close() throws Exception {
    process.getOutputStream().close();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    reader.join(TimeUnit.SECONDS.toMillis(5));
  }
}
