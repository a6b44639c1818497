package io.meshfed.gateway;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicLong;

/** What the test upstreams do with a connection. */
final class Conversations {
  private Conversations() {}

  /**
   * Sends {@code name} and a newline, then echoes everything until EOF, counting into
   * {@code received}; at EOF records the SHA-256 of what it received and closes.
   */
  static TestServer.Conversation greetAndEcho(String name, AtomicLong received, Queue<String> digests) {
    return socket -> {
      OutputStream out = socket.getOutputStream();
      out.write((name + "\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = in.read(buffer)) > 0; ) {
        sha.update(buffer, 0, n);
        received.addAndGet(n);
        out.write(buffer, 0, n);
        out.flush();
      }
      digests.add(HexFormat.of().formatHex(sha.digest()));
    };
  }

  /** Reads to EOF and records what arrived; sends nothing. */
  static TestServer.Conversation recordUntilEof(Queue<byte[]> received) {
    return socket -> received.add(socket.getInputStream().readAllBytes());
  }
}
