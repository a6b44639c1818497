package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The WAN link the process tests put between DCs must delay bytes, never reorder or change them. */
class WanLinkTest {
  @Test
  void bytesCrossTheLinkInOrderAndIntactDespiteJitter() throws Exception {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    byte[] sent = new byte[2 << 20];
    random.nextBytes(sent);
    try (ServerSocket echo = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
         WanLink link = new WanLink(new InetSocketAddress("127.0.0.1", 0),
             new InetSocketAddress("127.0.0.1", echo.getLocalPort()),
             WanLink.Conditions.latency(Duration.ofMillis(5), Duration.ofMillis(5)), seed)) {
      Thread echoer = new Thread(() -> {
        try (Socket s = echo.accept()) {
          s.getInputStream().transferTo(s.getOutputStream());
        } catch (Exception ignored) {
          // the test's own assertions say what went wrong
        }
      });
      echoer.start();
      try (Socket client = new Socket("127.0.0.1", link.listen.getPort())) {
        Thread writer = new Thread(() -> {
          try {
            OutputStream out = client.getOutputStream();
            // many small writes, so that many chunks are due at nearly the same instant
            for (int at = 0; at < sent.length; ) {
              int n = Math.min(sent.length - at, 1 + random.nextInt(3000));
              out.write(sent, at, n);
              at += n;
            }
            client.shutdownOutput();
          } catch (Exception ignored) {
            // the read below fails with the difference
          }
        });
        writer.start();
        InputStream in = client.getInputStream();
        byte[] received = new byte[sent.length];
        new DataInputStream(in).readFully(received);
        assertThat(in.read()).as("end of stream after the echo").isEqualTo(-1);
        assertThat(received).as("bytes echoed through the link (seed %d)", seed).isEqualTo(sent);
        writer.join();
      }
      echoer.join();
    }
  }
}
