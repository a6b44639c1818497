package io.meshfed.it;

import io.meshfed.protocol.v1.ApplyFederationStateRequest;
import io.meshfed.protocol.v1.CheckServiceNode;
import io.meshfed.protocol.v1.FederationState;
import io.meshfed.protocol.v1.FederationStateOp;
import io.meshfed.protocol.v1.FederationStateServiceClient;
import io.meshfed.protocol.v1.Node;
import io.meshfed.protocol.v1.NodeService;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcClientSettings;

/**
 * The attackers of {@link ApiAttackProcessTest}, run as a process of their own: each attacker sends
 * 100 MB gRPC Apply messages and 100 MB HTTP bodies without a token, and garbage on both ports, as
 * fast as they go; one more holds connections open without a request. Serializing the large
 * messages makes this JVM collect gigabytes of garbage, and its collector pauses must not be
 * counted as the server's latency: the valid client lives in another process.
 *
 * <p>Arguments: HTTP port, gRPC port, number of attackers. It prints {@value #STARTED} once all run,
 * attacks until its standard input ends (so it also stops when the test's JVM dies), then prints
 * {@value #DONE} and the number of attacks made.
 */
public final class ApiAttacker {
  static final String STARTED = "attacking";
  static final String DONE = "attacks made: ";
  private static final byte[] HUNDRED_MB = new byte[100 * 1024 * 1024];
  /** One message for all attackers: each send still serializes it, 100 MB a time, in flight at once. */
  private static final ApplyFederationStateRequest HUGE = ApplyFederationStateRequest.newBuilder()
      .setOp(FederationStateOp.FEDERATION_STATE_OP_UPSERT).setState(state("dc9", 100_000_000)).build();

  private ApiAttacker() {}

  public static void main(String[] args) throws Exception {
    int http = Integer.parseInt(args[0]);
    int grpc = Integer.parseInt(args[1]);
    int attackers = Integer.parseInt(args[2]);
    ActorSystem<Void> clients = ActorSystem.create(Behaviors.empty(), "attackers");
    ExecutorService pool = Executors.newCachedThreadPool();
    AtomicBoolean attacking = new AtomicBoolean(true);
    AtomicLong attacks = new AtomicLong();
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int i = 0; i < attackers; i++) {
        int attacker = i;
        running.add(pool.submit(() -> attack(attacker, http, grpc, clients, attacking, attacks)));
      }
      running.add(pool.submit(() -> holdConnections(http, grpc, attacking)));
      System.out.println(STARTED);
      while (System.in.read() >= 0) {
        // the test closes our standard input to stop the attack
      }
      attacking.set(false);
      for (Future<?> f : running) {
        f.get(60, TimeUnit.SECONDS);
      }
      System.out.println(DONE + attacks.get());
    } finally {
      pool.shutdownNow();
      clients.terminate();
      clients.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /** One attacker: oversized and malformed requests on both ports, as fast as they go. */
  private static void attack(int attacker, int http, int grpc, ActorSystem<?> clients, AtomicBoolean attacking,
      AtomicLong attacks) {
    HttpClient httpClient = HttpClient.newHttpClient();
    FederationStateServiceClient grpcClient = FederationStateServiceClient.create(GrpcClientSettings
        .connectToServiceAt("127.0.0.1", grpc, clients).withTls(false), clients);
    InetAddress from = loopback(10 + attacker);
    for (int round = 0; attacking.get(); round++) {
      try {
        switch (round % 4) {
          case 0 -> grpcClient.apply().invoke(HUGE).toCompletableFuture().handle((r, e) -> r)
              .get(30, TimeUnit.SECONDS);
          case 1 -> httpClient.send(HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + http + "/v1/internal/federation-state"))
              .PUT(HttpRequest.BodyPublishers.ofByteArray(HUNDRED_MB)).timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.discarding());
          case 2 -> garbage(from, http, "GET /\u0000\u0001 HTTP/1.1\r\nX: " + "y".repeat(20_000) + "\r\n\r\n");
          default -> garbage(from, grpc, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + "\u0000".repeat(64) + "garbage");
        }
      } catch (Exception expected) {
        // refusals and resets are what an attacker gets
      }
      attacks.incrementAndGet();
    }
    grpcClient.close();
  }

  /** Connections that never send a request, from several addresses, renewed as they are closed. */
  private static void holdConnections(int http, int grpc, AtomicBoolean attacking) {
    List<Socket> held = new ArrayList<>();
    try {
      for (int round = 0; attacking.get(); round++) {
        held.removeIf(Socket::isClosed);
        held.removeIf(ApiAttacker::closedByServer);
        for (int i = 0; held.size() < 1_500 && i < 100; i++) {
          try {
            Socket s = new Socket();
            s.bind(new InetSocketAddress(loopback(30 + (round + i) % 10), 0));
            s.connect(new InetSocketAddress("127.0.0.1", i % 2 == 0 ? http : grpc), 1_000);
            held.add(s);
          } catch (IOException refused) {
            // a full accept queue is a result too
          }
        }
        // Pacing, not waiting for a condition: an attacker's JVM under its own 100 MB sends can stall for
        // seconds in GC, so no deadline belongs here.
        LockSupport.parkNanos(200_000_000L);
      }
    } finally {
      held.forEach(s -> {
        try {
          s.close();
        } catch (IOException ignored) {
          // best effort
        }
      });
    }
  }

  private static boolean closedByServer(Socket s) {
    try {
      s.setSoTimeout(1);
      boolean closed = s.getInputStream().read() < 0;
      if (closed) {
        s.close();
      }
      return closed;
    } catch (java.net.SocketTimeoutException open) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  private static void garbage(InetAddress from, int port, String text) throws IOException {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(from, 0));
      s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      out.write(text.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      in.readAllBytes();
    }
  }

  private static InetAddress loopback(int last) {
    try {
      return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A federation state whose gateway carries {@code padding} characters in one tag. */
  static FederationState state(String dc, int padding) {
    NodeService.Builder service = NodeService.newBuilder().setId("mesh-gateway").setService("mesh-gateway")
        .setKind("mesh-gateway").setPort(8443).putMeta("meshfed-wan-federation", "1");
    if (padding > 0) {
      service.addTags("x".repeat(padding));
    }
    return FederationState.newBuilder().setDatacenter(dc).addMeshGateways(CheckServiceNode.newBuilder()
        .setNode(Node.newBuilder().setNode("gw-" + dc).setAddress("10.0.9.1").setDatacenter(dc))
        .setService(service)).build();
  }
}
