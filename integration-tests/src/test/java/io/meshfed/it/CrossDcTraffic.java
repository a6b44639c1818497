package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.it.Federation.Server;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;

/**
 * Steady cross-DC traffic: every {@code every}, one server in turn reads the federation states of
 * another DC (a call forwarded over internal RPC through the gateways), going round every pair of
 * server and other DC. Every failure is kept with what failed, for a test that allows none.
 */
final class CrossDcTraffic implements AutoCloseable {
  final AtomicLong succeeded = new AtomicLong();
  final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
  private final ScheduledExecutorService caller = Executors.newSingleThreadScheduledExecutor();
  private final AtomicLong turn = new AtomicLong();
  private ExecutorService blocking;
  private volatile boolean stopping;

  /** Reads a DC from a server: a server and the name of a DC other than its own. */
  private record Call(Server from, String dc) {}

  CrossDcTraffic(List<Server> servers, List<String> datacenters, Duration every) {
    this(servers, datacenters, every, Duration.ZERO);
  }

  /**
   * With {@code blockingWait} above zero, every pair of server and other DC also has a blocking read
   * of that DC in flight all the time (each waits {@code blockingWait} in the other DC), so a
   * connection cut under a call fails one for certain, not only when a short read happens to be on it.
   */
  CrossDcTraffic(List<Server> servers, List<String> datacenters, Duration every, Duration blockingWait) {
    List<Call> calls = new ArrayList<>();
    for (Server s : servers) {
      datacenters.stream().filter(dc -> !dc.equals(s.dc.name)).forEach(dc -> calls.add(new Call(s, dc)));
    }
    if (!blockingWait.isZero()) {
      blocking = Executors.newFixedThreadPool(calls.size());
      // An index no table reaches: each read waits its whole wait in the other DC.
      String query = "&index=" + Long.MAX_VALUE + "&wait=" + blockingWait.toMillis() + "ms";
      for (Call c : calls) {
        blocking.execute(() -> {
          while (!stopping) {
            try {
              c.from().get("/v1/internal/federation-states?dc=" + c.dc() + query);
              succeeded.incrementAndGet();
            } catch (Exception | AssertionError e) {
              failures.add(c.from().node + " -> " + c.dc() + " (blocking read): " + e);
            }
          }
        });
      }
    }
    caller.scheduleAtFixedRate(() -> {
      Call c = calls.get((int) (turn.getAndIncrement() % calls.size()));
      try {
        c.from().get("/v1/internal/federation-states?dc=" + c.dc());
        succeeded.incrementAndGet();
      } catch (Exception | AssertionError e) {
        failures.add(c.from().node + " -> " + c.dc() + ": " + e);
      }
    }, 0, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Waits until {@code n} more calls have succeeded; fails at the first failed call. */
  void awaitMore(long n) {
    long target = succeeded.get() + n;
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
        .until(() -> succeeded.get() >= target || !failures.isEmpty());
    assertThat(failures).as("cross-DC calls that failed").isEmpty();
  }

  long calls() {
    return succeeded.get() + failures.size();
  }

  /** Lets the call in flight finish (interrupting it would count as a failure of its own making). */
  @Override
  public void close() throws InterruptedException {
    stopping = true;
    caller.shutdown();
    if (!caller.awaitTermination(30, TimeUnit.SECONDS)) {
      caller.shutdownNow();
    }
    if (blocking != null) {
      blocking.shutdown();
      if (!blocking.awaitTermination(30, TimeUnit.SECONDS)) {
        blocking.shutdownNow();
      }
    }
  }
}
