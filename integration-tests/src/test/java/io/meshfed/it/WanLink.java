package io.meshfed.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A WAN link in user space (this machine has no netem): a TCP proxy in front of one address that
 * delays every chunk of bytes, in each direction, by a latency with jitter (order kept, as TCP
 * would), can limit bandwidth, stall (hold everything for a while, connections kept) and go dark
 * (every packet dropped until healed). Put in front of a gateway's
 * WAN address, it stands for the WAN between that gateway's DC and every other DC.
 *
 * <p>Jitter is drawn from a seeded generator, printed by the test that uses it.
 */
final class WanLink implements AutoCloseable {
  /** What the link does to the bytes. */
  record Conditions(Duration latency, Duration jitter, long bytesPerSecond) {
    static Conditions latency(Duration latency, Duration jitter) {
      return new Conditions(latency, jitter, 0);
    }

    @Override
    public String toString() {
      return latency.toMillis() + " ms ± " + jitter.toMillis() + " ms one way"
          + (bytesPerSecond > 0 ? ", " + bytesPerSecond * 8 / 1000 + " kbit/s" : "");
    }
  }

  private static final int CHUNK = 16 * 1024;

  final InetSocketAddress listen;
  private final InetSocketAddress target;
  private final ServerSocket server;
  private final Random random;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;
  private final AtomicLong connections = new AtomicLong();
  private final Conditions conditions;
  private volatile long stalledUntilNanos;
  private Blackhole blackhole;
  private volatile boolean closed;

  WanLink(InetSocketAddress listen, InetSocketAddress target, Conditions conditions, long seed) throws IOException {
    this.target = target;
    this.conditions = conditions;
    this.random = new Random(seed);
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(listen);
    this.listen = new InetSocketAddress(listen.getAddress(), server.getLocalPort());
    this.acceptor = daemon("wan-link-" + this.listen, this::accept);
  }

  String address() {
    return listen.getAddress().getHostAddress() + ":" + listen.getPort();
  }

  /** Holds every byte for {@code d} from now; connections stay open. */
  void stall(Duration d) {
    stalledUntilNanos = System.nanoTime() + d.toNanos();
  }

  /**
   * Drops every packet to and from the link until {@link #heal()}: connects time out and open
   * connections hang, as when a WAN goes dark (needs root and iptables: {@link Blackhole}).
   */
  void blackhole() throws Exception {
    synchronized (this) {
      if (blackhole == null) {
        blackhole = new Blackhole(listen);
      }
    }
  }

  void heal() throws Exception {
    synchronized (this) {
      if (blackhole != null) {
        blackhole.close();
        blackhole = null;
      }
    }
  }

  long connectionsAccepted() {
    return connections.get();
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;
      }
      connections.incrementAndGet();
      Socket upstream = new Socket();
      try {
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        upstream.connect(target, 5000);
      } catch (IOException e) {
        closeQuietly(client);
        closeQuietly(upstream);
        continue;
      }
      sockets.add(client);
      sockets.add(upstream);
      pipe(client, upstream, "up");
      pipe(upstream, client, "down");
    }
  }

  /** Bytes and when they may leave; {@code bytes == null} ends the direction (a half-close). */
  private record Chunk(long releaseNanos, byte[] bytes) {}

  /**
   * One direction: a reader queues each chunk with its release time, never earlier than the
   * previous chunk's, and one writer sends them in queue order once due. (A scheduler keyed on
   * release times reordered chunks due at the same instant: it measures each delay from its own
   * clock reading, and the TLS records that crossed the link failed to decrypt.) EOF is passed on
   * as a half-close; a read error closes both sockets and ends the writer too.
   */
  private void pipe(Socket from, Socket to, String direction) {
    BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
    daemon("wan-link-" + direction + "-writer", () -> {
      try {
        OutputStream out = to.getOutputStream();
        while (true) {
          Chunk chunk = queue.take();
          for (long wait = chunk.releaseNanos() - System.nanoTime(); wait > 0;
              wait = chunk.releaseNanos() - System.nanoTime()) {
            LockSupport.parkNanos(wait);
          }
          if (chunk.bytes() == null) {
            shutdownOutput(to);
            return;
          }
          out.write(chunk.bytes());
          out.flush();
        }
      } catch (IOException e) {
        closeQuietly(to);
        closeQuietly(from);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    daemon("wan-link-" + direction + "-reader", () -> {
      long lastRelease = 0;
      byte[] buf = new byte[CHUNK];
      // Not try-with-resources: closing a socket's stream closes the socket, and the queued writes
      // and the other direction still need it.
      try {
        InputStream in = from.getInputStream();
        int n;
        while ((n = in.read(buf)) > 0) {
          lastRelease = Math.max(releaseAt(n), lastRelease);
          queue.add(new Chunk(lastRelease, java.util.Arrays.copyOf(buf, n)));
        }
      } catch (IOException e) {
        closeQuietly(from);
        closeQuietly(to);
      }
      queue.add(new Chunk(Math.max(System.nanoTime(), lastRelease), null));
    });
  }

  private static Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private long releaseAt(int bytes) {
    Conditions c = conditions;
    long delay = c.latency().toNanos();
    if (!c.jitter().isZero()) {
      synchronized (random) {
        delay += (long) ((random.nextDouble() * 2 - 1) * c.jitter().toNanos());
      }
    }
    if (c.bytesPerSecond() > 0) {
      delay += bytes * 1_000_000_000L / c.bytesPerSecond();
    }
    return Math.max(System.nanoTime() + Math.max(0, delay), stalledUntilNanos);
  }

  private static void shutdownOutput(Socket s) {
    try {
      s.shutdownOutput();
    } catch (IOException | RuntimeException ignored) {
      // already closed
    }
  }

  private void closeAll() {
    for (Socket s : List.copyOf(sockets)) {
      closeQuietly(s);
      sockets.remove(s);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      heal();
    } catch (Exception e) {
      throw new IllegalStateException("cannot remove the blackhole rules of " + address(), e);
    }
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
    closeAll();
  }
}
