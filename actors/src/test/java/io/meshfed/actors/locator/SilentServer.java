package io.meshfed.actors.locator;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;

/**
 * A TCP server that accepts one connection and never answers (a gateway that hangs mid-handshake).
 * {@link #closedByPeer} completes when the client closes that connection.
 */
final class SilentServer implements AutoCloseable {
  private final ServerSocket listening;
  final CompletableFuture<Socket> accepted;
  final CompletableFuture<Void> closedByPeer;

  SilentServer() throws IOException {
    listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    accepted = CompletableFuture.supplyAsync(() -> {
      try {
        return listening.accept();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    closedByPeer = accepted.thenAcceptAsync(socket -> {
      try (socket; InputStream in = socket.getInputStream()) {
        // Reads (and drops) the ClientHello until the client closes: -1 or a reset.
        byte[] buffer = new byte[4096];
        while (in.read(buffer) >= 0) {
          // keep reading
        }
      } catch (IOException reset) {
        // A reset is a close too.
      }
    });
  }

  InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), listening.getLocalPort());
  }

  int port() {
    return listening.getLocalPort();
  }

  @Override
  public void close() throws IOException {
    listening.close();
    if (accepted.isDone() && !accepted.isCompletedExceptionally()) {
      accepted.join().close();
    }
  }
}
