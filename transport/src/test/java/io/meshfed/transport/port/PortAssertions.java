package io.meshfed.transport.port;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.regex.Pattern;

/** Plain-socket helpers and the "refused exactly once" check shared by the server port tests. */
final class PortAssertions {
  static final Duration WAIT = Duration.ofSeconds(10);
  private static final int SOCKET_TIMEOUT_MILLIS = 10_000;

  private PortAssertions() {}

  static Socket connect(InetSocketAddress address) throws IOException {
    Socket socket = new Socket();
    socket.connect(address, SOCKET_TIMEOUT_MILLIS);
    socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
    socket.setTcpNoDelay(true);
    return socket;
  }

  static void write(Socket socket, byte... bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
  }

  /** The server closed the connection: EOF, or a reset if it closed with our bytes unread. */
  static void assertClosedByServer(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    try {
      assertThat(in.read()).as("read after refusal").isEqualTo(-1);
    } catch (SocketException reset) {
      assertThat(reset).hasMessageContaining("reset");
    }
  }

  /** Like {@link #assertClosedByServer}, for a server that answers (a TLS ServerHello) first. */
  static void assertClosedByServerAfterItsReply(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    byte[] reply = new byte[16 * 1024];
    try {
      while (in.read(reply) >= 0) {
        // The reply itself is not under test, only that the stream ends.
      }
    } catch (SocketException reset) {
      assertThat(reset).hasMessageContaining("reset");
    }
  }

  /**
   * Exactly one refusal was counted, for this reason, and it is the only warning logged: one line
   * from the ServerPort logger, without a stack trace. Call it once the connection has closed.
   */
  static void assertRefusedOnce(ServerPort port, LogCapture logs, RefusalReason reason, String message) {
    await().atMost(WAIT).until(() -> port.stats().refused(reason) == 1 && !logs.warnings().isEmpty());
    assertThat(port.stats().refusedTotal()).as("refusals of any reason").isEqualTo(1);
    assertThat(port.stats().dispatched()).as("dispatched").isZero();
    Pattern line = Pattern.compile(
        "server port: refused 127\\.0\\.0\\.1:\\d+: " + Pattern.quote(message) + ".*");
    assertThat(logs.warnings()).singleElement().satisfies(event -> {
      assertThat(event.getLoggerName()).isEqualTo(ServerPort.class.getName());
      assertThat(event.getLevel()).isEqualTo(Level.WARN);
      assertThat(event.getFormattedMessage()).matches(line).doesNotContain("\n");
      assertThat(event.getThrowableProxy()).isNull();
    });
  }
}
