package io.meshfed.gateway.upstream;

import io.meshfed.gateway.route.Route;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Chooses an endpoint of a route for each new upstream connection, and ejects endpoints that keep
 * failing.
 *
 * <p>Choice is power of two choices on open connections: pick two endpoints at random, take the one
 * carrying fewer. Gateway connections are long-lived (server RPC connections are multiplexed and
 * held), so what must be balanced is the number open, which round robin ignores; and unlike "least
 * connections" it does not send every gateway of a DC to the same server after a restart.
 *
 * <p>State is kept by address, shared by all routes and all tables, so a table swap does not forget
 * an ejection; {@link #retain} drops the state of addresses no table mentions any more.
 */
public final class UpstreamSelector {
  private final int ejectAfterFailures;
  private final Duration ejectionTime;
  private final Clock clock;
  private final RandomGenerator random;
  private final Consumer<InetSocketAddress> onEjection;
  private final ConcurrentHashMap<InetSocketAddress, Endpoint> endpoints = new ConcurrentHashMap<>();

  /**
   * @param ejectAfterFailures consecutive failed connects that eject an endpoint
   * @param ejectionTime how long an ejected endpoint is passed over (unless all are)
   * @param onEjection told of each ejection, for metrics and logs
   */
  public UpstreamSelector(int ejectAfterFailures, Duration ejectionTime, Clock clock, RandomGenerator random,
                          Consumer<InetSocketAddress> onEjection) {
    this.ejectAfterFailures = ejectAfterFailures;
    this.ejectionTime = ejectionTime;
    this.clock = clock;
    this.random = random;
    this.onEjection = onEjection;
  }

  /**
   * An endpoint of {@code route} not in {@code tried}, preferring those not ejected; when all left
   * are ejected one of them is tried anyway, since trying a bad endpoint beats certain failure.
   * Empty when every endpoint was tried.
   */
  public Optional<Upstream> choose(Route route, Set<InetSocketAddress> tried) {
    long now = clock.millis();
    List<Endpoint> fresh = new ArrayList<>();
    List<Endpoint> ejected = new ArrayList<>();
    for (InetSocketAddress address : route.endpoints()) {
      if (!tried.contains(address)) {
        Endpoint endpoint = endpoints.computeIfAbsent(address, Endpoint::new);
        (endpoint.ejected(now) ? ejected : fresh).add(endpoint);
      }
    }
    List<Endpoint> candidates = fresh.isEmpty() ? ejected : fresh;
    return candidates.isEmpty() ? Optional.empty() : Optional.of(new Attempt(pickLessLoaded(candidates)));
  }

  /** Forgets endpoints outside {@code current}; connections already open keep their own reference. */
  public void retain(Collection<InetSocketAddress> current) {
    endpoints.keySet().retainAll(Set.copyOf(current));
  }

  /** Whether {@code address} is ejected now (for tests and diagnostics). */
  public boolean isEjected(InetSocketAddress address) {
    Endpoint endpoint = endpoints.get(address);
    return endpoint != null && endpoint.ejected(clock.millis());
  }

  private Endpoint pickLessLoaded(List<Endpoint> candidates) {
    if (candidates.size() == 1) {
      return candidates.get(0);
    }
    int first = random.nextInt(candidates.size());
    int second = random.nextInt(candidates.size() - 1);
    if (second >= first) {
      second++;
    }
    Endpoint a = candidates.get(first);
    Endpoint b = candidates.get(second);
    return b.open.get() < a.open.get() ? b : a;
  }

  private final class Endpoint {
    final InetSocketAddress address;
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger consecutiveFailures = new AtomicInteger();
    volatile long ejectedUntilMillis;

    Endpoint(InetSocketAddress address) {
      this.address = address;
    }

    boolean ejected(long nowMillis) {
      return nowMillis < ejectedUntilMillis;
    }

    void failed() {
      // getAndSet makes exactly one of several concurrent failures past the threshold eject.
      if (consecutiveFailures.incrementAndGet() >= ejectAfterFailures
          && consecutiveFailures.getAndSet(0) >= ejectAfterFailures) {
        ejectedUntilMillis = clock.millis() + ejectionTime.toMillis();
        onEjection.accept(address);
      }
    }

    void connected() {
      consecutiveFailures.set(0);
      ejectedUntilMillis = 0;
      open.incrementAndGet();
    }
  }

  private record Attempt(Endpoint endpoint) implements Upstream {
    @Override
    public InetSocketAddress address() {
      return endpoint.address;
    }

    @Override
    public void failed() {
      endpoint.failed();
    }

    @Override
    public void connected() {
      endpoint.connected();
    }

    @Override
    public void closed() {
      endpoint.open.decrementAndGet();
    }
  }
}
