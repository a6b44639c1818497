package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.protocol.v1.ApplyFederationStateRequest;
import io.meshfed.protocol.v1.CheckServiceNode;
import io.meshfed.protocol.v1.FederationState;
import io.meshfed.protocol.v1.FederationStateOp;
import io.meshfed.protocol.v1.FederationStateServiceClient;
import io.meshfed.protocol.v1.ListFederationStatesRequest;
import io.meshfed.protocol.v1.ListFederationStatesResponse;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SinkQueueWithCancel;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server with ACLs on, in a JVM capped at 256 MB of heap, under a sustained unauthenticated
 * attack on both client APIs from several clients at once, for a minute: 100 MB gRPC Apply
 * messages and 100 MB HTTP bodies, garbage on both ports, and connections held open without a
 * request. Throughout, a valid client is answered within a second on both APIs, a watch and a
 * blocking read longer than the old 20 s limit run to their end, the process's memory stays under
 * the heap cap plus 128 MB, and nothing is stored.
 */
class ApiAttackProcessTest {
  private static final Duration ATTACK = Duration.ofSeconds(60);
  private static final Duration VALID_LATENCY = Duration.ofSeconds(1);
  private static final long RSS_CAP_KB = (256 + 128) * 1024;
  private static final int ATTACKERS = 4;
  private static final String READER = "reader-secret";
  private static final String WRITER = "writer-secret";
  private static final byte[] HUNDRED_MB = new byte[100 * 1024 * 1024];

  @TempDir Path dir;

