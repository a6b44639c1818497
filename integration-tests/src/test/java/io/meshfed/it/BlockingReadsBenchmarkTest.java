package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
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
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many long blocking reads at once against a real server process (the shipped JVM defaults): half
 * of the clients read the federation states and are woken by a write a minute in, half read the
 * catalog and wait their whole {@code wait=5m}. Every read must answer 200 - the woken ones within
 * a second of the write, the others within their wait plus the 1/16 jitter - and none 503. It
 * takes six minutes, so it runs on request only (docs/benchmarks.md has its figures):
 * <pre>
 *   mvn -o verify -pl integration-tests -am -Dtest=BlockingReadsBenchmarkTest \
 *       -Dsurefire.failIfNoSpecifiedTests=false -Dbench.blocking-reads=500
 * </pre>
 * Clients come from several loopback addresses, 100 each, as distinct clients would (the HTTP API
 * admits 200 connections per client address by default).
 */
@EnabledIfSystemProperty(named = "bench.blocking-reads", matches = "\\d+")
class BlockingReadsBenchmarkTest {
  private static final Duration WAIT = Duration.ofMinutes(5);
  private static final Duration WRITE_AFTER = Duration.ofMinutes(1);
  private static final int PER_ADDRESS = 100;

  @TempDir Path dir;

  /** One read: its group, status, when its request was written and when its answer had arrived. */
  record Answer(int group, int status, long sentNanos, long answeredNanos, String body) {
    long waitedMillis() {
      return (answeredNanos - sentNanos) / 1_000_000;
    }
  }

  @Test
  void everyLongBlockingReadAnswers200() throws Exception {
    int clients = Integer.getInteger("bench.blocking-reads");
    int http = MeshfedProcess.freePort();
    HttpClient control = HttpClient.newHttpClient();
    ExecutorService readers = Executors.newFixedThreadPool(clients);
    try (MeshfedProcess server = MeshfedProcess.start("server", "--dev", "--node", "n1",
        "--data-dir", dir.resolve("data").toString(), "--http-port", Integer.toString(http))) {
      server.awaitReady(Duration.ofSeconds(90));
      long statesIndex = awaitIndex(control, http, "/v1/internal/federation-state/dc1");
      long catalogIndex = index(get(control, http, "/v1/health/service/nothing-here"));
      long rssBefore = server.rssKb();

      List<CompletableFuture<Answer>> answers = new ArrayList<>();
      long start = System.nanoTime();
      for (int i = 0; i < clients; i++) {
        int group = i % 2;
        String path = group == 0
            ? "/v1/internal/federation-states?index=" + statesIndex + "&wait=5m"
            : "/v1/health/service/nothing-here?index=" + catalogIndex + "&wait=5m";
        InetAddress from = InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (2 + i / PER_ADDRESS)});
        answers.add(CompletableFuture.supplyAsync(() -> read(from, http, path, group), readers));
      }
      List<Long> rss = Collections.synchronizedList(new ArrayList<>());
      long writeAt = start + WRITE_AFTER.toNanos();
      while (System.nanoTime() < writeAt) {
        rss.add(server.rssKb());
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).completeOnTimeout(null, 1, TimeUnit.SECONDS)
            .join();
      }
      long written = System.nanoTime();
      HttpResponse<String> write = control.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http
              + "/v1/internal/federation-state")).PUT(HttpRequest.BodyPublishers.ofString(
              "{\"Op\":\"upsert\",\"State\":" + ServerProcessTest.STATE + "}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(write.statusCode()).as(write.body()).isEqualTo(200);
      long writeMs = (written - start) / 1_000_000;
      while (!answers.stream().allMatch(CompletableFuture::isDone)) {
        rss.add(server.rssKb());
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).completeOnTimeout(null, 1, TimeUnit.SECONDS)
            .join();
      }
      long rssAfter = server.rssKb();

      List<Answer> all = answers.stream().map(CompletableFuture::join).toList();
      long lastSentMs = (all.stream().mapToLong(Answer::sentNanos).max().orElse(start) - start) / 1_000_000;
      List<Long> woken = all.stream().filter(a -> a.group() == 0)
          .map(a -> (a.answeredNanos() - written) / 1_000_000).sorted().toList();
      List<Long> waited = all.stream().filter(a -> a.group() == 1).map(Answer::waitedMillis).sorted().toList();
      System.out.printf("blocking reads: %d clients, all sent within %d ms; statuses %s; woken by the write "
              + "after %d ms: min %d ms, "
              + "median %d ms, max %d ms; waited out: min %.1f s, median %.1f s, max %.1f s (wait %d s, cap with "
              + "jitter %.1f s); RSS before %d MB, peak %d MB, after %d MB%n", clients, lastSentMs,
          all.stream().collect(java.util.stream.Collectors.groupingBy(Answer::status,
              java.util.stream.Collectors.counting())), writeMs, woken.get(0), woken.get(woken.size() / 2),
          woken.get(woken.size() - 1), waited.get(0) / 1000.0, waited.get(waited.size() / 2) / 1000.0,
          waited.get(waited.size() - 1) / 1000.0, WAIT.toSeconds(), WAIT.toMillis() * 17 / 16 / 1000.0,
          rssBefore / 1024, rss.stream().mapToLong(Long::longValue).max().orElse(0) / 1024, rssAfter / 1024);
      assertThat(all).allSatisfy(a -> assertThat(a.status()).as(a.body()).isEqualTo(200));
      assertThat(woken.get(woken.size() - 1)).isLessThan(1_000);
      assertThat(waited.get(0)).isGreaterThanOrEqualTo(WAIT.toMillis());
      // The jitter is at most 1/16 of the wait; a second of slack for the client's own scheduling.
      assertThat(waited.get(waited.size() - 1)).isLessThan(WAIT.toMillis() * 17 / 16 + 1_000);
    } finally {
      readers.shutdownNow();
    }
  }

  /** One HTTP/1.1 GET on its own connection from {@code from}. */
  private static Answer read(InetAddress from, int port, String path, int group) {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(from, 0));
      s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      s.setSoTimeout((int) (WAIT.toMillis() * 2));
      s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      long sent = System.nanoTime();
      InputStream in = s.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int status = response.length() >= 12 ? Integer.parseInt(response.substring(9, 12)) : -1;
      return new Answer(group, status, sent, System.nanoTime(),
          response.length() > 300 ? response.substring(0, 300) : response);
    } catch (IOException e) {
      return new Answer(group, -1, 0, System.nanoTime(), e.toString());
    }
  }

  /** The index once the lone primary has written its own federation state (anti-entropy). */
  private static long awaitIndex(HttpClient client, int port, String path) throws Exception {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> get(client, port, path).statusCode() == 200);
    return index(get(client, port, path));
  }

  private static HttpResponse<String> get(HttpClient client, int port, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static long index(HttpResponse<?> r) {
    return Long.parseLong(r.headers().firstValue("X-Meshfed-Index").orElseThrow());
  }

}
