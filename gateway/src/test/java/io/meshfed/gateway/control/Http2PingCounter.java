package io.meshfed.gateway.control;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of an h2c server that passes every byte on unchanged and counts the PING
 * frames the client sends (RFC 9113 §3.4 preface, §4.1 frame layout, §6.7 PING without ACK).
 */
final class Http2PingCounter implements AutoCloseable {
  private static final int PREFACE_BYTES = 24;
  private static final int FRAME_HEADER_BYTES = 9;
  private static final int PING = 0x6;
  private static final int ACK = 0x1;

  private final ServerSocket listener;
  private final InetSocketAddress server;
  private final AtomicInteger pings = new AtomicInteger();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  Http2PingCounter(InetSocketAddress server) throws IOException {
    this.server = server;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::accept, "h2-ping-counter");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  int clientPings() {
    return pings.get();
  }

  private void accept() {
    try {
      while (true) {
        Socket client = listener.accept();
        Socket upstream = new Socket(server.getAddress(), server.getPort());
        sockets.add(client);
        sockets.add(upstream);
        pump(client.getInputStream(), upstream.getOutputStream(), true);
        pump(upstream.getInputStream(), client.getOutputStream(), false);
      }
    } catch (IOException closed) {
      // The listener was closed: the test is over.
    }
  }

  private void pump(InputStream from, OutputStream to, boolean fromClient) {
    Thread thread = new Thread(() -> {
      try {
        if (fromClient) {
          countPings(new DataInputStream(from), to);
        } else {
          from.transferTo(to);
        }
      } catch (IOException closed) {
        // One side closed; closing the proxy closes the other.
      }
    }, "h2-ping-counter-pump");
    thread.setDaemon(true);
    thread.start();
  }

  private void countPings(DataInputStream in, OutputStream to) throws IOException {
    byte[] preface = new byte[PREFACE_BYTES];
    in.readFully(preface);
    to.write(preface);
    byte[] header = new byte[FRAME_HEADER_BYTES];
    while (true) {
      in.readFully(header);
      int length = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | (header[2] & 0xff);
      if (header[3] == PING && (header[4] & ACK) == 0) {
        pings.incrementAndGet();
      }
      byte[] payload = new byte[length];
      in.readFully(payload);
      to.write(header);
      to.write(payload);
      to.flush();
    }
  }

  @Override
  public void close() throws Exception {
    listener.close();
    for (Socket socket : sockets) {
      socket.close();
    }
    acceptor.join(5_000);
  }
}
