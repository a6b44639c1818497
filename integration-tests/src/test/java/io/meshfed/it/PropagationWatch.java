package io.meshfed.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.it.Federation.Server;
import io.meshfed.protocol.model.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Watches the federation states of every server at once, each with its own loop of blocking reads
 * ({@code ?index=N}), and records when each server first held each version of each gateway entry.
 * A blocking read answers as soon as the server's table changes, so a sample costs no poll delay
 * and the servers are not looked at one after the other: the first-seen times are each server's
 * own, to within one HTTP answer. (Polling each server in turn with a 25 ms first poll put a floor
 * of about 150-200 ms under every sample of 5 servers.)
 *
 * <p>A version is {@code dc/node/output}: the DC's record holds gateway entry {@code node}, and its
 * first check's output is {@code output}. Changing the output of an existing entry is a change of
 * the federation state like adding one (anti-entropy compares checks too), so any number of
 * changes fits in a DC's 32 gateways.
 *
 * <p>Times are on one clock, {@link #now()} (epoch microseconds, from {@code System.nanoTime}
 * anchored once), so they compare with each other and, within a millisecond, with a record's
 * {@code UpdatedAt}, which the servers on this machine stamp from the same wall clock.
 */
final class PropagationWatch implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final long ANCHOR_NANOS = System.nanoTime();
  private static final long ANCHOR_MICROS = epochMicros(Instant.now());
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final List<Server> servers;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  /** server → version → first seen (µs). */
  private final Map<Server, Map<String, Long>> seen = new HashMap<>();
  /** version → the DC record's UpdatedAt (µs) when the version was first seen anywhere. */
  private final Map<String, Long> updatedAt = new HashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean closed;

  PropagationWatch(List<Server> servers) {
    this.servers = List.copyOf(servers);
    for (Server s : this.servers) {
      seen.put(s, new HashMap<>());
      Thread t = new Thread(() -> watch(s), "propagation-watch-" + s.node);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  static String version(String dc, String node, String output) {
    return dc + "/" + node + "/" + output;
  }

  /** Now on the watch's clock, epoch microseconds. */
  static long now() {
    return ANCHOR_MICROS + (System.nanoTime() - ANCHOR_NANOS) / 1000;
  }

  private static long epochMicros(Instant i) {
    return TimeUnit.SECONDS.toMicros(i.getEpochSecond()) + i.getNano() / 1000;
  }

  /**
   * Waits until every server has held {@code version}; its first-seen time in each server, in the
   * order of {@link #servers}.
   *
   * @throws AssertionError when some server has not held it within {@code atMost}
   */
  Map<Server, Long> await(String version, Duration atMost) throws InterruptedException {
    long deadline = System.nanoTime() + atMost.toNanos();
    lock.lock();
    try {
      while (true) {
        Map<Server, Long> at = new LinkedHashMap<>();
        for (Server s : servers) {
          Long t = seen.get(s).get(version);
          if (t != null) {
            at.put(s, t);
          }
        }
        if (at.size() == servers.size()) {
          return at;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          List<String> missing = servers.stream().filter(s -> !at.containsKey(s)).map(s -> s.node + "." + s.dc.name)
              .toList();
          throw new AssertionError(version + " not seen within " + atMost + " by " + missing);
        }
        changed.awaitNanos(left);
      }
    } finally {
      lock.unlock();
    }
  }

  /** The DC record's {@code UpdatedAt} (µs) the first time {@code version} was seen, or null. */
  Long updatedAt(String version) {
    lock.lock();
    try {
      return updatedAt.get(version);
    } finally {
      lock.unlock();
    }
  }

  private void watch(Server s) {
    long index = 0;
    while (!closed) {
      try {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + s.host + ":" + s.http
            + "/v1/internal/federation-states?index=" + index + "&wait=" + WAIT.toSeconds() + "s"))
            .timeout(WAIT.plusSeconds(15));
        HttpResponse<String> r = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        long at = now();
        if (r.statusCode() != 200) {
          throw new IllegalStateException(s.node + ": " + r.statusCode() + " " + r.body());
        }
        long next = r.headers().firstValueAsLong("X-Meshfed-Index").orElse(0);
        // An index that went backwards (a restored store) starts the watch over, as Consul's clients do.
        index = next < index ? 0 : next;
        record(s, Json.mapper().readTree(r.body()), at);
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        if (closed) {
          return;
        }
        // The server may be stopping or busy: ask again shortly, from scratch.
        index = 0;
        LockSupport.parkNanos(RETRY_NANOS);
      }
    }
  }

  private void record(Server s, JsonNode states, long at) {
    lock.lock();
    try {
      Map<String, Long> mine = seen.get(s);
      for (JsonNode state : states) {
        String dc = state.get("Datacenter").asText();
        JsonNode updated = state.get("UpdatedAt");
        Long updatedMicros = updated == null || updated.isNull() ? null
            : epochMicros(Instant.parse(updated.asText()));
        for (JsonNode g : state.get("MeshGateways")) {
          JsonNode checks = g.get("Checks");
          String output = checks != null && checks.size() > 0 ? checks.get(0).path("Output").asText("") : "";
          String v = version(dc, g.at("/Node/Node").asText(), output);
          if (mine.putIfAbsent(v, at) == null && updatedMicros != null) {
            updatedAt.putIfAbsent(v, updatedMicros);
          }
        }
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    closed = true;
    threads.forEach(Thread::interrupt);
  }

  /** Nearest-rank percentiles of a sample, in its own unit. */
  record Stats(int n, long p50, long p90, long p99, long max) {
    static Stats of(List<Long> values) {
      List<Long> sorted = new ArrayList<>(values);
      Collections.sort(sorted);
      return new Stats(sorted.size(), rank(sorted, 0.50), rank(sorted, 0.90), rank(sorted, 0.99),
          sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1));
    }

    private static long rank(List<Long> sorted, double p) {
      if (sorted.isEmpty()) {
        return 0;
      }
      int i = (int) Math.ceil(p * sorted.size()) - 1;
      return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    @Override
    public String toString() {
      return "p50 %d ms, p90 %d ms, p99 %d ms, max %d ms (n=%d)".formatted(p50, p90, p99, max, n);
    }
  }
}