  @Test
  void aServerUnderAttackKeepsAnsweringValidClients() throws Exception {
    int http = MeshfedProcess.freePort();
    int grpc = MeshfedProcess.freePort();
    Path config = dir.resolve("server.conf");
    Files.writeString(config, """
        meshfed {
          datacenter = dc1, primary-datacenter = dc1, node-name = n1, data-dir = "%s"
          ports { http = %d, grpc = %d }
          acl {
            enabled = true
            tokens = [{ secret = "%s", policy = "operator:read" }, { secret = "%s", policy = "operator:write" }]
          }
        }
        """.formatted(dir.resolve("data"), http, grpc, READER, WRITER));
    ActorSystem<Void> clients = ActorSystem.create(Behaviors.empty(), "attack-clients");
    ExecutorService pool = Executors.newCachedThreadPool();
    try (MeshfedProcess server = MeshfedProcess.start("server", "--dev", "--config-file", config.toString())) {
      server.awaitReady(Duration.ofSeconds(90));
      HttpClient httpClient = HttpClient.newBuilder().connectTimeout(VALID_LATENCY).build();
      FederationStateServiceClient grpcClient = FederationStateServiceClient.create(GrpcClientSettings
          .connectToServiceAt("127.0.0.1", grpc, clients).withTls(false), clients);
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
          valid(httpClient, http, "/v1/internal/federation-states").statusCode() == 200);
      long indexBefore = index(valid(httpClient, http, "/v1/internal/federation-states"));

      // A watch and a long blocking read, both running through the whole attack.
      SinkQueueWithCancel<ListFederationStatesResponse> watch = grpcClient.watchList()
          .addHeader("x-meshfed-token", READER).invoke(ListFederationStatesRequest.getDefaultInstance())
          .runWith(Sink.queue(), clients);
      assertThat(watch.pull().toCompletableFuture().get(20, TimeUnit.SECONDS)).isPresent();
      CompletionStage<Optional<ListFederationStatesResponse>> watched = watch.pull();
      CompletionStage<HttpResponse<String>> blockingRead = httpClient.sendAsync(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + http + "/v1/internal/federation-states?index=" + indexBefore
                  + "&wait=25s")).header("X-Meshfed-Token", READER).timeout(Duration.ofSeconds(60)).build(),
          HttpResponse.BodyHandlers.ofString());

      AtomicBoolean attacking = new AtomicBoolean(true);
      AtomicLong attacks = new AtomicLong();
      List<Future<?>> attackers = new ArrayList<>();
      for (int i = 0; i < ATTACKERS; i++) {
        int attacker = i;
        attackers.add(pool.submit(() -> attack(attacker, http, grpc, clients, attacking, attacks)));
      }
      attackers.add(pool.submit(() -> holdConnections(http, grpc, attacking)));

      ConcurrentLinkedQueue<String> slow = new ConcurrentLinkedQueue<>();
      long validCalls = 0;
      long maxRssKb = 0;
      long maxLatencyMs = 0;
      long start = System.nanoTime();
      long end = start + ATTACK.toNanos();
      while (System.nanoTime() < end) {
        long t0 = System.nanoTime();
        HttpResponse<String> r;
        ListFederationStatesResponse listed;
        long httpMs;
        long grpcMs;
        try {
          r = valid(httpClient, http, "/v1/internal/federation-states");
          httpMs = (System.nanoTime() - t0) / 1_000_000;
          long t1 = System.nanoTime();
          listed = grpcClient.list().addHeader("x-meshfed-token", READER)
              .invoke(ListFederationStatesRequest.getDefaultInstance()).toCompletableFuture()
              .get(VALID_LATENCY.toMillis(), TimeUnit.MILLISECONDS);
          grpcMs = (System.nanoTime() - t1) / 1_000_000;
        } catch (Exception e) {
          throw new AssertionError("a valid call failed after " + (System.nanoTime() - start) / 1_000_000_000
              + " s of attack: " + e + "; " + state(server), e);
        }
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(listed.getStatesCount()).isEqualTo(1);
        if (httpMs > 500 || grpcMs > 500) {
          slow.add("http " + httpMs + " ms, grpc " + grpcMs + " ms");
        }
        maxLatencyMs = Math.max(maxLatencyMs, Math.max(httpMs, grpcMs));
        maxRssKb = Math.max(maxRssKb, server.rssKb());
        validCalls++;
        // Pace the valid client on the clock, not with a sleep: one call pair every 100 ms.
        long next = t0 + 100_000_000L;
        Awaitility.await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(1))
            .until(() -> System.nanoTime() >= next);
      }
      attacking.set(false);
      for (Future<?> f : attackers) {
        f.get(60, TimeUnit.SECONDS);
      }

      HttpResponse<String> longRead = blockingRead.toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertThat(longRead.statusCode()).as(longRead.body()).isEqualTo(200);
      assertThat(server.process.isAlive()).isTrue();
      assertThat(index(valid(httpClient, http, "/v1/internal/federation-states"))).as("nothing stored")
          .isEqualTo(indexBefore);
      // The watch is still open: a change made now reaches it.
      grpcClient.apply().addHeader("x-meshfed-token", WRITER).invoke(ApplyFederationStateRequest.newBuilder()
              .setOp(FederationStateOp.FEDERATION_STATE_OP_UPSERT).setState(state("dc2", 0)).build())
          .toCompletableFuture().get(20, TimeUnit.SECONDS);
      assertThat(watched.toCompletableFuture().get(20, TimeUnit.SECONDS)).isPresent().get()
          .satisfies(w -> assertThat(w.getStatesCount()).isEqualTo(2));
      watch.cancel();
      System.out.printf("attack: %d attacks in %s by %d clients; %d valid HTTP+gRPC call pairs, slowest %d ms"
              + " (over 500 ms: %s); max RSS %d MB (cap %d MB)%n", attacks.get(), ATTACK, ATTACKERS, validCalls,
          maxLatencyMs, slow, maxRssKb / 1024, RSS_CAP_KB / 1024);
      assertThat(maxLatencyMs).isLessThan(VALID_LATENCY.toMillis());
      // Thousands of bad requests, a handful of log lines: refusals are counted, not logged one by one.
      assertThat(troubleLines(server)).as("WARN and ERROR lines the server printed").hasSizeLessThan(20);
      assertThat(maxRssKb).isLessThan(RSS_CAP_KB);
      assertThat(attacks.get()).isGreaterThan(ATTACKERS * 10L);
      grpcClient.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
      clients.terminate();
      clients.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static List<String> troubleLines(MeshfedProcess server) {
    List<String> lines = new ArrayList<>(server.stdout);
    lines.addAll(server.stderr);
    return lines.stream().filter(l -> l.contains("ERROR") || l.contains("Error") || l.contains("WARN")).toList();
  }

  /** Whether the server still runs, and what it said last about trouble. */
  private static String state(MeshfedProcess server) {
    List<String> trouble = troubleLines(server);
    return "server " + (server.process.isAlive() ? "alive" : "exited with " + server.process.exitValue())
        + "; its last error lines: " + trouble.subList(Math.max(0, trouble.size() - 5), trouble.size());
  }

  /** One attacker: oversized and malformed requests on both ports, as fast as they go. */
  private static void attack(int attacker, int http, int grpc, ActorSystem<?> clients, AtomicBoolean attacking,
      AtomicLong attacks) {
    HttpClient httpClient = HttpClient.newHttpClient();
    FederationStateServiceClient grpcClient = FederationStateServiceClient.create(GrpcClientSettings
        .connectToServiceAt("127.0.0.1", grpc, clients).withTls(false), clients);
    ApplyFederationStateRequest huge = ApplyFederationStateRequest.newBuilder()
        .setOp(FederationStateOp.FEDERATION_STATE_OP_UPSERT).setState(state("dc9", 100_000_000)).build();
    InetAddress from = loopback(10 + attacker);
    for (int round = 0; attacking.get(); round++) {
      try {
        switch (round % 4) {
          case 0 -> grpcClient.apply().invoke(huge).toCompletableFuture().handle((r, e) -> r)
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
        held.removeIf(s -> closedByServer(s));
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
        long next = System.nanoTime() + 200_000_000L;
        Awaitility.await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20)).atMost(Duration.ofSeconds(1))
            .until(() -> System.nanoTime() >= next);
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

  private static HttpResponse<String> valid(HttpClient client, int port, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("X-Meshfed-Token", READER).timeout(VALID_LATENCY).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static long index(HttpResponse<?> r) {
    return Long.parseLong(r.headers().firstValue("X-Meshfed-Index").orElseThrow());
  }


  private static InetAddress loopback(int last) {
    try {
      return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A federation state whose gateway carries {@code padding} characters in one tag. */
  private static FederationState state(String dc, int padding) {
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
