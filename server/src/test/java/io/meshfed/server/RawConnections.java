package io.meshfed.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Plain TCP clients for the listener tests, from a chosen loopback address (Linux routes all of
 * 127/8 to the loopback interface), so that a test can be several clients at once.
 */
final class RawConnections implements AutoCloseable {
  private final List<Socket> sockets = new ArrayList<>();

  static InetAddress loopback(int last) {
    try {
      return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A connection from {@code from} to {@code port} on 127.0.0.1. */
  Socket open(InetAddress from, int port) throws IOException {
    Socket s = new Socket();
    sockets.add(s);
    s.bind(new InetSocketAddress(from, 0));
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
    return s;
  }

  List<Socket> sockets() {
    return sockets;
  }

  /** Everything the server sends until it closes, or what came before {@code timeout} passed. */
  static String readUntilClosed(Socket s, Duration timeout) throws IOException {
    s.setSoTimeout((int) timeout.toMillis());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream in = s.getInputStream();
    byte[] buffer = new byte[4096];
    try {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        out.write(buffer, 0, n);
      }
    } catch (SocketTimeoutException e) {
      return out.toString(StandardCharsets.UTF_8) + "<still open>";
    } catch (IOException reset) {
      return out.toString(StandardCharsets.UTF_8) + "<reset>";
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** True once the server has closed the connection (a read sees the end or a reset). */
  static boolean closedByServer(Socket s) {
    try {
      s.setSoTimeout(1);
      return s.getInputStream().read() < 0;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  static void send(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    s.getOutputStream().flush();
  }

  @Override
  public void close() {
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing is best effort
      }
    }
    sockets.clear();
  }
}
