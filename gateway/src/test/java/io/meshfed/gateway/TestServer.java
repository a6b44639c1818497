package io.meshfed.gateway;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ServerSocketFactory;
import javax.net.ssl.SSLContext;

/**
 * A blocking upstream server on 127.0.0.1, TLS or plain, one thread per connection running a
 * {@link Conversation}. Failures of conversations are collected for the test to check.
 */
final class TestServer implements AutoCloseable {
  interface Conversation {
    void run(Socket socket) throws Exception;
  }

  private final ServerSocket listener;
  private final Conversation conversation;
  private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
    Thread thread = new Thread(runnable, "test-upstream");
    thread.setDaemon(true);
    return thread;
  });
  private final Queue<Socket> sockets = new ConcurrentLinkedQueue<>();
  private final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
  private final AtomicInteger accepted = new AtomicInteger();

  private TestServer(ServerSocket listener, Conversation conversation) {
    this.listener = listener;
    this.conversation = conversation;
    threads.execute(this::accept);
  }

  static TestServer tls(SSLContext context, Conversation conversation) throws IOException {
    return new TestServer(bind(context.getServerSocketFactory()), conversation);
  }

  static TestServer plain(Conversation conversation) throws IOException {
    return new TestServer(bind(ServerSocketFactory.getDefault()), conversation);
  }

  InetSocketAddress address() {
    return (InetSocketAddress) listener.getLocalSocketAddress();
  }

  int accepted() {
    return accepted.get();
  }

  List<Throwable> failures() {
    return List.copyOf(failures);
  }

  private static ServerSocket bind(ServerSocketFactory factory) throws IOException {
    return factory.createServerSocket(0, 50, InetAddress.getLoopbackAddress());
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket socket = listener.accept();
        accepted.incrementAndGet();
        sockets.add(socket);
        threads.execute(() -> converse(socket));
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void converse(Socket socket) {
    try (socket) {
      conversation.run(socket);
    } catch (Exception e) {
      if (!listener.isClosed()) {
        failures.add(e);
      }
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket socket : sockets) {
      socket.close();
    }
    threads.shutdownNow();
  }
}
